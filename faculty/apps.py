from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacultyConfig(AppConfig):
    name = "faculty"
    verbose_name = _("Faculty")

    def session_panels(self, request, session):
        from .panels import session_panels

        return session_panels(request, session)

    def my_program_panels(self, request):
        from .panels import my_program_panels

        return my_program_panels(request)
