"""The demo program's data (DESIGN.md): each issue extends it; running it twice changes nothing."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from accounts.roles import Role
from accounts.services import user_add_role
from notifications.models import Channel
from notifications.services import notify

DEMO_PASSWORD = "demo-pass-2025"  # noqa: S105 - published demo login, DEBUG only
DEMO_USERS = [
    # email, name, role, language
    ("admin@demo.test", "王静", Role.ADMINISTRATOR, "zh-hans"),
    ("faculty@demo.test", "陈嘉明", Role.FACULTY, "zh-hans"),
    ("lawyer@demo.test", "李晓东", Role.PARTICIPANT, "zh-hans"),
]


class Command(BaseCommand):
    help = "Create the demo program's data: users of each role (password demo-pass-2025). Idempotent."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo writes well-known passwords and refuses to run with DEBUG off.")
        with transaction.atomic():
            created = self._users()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new users)."))
        for email, _name, role, _language in DEMO_USERS:
            self.stdout.write(f"  {Role(role).value:<14} {email:<20} {DEMO_PASSWORD}")

    def _users(self) -> int:
        User = get_user_model()
        created = 0
        for email, name, role, language in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email, DEMO_PASSWORD, full_name=name, language=language, is_staff=role == Role.ADMINISTRATOR
                )
                created += 1
            if role not in user.roles:
                user_add_role(user=user, role=role)
            notify(
                user,
                "welcome",
                dedup_key=f"welcome:{user.pk}",
                channel=Channel.IN_APP,
                link=reverse("home"),
            )
        return created
