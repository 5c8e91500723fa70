"""Stored progress equals a fresh computation: over random attendance histories (property test), after every kind
of change a service, a form or the admin makes, and rebuilt by its command."""

import math
import os
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from participants import importing, services
from participants.models import (
    ATTENDED,
    Admission,
    AdmissionState,
    Attendance,
    AttendanceMethod,
    Enrolment,
    EnrolmentState,
    Progress,
)
from sessions import services as schedule
from sessions.models import SessionStatus
from tests.factories import AdmissionFactory, ProgramFactory, SessionFactory

from .support import HEADER_ZH, csv_bytes

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "0")) or 25
HISTORIES = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def fresh(program, at):
    """What the rule says of each admitted lawyer at `at`, computed from the rows themselves, the plain way:
    {lawyer id: (outcome, required sessions attended, credit hours)}."""
    program.refresh_from_db()
    sessions = {s.pk: s for s in program.sessions.filter(status=SessionStatus.SCHEDULED)}
    required = [s for s in sessions.values() if s.is_required]
    needed = math.ceil(program.required_attendance_share * len(required))
    required_upcoming = sum(s.ends_at > at for s in required)
    figures = {}
    for admission in Admission.objects.filter(program=program, state=AdmissionState.ADMITTED):
        lawyer = admission.participant_id
        attended = [
            sessions[a.session_id]
            for a in Attendance.objects.filter(participant_id=lawyer, status__in=ATTENDED)
            if a.session_id in sessions
        ]
        seated = [
            sessions[e.session_id]
            for e in Enrolment.objects.filter(participant_id=lawyer, state=EnrolmentState.CONFIRMED)
            if e.session_id in sessions
        ]
        attended_required = sum(s.is_required for s in attended)
        hours = sum((s.credit_hours for s in attended), Decimal(0))
        upcoming_hours = sum((s.credit_hours for s in seated if s.ends_at > at), Decimal(0))
        if attended_required >= needed and hours >= program.min_credit_hours:
            outcome = services.COMPLETED
        elif attended_required < needed - required_upcoming or hours + upcoming_hours < program.min_credit_hours:
            outcome = services.AT_RISK
        else:
            outcome = services.ON_TRACK
        figures[lawyer] = (outcome, attended_required, hours)
    return figures


def stored(program, at):
    completion = services.Completion(program, at)
    return {p.pk: (p.outcome, p.attended_required, p.hours) for p in completion.lawyers()}


def instants(program):
    """Every moment the outcome may turn: just before and at each session's end, and long before and after."""
    ends = list(program.sessions.values_list("ends_at", flat=True))
    moments = [e + delta for e in ends for delta in (timedelta(seconds=-1), timedelta(0))]
    return [min(ends) - timedelta(days=30), *moments, max(ends) + timedelta(days=30)]


def assert_exact(program):
    for at in instants(program):
        assert stored(program, at) == fresh(program, at), at


# --- random histories ---------------------------------------------------------------------------------------
session_plans = st.tuples(
    st.booleans(),  # required
    st.sampled_from([Decimal("0.5"), Decimal("1.0"), Decimal("2.0"), Decimal("3.5")]),
    st.integers(-12, 12),  # ends, in hours from now (several may end together)
    st.booleans(),  # cancelled
)
seat_plans = st.sampled_from([None, "confirmed", "waitlisted", "cancelled"])
mark_plans = st.sampled_from([None, "present", "late", "absent", "excused"])


@st.composite
def histories(draw):
    sessions = draw(st.lists(session_plans, min_size=1, max_size=6))
    lawyers = draw(
        st.lists(
            st.lists(st.tuples(seat_plans, mark_plans), min_size=len(sessions), max_size=len(sessions)),
            min_size=1,
            max_size=5,
        )
    )
    rule = (
        draw(st.sampled_from([Decimal("0"), Decimal("0.5"), Decimal("0.8"), Decimal("1")])),
        draw(st.sampled_from([Decimal("0"), Decimal("1.0"), Decimal("2.5"), Decimal("6.0")])),
    )
    changes = draw(st.lists(st.tuples(st.sampled_from(CHANGES), st.integers(0, 99)), max_size=4))
    return sessions, lawyers, rule, changes


