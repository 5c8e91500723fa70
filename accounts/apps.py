from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def navigation(self):
        from common.navigation import NavItem

        from .roles import Role

        return (
            NavItem(_("Home"), "home", "house", frozenset(Role.values), order=10),
            NavItem(_("People"), "accounts:user_list", "people", frozenset({Role.ADMINISTRATOR}), "manage", 40),
        )

    def ready(self):
        from .roles import sync_role_groups

        # Every migrate brings the role groups and their permissions up to date with roles.py.
        post_migrate.connect(sync_role_groups, dispatch_uid="accounts.sync_role_groups")
