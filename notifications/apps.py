from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ADMINISTRATORS = frozenset({"administrator"})


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def navigation(self):
        from common.navigation import NavItem

        # accounts.roles.Role.ADMINISTRATOR: notifications sits below accounts and may not import it
        # (tests/platform/test_layers.py pins the literal).
        return (NavItem(_("E-mail outbox"), "notifications:outbox", "envelope-paper", ADMINISTRATORS, "manage", 60),)