def _write_history(sessions, lawyers, rule, administrator):
    """The rows as they might stand after any history, written around the services; then rebuilt."""
    share, minimum = rule
    program = ProgramFactory(required_attendance_share=share, min_credit_hours=minimum)
    now = timezone.now().replace(microsecond=0)
    made = []
    for required, hours, ends_in, cancelled in sessions:
        ends_at = now + timedelta(hours=ends_in)
        made.append(
            SessionFactory(
                program=program,
                is_required=required,
                credit_hours=hours,
                starts_at=ends_at - timedelta(hours=1),
                ends_at=ends_at,
                status=SessionStatus.CANCELLED if cancelled else SessionStatus.SCHEDULED,
            )
        )
    for plan in lawyers:
        lawyer = AdmissionFactory(program=program).participant
        for session, (seat, mark) in zip(made, plan, strict=True):
            if seat:
                Enrolment.objects.create(participant=lawyer, session=session, state=seat, created_by=administrator)
            if mark:
                Attendance.objects.create(
                    participant=lawyer, session=session, status=mark, method="roster", recorded_by=administrator
                )
    services.progress.rebuild(program)
    return program, made


def _toggle_required(program, sessions, n):
    session = sessions[n % len(sessions)]
    session.is_required = not session.is_required
    session.save()


def _cancel_or_restore(program, sessions, n):
    session = sessions[n % len(sessions)]
    cancelled = session.status == SessionStatus.CANCELLED
    session.status = SessionStatus.SCHEDULED if cancelled else SessionStatus.CANCELLED
    session.save()


def _other_hours(program, sessions, n):
    session = sessions[n % len(sessions)]
    session.credit_hours = Decimal(n % 7 + 1) / 2
    session.save()


def _other_end(program, sessions, n):
    session = sessions[n % len(sessions)]
    session.ends_at += timedelta(hours=n % 5 - 2)
    session.starts_at = session.ends_at - timedelta(hours=1)
    session.save()


def _other_minimum(program, sessions, n):
    program.min_credit_hours = Decimal(n % 9)
    program.save()


def _other_share(program, sessions, n):
    program.required_attendance_share = Decimal(n % 5) / 4
    program.save()


CHANGES = [_toggle_required, _cancel_or_restore, _other_hours, _other_end, _other_minimum, _other_share]


@pytest.mark.django_db
@HISTORIES
@given(history=histories())
def test_stored_progress_equals_a_fresh_computation_over_random_histories(history, administrator):
    sessions, lawyers, rule, changes = history
    with transaction.atomic():
        program, made = _write_history(sessions, lawyers, rule, administrator)
        assert_exact(program)
        for change, n in changes:  # sessions and the rule changed as a form or the admin saves them
            change(program, made, n)
            assert_exact(program)
        # One lawyer refreshed alone gets what the whole program's rebuild gives them.
        before = {p.admission_id: p for p in Progress.objects.filter(program=program)}
        Progress.objects.filter(program=program).update(attended_required=99, credit_hours=99)
        for admission in Admission.objects.filter(program=program):
            services.progress.refresh(program, [admission.participant_id])
        after = {p.admission_id: p for p in Progress.objects.filter(program=program)}
        key = lambda p: (p.attended_required, p.credit_hours, p.short_of_hours_from)  # noqa: E731
        assert {k: key(v) for k, v in after.items()} == {k: key(v) for k, v in before.items()}
        transaction.set_rollback(True)


