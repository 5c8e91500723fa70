from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NominationsConfig(AppConfig):
    name = "nominations"
    verbose_name = _("Provincial nominations")

    def navigation(self):
        from accounts.roles import Role
        from common.navigation import NavItem

        return (NavItem(_("My province"), "nominations:home", "geo-alt", frozenset({Role.COORDINATOR}), order=20),)

    def lawyer_panels(self, request, participant):
        from .panels import lawyer_panels

        return lawyer_panels(request, participant)
