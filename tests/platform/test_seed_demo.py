import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from notifications.models import Notification
from sessions.conflicts import program_clashes
from sessions.models import AffiliationKind, Faculty, Program, SessionFormat, TrainingSession

User = get_user_model()


@pytest.mark.django_db
def test_seed_demo_creates_each_role_and_a_second_run_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    first = {u.email: (u.password, sorted(u.roles)) for u in User.objects.prefetch_related("groups")}
    notices = Notification.objects.count()
    sessions = list(TrainingSession.objects.values_list("pk", "starts_at", "venue_id"))

    call_command("seed_demo", stdout=io.StringIO())
    second = {u.email: (u.password, sorted(u.roles)) for u in User.objects.prefetch_related("groups")}

    assert first == second
    assert Notification.objects.count() == notices
    assert list(TrainingSession.objects.values_list("pk", "starts_at", "venue_id")) == sessions
    assert first["admin@demo.test"][1] == ["administrator"]
    assert first["faculty@demo.test"][1] == ["faculty"]
    assert first["lawyer@demo.test"][1] == ["participant"]
    assert User.objects.get(email="lawyer@demo.test").check_password("demo-pass-2025")


@pytest.mark.django_db
def test_demo_program_is_the_shenzhen_program_of_the_design(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    program = Program.objects.get(slug="fipr-2025")
    assert program.topics.count() == 4
    sessions = program.sessions.all()
    assert len(sessions) == 40
    assert {s.format for s in sessions} == set(SessionFormat.values)
    assert min(s.starts_at for s in sessions).month == 6 and max(s.starts_at for s in sessions).month == 10
    assert Faculty.objects.count() == 30
    assert set(Faculty.objects.values_list("affiliation_kind", flat=True)) == set(AffiliationKind.values)
    assert program_clashes(program) == ([], [])
    demo_teacher = Faculty.objects.get(user__email="faculty@demo.test")
    assert demo_teacher.assignments.count() >= 3


@pytest.mark.django_db
def test_seed_demo_scales_for_benchmarks_without_clashes(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--sessions", "600", "--faculty", "120", stdout=io.StringIO())
    program = Program.objects.get(slug="fipr-2025")
    assert program.sessions.count() == 600
    assert Faculty.objects.count() == 120
    clashes, _warnings = program_clashes(program)
    assert clashes == []