# --- every kind of change, through the services ---------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.clock_edges
def test_every_service_that_changes_a_lawyers_figures_keeps_them_exact(administrator):
    program = ProgramFactory(
        required_attendance_share=Decimal("0.5"),
        min_credit_hours=Decimal("5"),
        enrolment_closes_at=timezone.now() + timedelta(days=30),
    )
    now = timezone.now()
    held = [
        SessionFactory(program=program, is_required=True, starts_at=now - timedelta(days=d), capacity=5) for d in (3, 2)
    ]
    running = SessionFactory(program=program, starts_at=now - timedelta(minutes=10), capacity=5)
    ahead = [SessionFactory(program=program, starts_at=now + timedelta(days=d), capacity=1) for d in (2, 3)]
    required_ahead = SessionFactory(program=program, is_required=True, starts_at=now + timedelta(days=4))
    a, b, c = (AdmissionFactory(program=program, state=AdmissionState.APPLIED).participant for _ in range(3))
    steps = [
        ("admitted", lambda: [services.admit(participant=p, program=program, by=administrator) for p in (a, b, c)]),
        ("enrolled", lambda: services.enrol(participant=a, session=ahead[0])),
        ("waitlisted", lambda: services.enrol(participant=b, session=ahead[0])),
        ("given up, next promoted", lambda: services.enrolment_cancel(enrolment=_seat(a, ahead[0]), by=a.user)),
        ("moved", lambda: services.enrolment_move(enrolment=_seat(b, ahead[0]), to=ahead[1], by=administrator)),
        ("recorded present", lambda: _record(a, held[0], "present", administrator)),
        ("recorded late", lambda: _record(b, held[0], "late", administrator)),
        ("corrected to absent", lambda: _record(b, held[0], "absent", administrator)),
        ("excused", lambda: _record(c, held[1], "excused", administrator, note="病假")),
        ("seated elsewhere for the check-in", lambda: services.enrol(participant=c, session=running, by=administrator)),
        ("checked in", lambda: services.check_in(participant=c, session=running, method=AttendanceMethod.QR)),
        ("all present", lambda: services.mark_all_present(session=held[1], by=administrator)),
        ("made required", lambda: _edit(ahead[1], administrator, is_required=True)),
        ("other credit hours", lambda: _edit(held[0], administrator, credit_hours=Decimal("4.5"))),
        ("other time", lambda: _edit(ahead[1], administrator, starts_at=now + timedelta(days=5))),
        ("cancelled", lambda: schedule.session_cancel(session=held[1], reason="台风", by=administrator)),
        ("restored", lambda: schedule.session_restore(session=held[1], by=administrator)),
        ("cancelled ahead", lambda: schedule.session_cancel(session=required_ahead, reason="台风", by=administrator)),
        ("another minimum", lambda: _rule(program, min_credit_hours=Decimal("3"))),
        ("withdrawn", lambda: _withdraw(b, program, administrator)),
        ("imported", lambda: _import(program, administrator, also=c)),
    ]
    for name, step in steps:
        step()
        for at in (timezone.now(), *instants(program)):
            assert stored(program, at) == fresh(program, at), (name, at)
    assert len(stored(program, timezone.now())) == 4  # a, c (listed again) and the two new lawyers; b withdrawn


def _seat(participant, session):
    return Enrolment.objects.active().get(participant=participant, session=session)


def _record(participant, session, status, by, note=""):
    services.attendance_record(
        participant=participant, session=session, status=status, by=by, method=AttendanceMethod.ROSTER, note=note
    )


def _edit(session, by, **fields):
    session.refresh_from_db()
    for name, value in fields.items():
        setattr(session, name, value)
    if "starts_at" in fields:
        session.ends_at = session.starts_at + timedelta(hours=2)
    schedule.session_save(session=session, faculty=[], by=by, acknowledge_warnings=True)


def _rule(program, **fields):
    program.refresh_from_db()
    for name, value in fields.items():
        setattr(program, name, value)
    program.save()


def _withdraw(participant, program, by):
    admission = Admission.objects.get(participant=participant, program=program)
    services.admission_decide(admission=admission, state=AdmissionState.WITHDRAWN, reason="调离", by=by)


def _import(program, by, also):
    """Two new lawyers (their figures, alike, computed once) and `also`, on record with their own history."""
    lines = [
        "周敏,Zhou Min,女,14401201899900001,广东某所,广东省,深圳,13800138001,zhoumin@example.cn,6,专利,英语",
        "陈亮,Chen Liang,男,14401201899900002,广东某所,广东省,广州,13800138002,chenliang@example.cn,3,专利,",
        f"{also.name_zh},,,{also.license_number},{also.law_firm},{also.province.name_zh},,,{also.user.email},,,",
    ]
    report = importing.parse(csv_bytes([HEADER_ZH, *lines]), "list.csv", program)
    assert report.all_valid, [r.errors for r in report.rows]
    with transaction.atomic():
        importing.lock_for_import(program)
        importing.write_rows(report=report, program=program, by=by, source="list.csv", only_valid=False)


# --- the command ---------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_command_rebuilds_figures_written_around_the_services(administrator):
    program = ProgramFactory(min_credit_hours=Decimal("1"))
    session = SessionFactory(program=program, is_required=True, starts_at=timezone.now() - timedelta(days=1))
    lawyer = AdmissionFactory(program=program).participant
    Enrolment.objects.create(participant=lawyer, session=session, state="confirmed", created_by=administrator)
    Attendance.objects.create(
        participant=lawyer, session=session, status="present", method="roster", recorded_by=administrator
    )
    assert stored(program, timezone.now())[lawyer.pk] == (services.AT_RISK, 0, Decimal(0))  # not told of the rows

    out = StringIO()
    call_command("rebuild_progress", "--program", program.slug, stdout=out)
    assert stored(program, timezone.now())[lawyer.pk] == (services.COMPLETED, 1, Decimal("2.0"))
    assert out.getvalue().startswith(f"{program.slug}: 1 lawyers in ")


@pytest.mark.django_db
def test_the_command_names_a_program_it_does_not_know():
    with pytest.raises(Exception, match="no-such-program"):
        call_command("rebuild_progress", "--program", "no-such-program")
