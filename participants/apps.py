from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Lawyers")

    def navigation(self):
        from accounts.roles import Role
        from common.navigation import NavItem

        return (
            NavItem(
                _("My program"), "participants:my_program", "journal-check", frozenset({Role.PARTICIPANT}), order=20
            ),
            NavItem(
                _("Specialties in use"),
                "participants:specialties",
                "tags",
                frozenset({Role.ADMINISTRATOR}),
                "manage",
                50,
            ),
        )

    def ready(self):
        from . import receivers

        receivers.connect(self)

    def session_panels(self, request, session):
        from .panels import session_panels

        return session_panels(request, session)

    def home_panels(self, request):
        from .panels import home_panels

        return home_panels(request)
