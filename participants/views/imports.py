"""Administrators: upload a provincial list, see every row's problems, import, watch the progress; the
specialties lists name outside the known ones, and merging one into another."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.permissions import administrator_required
from common.exports import spreadsheet_response
from sessions.models import Program

from .. import importing
from ..forms import UploadForm
from ..models import ImportJob, Specialty, SpecialtyMerge
from ..services import specialties

PROBLEMS_SHOWN = 500  # on the page; the download names every one


@administrator_required
def upload(request, slug):
    program = get_object_or_404(Program, slug=slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = importing.job_create(program=program, uploaded=form.cleaned_data["file"], by=request.user)
        except importing.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect("participants:import_job", pk=job.pk)
    jobs = program.imports.select_related("uploaded_by")[:10]
    return render(
        request,
        "participants/manage/import_upload.html",
        {
            "program": program,
            "form": form,
            "jobs": jobs,
            "columns": importing.column_names(),
            "required": importing.REQUIRED,
            "specialties": specialties.known(),
        },
    )


@administrator_required
def job_detail(request, pk):
    job = get_object_or_404(ImportJob.objects.select_related("program", "uploaded_by"), pk=pk)
    problems = [{**p, "message": importing.problem_message(p)} for p in job.problems]
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        return spreadsheet_response(
            filename=f"problems-{job.pk}",
            fmt=fmt,
            header=[_("Row"), _("Column"), _("Problem")],
            rows=[(p["row"], p["column"], p["message"]) for p in problems],
        )
    context = {
        "job": job,
        "program": job.program,
        "progress": importing.job_progress(job),
        "problems": problems[:PROBLEMS_SHOWN],
        "problem_rows": len({p["row"] for p in problems}),
        "more_problems": max(0, len(problems) - PROBLEMS_SHOWN),
        "new_rows": job.valid_rows - job.known_rows,
        "failure": importing.failure_message(job.error),
    }
    if request.htmx:
        return render(request, "participants/manage/import_job.html#status", context)
    return render(request, "participants/manage/import_job.html", context)


@administrator_required
@require_POST
def job_start(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    try:
        importing.job_start(
            job=job, only_valid=request.POST.get("only_valid") == "1", confirmed=request.POST.get("check", "")
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("participants:import_job", pk=job.pk)


class MergeForm(forms.Form):
    """Merge one value in use into a known specialty or into another value in use."""

    value = forms.ChoiceField(widget=forms.HiddenInput)
    into = forms.ChoiceField(label=gettext_lazy("Merge into"))

    def __init__(self, *args, in_use: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].choices = [(v, v) for v in in_use]
        self.fields["into"].choices = [
            ("", "—"),
            (_("Known specialties"), [(code, specialties.label(code)) for code in Specialty.values]),
            (_("Other values in use"), [(v, v) for v in in_use]),
        ]
        self.fields["value"].error_messages["invalid_choice"] = _("No lawyer carries this value any more.")


@administrator_required
def specialty_list(request):
    in_use = specialties.unknown_in_use()
    form = MergeForm(request.POST if request.method == "POST" else None, in_use=[v.value for v in in_use])
    if request.method == "POST":
        if form.is_valid():
            value, into = form.cleaned_data["value"], form.cleaned_data["into"]
            try:
                merge = specialties.specialty_merge(value=value, into=into, by=request.user)
            except ValidationError as error:
                messages.error(request, error.messages[0])
            else:
                text = ngettext(
                    "“%(value)s” merged into “%(into)s”: %(count)s lawyer changed.",
                    "“%(value)s” merged into “%(into)s”: %(count)s lawyers changed.",
                    merge.lawyers,
                )
                messages.success(
                    request,
                    text % {"value": merge.value, "into": specialties.label(merge.into), "count": merge.lawyers},
                )
        else:
            messages.error(request, next(iter(form.errors.values()))[0])
        return redirect("participants:specialties")
    merges = SpecialtyMerge.objects.select_related("merged_by")[:20]
    return render(
        request,
        "participants/manage/specialties.html",
        {
            "in_use": in_use,
            "known": specialties.known(),
            "targets": form.fields["into"].choices[1:],  # the groups, after the blank choice
            "merges": [(m, specialties.label(m.into)) for m in merges],
        },
    )
