"""Administrators: issue a program's certificates with a progress bar, one by one, revoke, re-render, ZIP."""

import tempfile
import zipfile
from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import administrator_required
from common.params import pk_from
from participants.models import AdmissionState, Participant
from sessions.models import Program

from .. import services
from ..models import Certificate, CertificateDesign, IssueJob


class DesignForm(forms.ModelForm):
    class Meta:
        model = CertificateDesign
        fields = ["seal"]
        help_texts = {"seal": gettext_lazy("A PNG with a transparent background looks best; at most 2 MB.")}

    def clean_seal(self):
        seal = self.cleaned_data.get("seal")
        if seal and hasattr(seal, "size") and seal.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The image is larger than 2 MB."))
        return seal


@administrator_required
def certificate_list(request, slug):
    program = get_object_or_404(Program, slug=slug)
    certificates = (
        Certificate.objects.filter(program=program)
        .select_related("participant__province")
        .prefetch_related("amendments")
    )
    query = request.GET.get("q", "").strip()
    if query:
        certificates = certificates.filter(
            Q(holder_name_zh__icontains=query)
            | Q(holder_name_latin__icontains=query)
            | Q(participant__name_zh__icontains=query)
            | Q(participant__name_latin__icontains=query)
            | Q(serial__icontains=query)
        )
    job = IssueJob.objects.filter(program=program).first()
    design = CertificateDesign.objects.filter(program=program).first()
    context = {
        "program": program,
        "page": Paginator(certificates, 100).get_page(request.GET.get("page")),
        "query": query,
        "eligible": services.eligible(program).count(),
        "issued": Certificate.objects.filter(program=program).valid().count(),
        "revoked": Certificate.objects.filter(program=program, revoked_at__isnull=False).count(),
        "job": _job_context(job) if job else None,
        "design_form": DesignForm(instance=design),
        "design": design,
        "candidates": _candidates(program, request.GET.get("lawyer", "")),
        "lawyer_query": request.GET.get("lawyer", ""),
    }
    return render(request, "certificates/manage/list.html", context)


def _candidates(program, query: str):
    query = query.strip()
    if not query:
        return []
    lawyers = Participant.objects.filter(
        admissions__program=program, admissions__state=AdmissionState.ADMITTED
    ).exclude(certificates__program=program)
    return lawyers.filter(Q(name_zh__icontains=query) | Q(name_latin__icontains=query)).select_related("province")[:10]


def _job_context(job: IssueJob) -> dict:
    done, total = services.job_progress(job)
    last = (
        Certificate.objects.filter(program_id=job.program_id)
        .order_by("-issued_at")
        .values_list("issued_at", flat=True)
        .first()
    )
    stalled = timezone.now() - max(last or job.created_at, job.created_at) > timedelta(minutes=2)
    return {
        "job": job,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 100,
        "stalled": stalled,
    }


@administrator_required
def job_status(request, pk):
    """The progress bar alone, for htmx to poll until the job is done."""
    job = get_object_or_404(IssueJob, pk=pk)
    context = _job_context(job)
    response = render(request, "certificates/manage/_job.html", {"job": context, "program": job.program})
    if job.finished_at:  # done: show the page again, with its counts and the list up to date
        response["HX-Refresh"] = "true"
    return response


@administrator_required
@require_POST
def issue_all(request, slug):
    program = get_object_or_404(Program, slug=slug)
    job = services.issue_all(program=program, by=request.user)
    if job.total:
        messages.success(request, _("%(count)s certificates are being made.") % {"count": job.total})
    else:
        messages.info(request, _("Every lawyer who completed already has a certificate."))
    return redirect("certificates:manage", program.slug)


@administrator_required
@require_POST
def issue_one(request, slug):
    program = get_object_or_404(Program, slug=slug)
    participant = get_object_or_404(Participant, pk=pk_from(request.POST.get("participant")))
    try:
        certificate = services.issue_certificate(
            participant=participant, program=program, by=request.user, override_reason=request.POST.get("reason", "")
        )
    except services.CertificateRefused as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(request, _("Certificate %(serial)s is issued.") % {"serial": certificate.serial})
    return redirect("certificates:manage", program.slug)


@administrator_required
@require_POST
def revoke(request, pk):
    certificate = get_object_or_404(Certificate.objects.select_related("program"), pk=pk)
    reason = request.POST.get("reason") or (request.htmx.prompt if request.htmx else "") or ""
    try:
        services.certificate_revoke(certificate=certificate, by=request.user, reason=reason)
    except services.CertificateRefused as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(request, _("Certificate %(serial)s is revoked.") % {"serial": certificate.serial})
    if request.htmx:  # asked from the list with a prompt for the reason: show the list again
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return redirect("certificates:manage", certificate.program.slug)


@administrator_required
@require_POST
def rerender(request, pk):
    certificate = get_object_or_404(Certificate.objects.select_related("program"), pk=pk)
    services.certificate_rerender(certificate=certificate)
    messages.success(request, _("Certificate %(serial)s is made again.") % {"serial": certificate.serial})
    return redirect("certificates:manage", certificate.program.slug)


@administrator_required
@require_POST
def amend(request, pk):
    """The certificate takes the name an administrator corrected in the lawyer's profile, with a reason."""
    certificate = get_object_or_404(Certificate.objects.select_related("program"), pk=pk)
    try:
        services.certificate_amend(certificate=certificate, by=request.user, reason=request.POST.get("reason", ""))
    except services.CertificateRefused as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(
            request, _("Certificate %(serial)s now shows the corrected name.") % {"serial": certificate.serial}
        )
    return redirect(
        f"{reverse('certificates:manage', args=[certificate.program.slug])}?{urlencode({'q': certificate.serial})}"
    )


@administrator_required
@require_POST
def design(request, slug):
    program = get_object_or_404(Program, slug=slug)
    instance = CertificateDesign.objects.filter(program=program).first() or CertificateDesign(program=program)
    form = DesignForm(request.POST, request.FILES, instance=instance)
    if form.is_valid():
        form.save()
        messages.success(request, _("The seal is saved; certificates made from now on carry it."))
    else:
        messages.error(request, " ".join(form.errors.get("seal", [_("The file is not an image.")])))
    return redirect("certificates:manage", program.slug)


@administrator_required
def download_all(request, slug):
    """Every valid certificate of the program in one ZIP, built in a temporary file, not in memory."""
    program = get_object_or_404(Program, slug=slug)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in Certificate.objects.filter(program=program).valid():
            with certificate.pdf.open("rb") as pdf:
                archive.writestr(services.archive_name(certificate), pdf.read())
    spool.seek(0)
    response = FileResponse(spool, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, f"certificates-{program.slug}.zip")
    return response


@administrator_required
@require_POST
def job_requeue(request, pk):
    """Queue again the lawyers of an unfinished job that still have no certificate (tasks lost or failed)."""
    job = get_object_or_404(IssueJob.objects.select_related("program"), pk=pk)
    count = services.requeue_unfinished(job)
    messages.success(request, _("%(count)s certificates are queued again.") % {"count": count})
    return redirect("certificates:manage", job.program.slug)
