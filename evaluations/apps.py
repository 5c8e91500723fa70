from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Evaluations")

    def session_panels(self, request, session):
        from .panels import session_panels

        return session_panels(request, session)

    def my_program_panels(self, request, *, seated, admitted):
        from .panels import my_program_panels

        return my_program_panels(request)

    def faculty_portal_panels(self, request, *, faculty):
        from .panels import faculty_portal_panels

        return faculty_portal_panels(request, faculty=faculty)
