from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Assessment")

    def navigation(self):
        from accounts.roles import Role
        from common.navigation import NavItem

        return (NavItem(_("Grading"), "assessment:grading", "check2-square", frozenset({Role.FACULTY}), order=35),)

    def my_program_panels(self, request, **facts):
        from .panels import my_program_panels

        return my_program_panels(request, **facts)

    def session_panels(self, request, session):
        from .panels import session_panels

        return session_panels(request, session)
