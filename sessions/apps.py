from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingSessionsConfig(AppConfig):
    # The label "sessions" belongs to django.contrib.sessions.
    name = "sessions"
    label = "training_sessions"
    verbose_name = _("Programs and sessions")

    def navigation(self):
        from accounts.roles import Role
        from common.navigation import NavItem

        everyone, office = frozenset(Role.values), frozenset({Role.ADMINISTRATOR})
        return (
            NavItem(_("Timetable"), "sessions:program_list", "calendar3-week", everyone, order=40),
            NavItem(_("Faculty"), "sessions:faculty_directory", "person-video3", everyone, order=50),
            NavItem(_("Programs and sessions"), "sessions_manage:program_list", "kanban", office, "manage", 10),
            NavItem(_("Venues"), "sessions_manage:venue_list", "geo-alt", office, "manage", 20),
            NavItem(_("Faculty profiles"), "sessions_manage:faculty_list", "person-gear", office, "manage", 30),
        )

    def ready(self):
        from . import signals

        signals.connect()

    def home_panels(self, request):
        from .panels import home_panels

        return home_panels(request)
