from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        from . import panels

        panels.connect()

    def my_program_panels(self, request, **facts):
        from .panels import my_program_panels

        return my_program_panels(request)
