import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from notifications.models import Notification

User = get_user_model()


@pytest.mark.django_db
def test_seed_demo_creates_each_role_and_a_second_run_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    first = {u.email: (u.password, sorted(u.roles)) for u in User.objects.prefetch_related("groups")}
    notices = Notification.objects.count()

    call_command("seed_demo", stdout=io.StringIO())
    second = {u.email: (u.password, sorted(u.roles)) for u in User.objects.prefetch_related("groups")}

    assert first == second
    assert Notification.objects.count() == notices
    assert first["admin@demo.test"][1] == ["administrator"]
    assert first["faculty@demo.test"][1] == ["faculty"]
    assert first["lawyer@demo.test"][1] == ["participant"]
    assert User.objects.get(email="lawyer@demo.test").check_password("demo-pass-2025")
