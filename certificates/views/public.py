"""Public verification of a certificate, and its download by its holder or an administrator."""

import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from common.client_ip import client_ip
from common.throttle import over_limit

from .. import services
from ..models import Certificate

CODE = re.compile(r"^[0-9a-f]{40}$")


def _throttled(request) -> bool:
    """At most CERTIFICATE_VERIFICATIONS_PER_MINUTE look-ups a minute from one address."""
    return over_limit(f"certificate-verify:{client_ip(request)}", settings.CERTIFICATE_VERIFICATIONS_PER_MINUTE)


@never_cache
def verify(request, code):
    """valid, revoked (with the date) or unknown; the holder's name, the program and the serial only, as
    the certificate was issued (and the date of a later correction of the name, if any)."""
    if _throttled(request):
        return render(request, "certificates/verify.html", {"throttled": True}, status=429)
    code = code.strip().lower()
    certificate = Certificate.objects.filter(code=code).first() if CODE.match(code) else None
    context = {
        "certificate": certificate,
        "code": code[:60],
        "corrected": certificate.amendments.values_list("amended_at", flat=True).first() if certificate else None,
    }
    return render(request, "certificates/verify.html", context, status=200 if certificate else 404)


def verify_form(request):
    """The code typed, or the whole link pasted from the QR code."""
    typed = "".join(request.GET.get("code", "").split()).lower()
    if typed:
        found = re.search(r"[0-9a-f]{40}", typed)
        return redirect("certificates:verify", code=found.group(0) if found else "unknown")
    return render(request, "certificates/verify.html", {"form_only": True})


@login_required
def download(request, pk):
    certificate = get_object_or_404(Certificate.objects.select_related("participant"), pk=pk)
    if not (request.user.is_administrator or certificate.participant.user_id == request.user.pk):
        raise Http404
    response = FileResponse(certificate.pdf.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, services.file_name(certificate))
    return response
