from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("Practice")

    def session_panels(self, request, session):
        from .panels import question_panels, session_panels

        return session_panels(request, session) + question_panels(request, session)

    def checkin_panels(self, request, session):
        from .panels import checkin_panels

        return checkin_panels(request, session)

    def submission_group(self, assignment, participant):
        from .services import report_group

        return report_group(assignment, participant)
