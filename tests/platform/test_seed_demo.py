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


@pytest.mark.django_db
def test_seed_demo_keeps_the_rules_at_any_size(settings, monkeypatch):
    """The rows are written in bulk (COPY on PostgreSQL), past the services: they still obey the rules."""
    from django.db.models import Count, F, Q
    from django.utils import timezone

    from certificates import demo as certificates_demo
    from certificates.models import Certificate
    from participants.attendance import COMPLETED, Completion
    from participants.models import Attendance, AttendanceChange, Enrolment

    settings.DEBUG = True
    monkeypatch.setattr(certificates_demo, "SAMPLE", 20)  # the cap the 10,000-lawyer benchmark reaches
    call_command("seed_demo", "--sessions", "120", "--participants", "400", stdout=io.StringIO())
    program = Program.objects.get(slug="fipr-2025")
    lawyers = program.admissions.count()
    assert lawyers == 400

    sessions = program.sessions.annotate(seats=Count("enrolments", filter=Q(enrolments__state="confirmed")))
    assert all(s.seats == lawyers for s in sessions if s.is_required)
    assert not [s for s in sessions if not s.is_required and s.seats > s.capacity]
    assert Enrolment.objects.filter(state="waitlisted", session__is_required=True).count() == 0

    records = Attendance.objects.filter(session__program=program)
    held_seats = set(
        Enrolment.objects.filter(state="confirmed", session__ends_at__lt=timezone.now()).values_list(
            "participant_id", "session_id"
        )
    )
    assert set(records.values_list("participant_id", "session_id")) == held_seats  # and only for held seats
    changes = AttendanceChange.objects.filter(attendance__in=records)
    assert changes.count() == records.count()
    assert not changes.exclude(status=F("attendance__status"), recorded_at=F("attendance__recorded_at")).exists()

    holders = list(Certificate.objects.filter(program=program).values_list("participant_id", flat=True))
    assert len(holders) == 21  # the first 20, and the demo lawyer, whose "My program" shows it
    assert Certificate.objects.filter(program=program, participant__user__email="lawyer@demo.test").exists()
    outcomes = {p.pk: p.outcome for p in Completion(program).lawyers()}
    assert {outcomes[pk] for pk in holders} == {COMPLETED}
    assert list(Certificate.objects.filter(program=program).values_list("number", flat=True)) == list(range(1, 22))
