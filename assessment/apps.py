from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Assessment")

    def my_program_panels(self, request, **facts):
        from .panels import my_program_panels

        return my_program_panels(request, **facts)

    def session_panels(self, request, session):
        from .panels import session_panels

        return session_panels(request, session)
