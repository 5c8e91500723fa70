"""Demo accounts for `seed_demo` (DEBUG only): one person of each role, password demo-pass-2025."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.roles import Role
from accounts.services import user_add_role
from notifications.models import Channel
from notifications.services import notify

DEMO_PASSWORD = "demo-pass-2025"  # noqa: S105 - published demo login, DEBUG only
DEMO_USERS = [
    # email, name, role
    ("admin@demo.test", "王静", Role.ADMINISTRATOR),
    ("faculty@demo.test", "陈嘉明", Role.FACULTY),
    ("lawyer@demo.test", "李晓东", Role.PARTICIPANT),
    ("province@demo.test", "黄志明", Role.COORDINATOR),  # Guangdong's coordinator
]


def seed_users() -> dict[str, object]:
    """The demo users by e-mail; created once, never changed afterwards."""
    User = get_user_model()
    users = {}
    for email, name, role in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, is_staff=role == Role.ADMINISTRATOR)
        if role not in user.roles:
            user_add_role(user=user, role=role)
        notify(user, "welcome", dedup_key=f"welcome:{user.pk}", channel=Channel.IN_APP, link=reverse("home"))
        users[email] = user
    return users
