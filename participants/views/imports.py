"""Administrators: upload a provincial list, see every row's problems, import, watch the progress."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import administrator_required
from sessions.models import Program

from .. import importing
from ..models import ImportJob


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("List of lawyers"),
        help_text=gettext_lazy("CSV (UTF-8 or GBK, as Excel and WPS save it) or XLSX; first row: column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


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
    # Each column's Chinese header and its English one (the first alias in Latin letters).
    columns = [(names[0], next(n for n in names if n.isascii())) for names in importing.COLUMNS.values()]
    return render(
        request,
        "participants/manage/import_upload.html",
        {"program": program, "form": form, "jobs": jobs, "columns": columns, "required": importing.REQUIRED},
    )


@administrator_required
def job_detail(request, pk):
    job = get_object_or_404(ImportJob.objects.select_related("program"), pk=pk)
    context = {"job": job, "program": job.program, "progress": importing.job_progress(job)}
    if request.htmx:
        return render(request, "participants/manage/import_job.html#status", context)
    return render(request, "participants/manage/import_job.html", context)


@administrator_required
@require_POST
def job_start(request, pk):
    job = get_object_or_404(ImportJob, pk=pk)
    try:
        importing.job_start(job=job, only_valid=request.POST.get("only_valid") == "1")
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect("participants:import_job", pk=job.pk)
