from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def my_program_panels(self, request, **facts):
        from common.panels import Panel

        from .models import Certificate

        certificates = list(Certificate.objects.filter(participant__user=request.user).order_by("-issued_at"))
        if not certificates:
            return []
        return [Panel("certificates/panels/mine.html", {"certificates": certificates}, column="main", order=10)]
