"""The four roles as groups, and the permissions each role carries.

Later apps add their permissions here; `migrate` brings the groups in line (post_migrate).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    FACULTY = "faculty", _("Faculty")
    PARTICIPANT = "participant", _("Lawyer")
    COORDINATOR = "coordinator", _("Provincial coordinator")


# "app_label.codename" for each role. Administrators get every permission of the listed apps.
ADMINISTRATOR_APPS = (
    "accounts",
    "notifications",
    "training_sessions",
    "participants",
    "faculty",
    "nominations",
    "certificates",
)
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.FACULTY: (),
    Role.PARTICIPANT: (),
    Role.COORDINATOR: (),
}


def sync_role_groups(sender=None, using="default", **kwargs):
    from django.contrib.auth.models import Group, Permission

    for role in Role:
        group, _created = Group.objects.using(using).get_or_create(name=role.value)
        if role == Role.ADMINISTRATOR:
            permissions = Permission.objects.using(using).filter(content_type__app_label__in=ADMINISTRATOR_APPS)
        else:
            wanted = ROLE_PERMISSIONS[role]
            permissions = Permission.objects.using(using).none()
            for label in wanted:
                app_label, codename = label.split(".")
                permissions |= Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename=codename
                )
        group.permissions.set(permissions)
