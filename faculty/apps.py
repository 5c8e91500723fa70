from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacultyConfig(AppConfig):
    name = "faculty"
    verbose_name = _("Faculty")

    def ready(self):
        from . import panels

        panels.connect()

    def navigation(self):
        from accounts.roles import Role
        from common.navigation import NavItem

        return (NavItem(_("My teaching"), "faculty:portal", "easel", frozenset({Role.FACULTY}), order=30),)

    def session_panels(self, request, session):
        from .panels import session_panels

        return session_panels(request, session)

    def my_program_panels(self, request, *, seated, admitted):
        from .panels import my_program_panels

        return my_program_panels(request, seated=seated, admitted=admitted)
