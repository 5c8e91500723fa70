"""Attendance: recording, QR and typed check-in codes, completion figures (services, on PostgreSQL)."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone, translation

from notifications.models import Notification
from participants import services
from participants.models import Attendance, AttendanceChange, Enrolment, EnrolmentState
from tests.factories import AdmissionFactory, ProgramFactory, SessionFactory
from tests.support import words


@pytest.fixture(autouse=True)
def _english():
    """The refusals are matched by their English wording."""
    with translation.override("en"):
        yield


@pytest.fixture
def program():
    return ProgramFactory()


def _session(program, starts_in=timedelta(minutes=5), **fields):
    start = timezone.now() + starts_in
    return SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=2), **fields)


def _seated(session, state=EnrolmentState.CONFIRMED):
    participant = AdmissionFactory(program=session.program).participant
    Enrolment.objects.create(participant=participant, session=session, state=state, created_by=participant.user)
    return participant


# --- tokens and codes ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_token_lives_for_its_period_and_the_next_only(program):
    session = _session(program)
    now = timezone.now()
    token = services.checkin_token(session, now)
    services.verify_token(session, token, now + timedelta(seconds=services.CHECKIN_PERIOD))
    with pytest.raises(services.AttendanceRefused, match="expired"):
        services.verify_token(session, token, now + timedelta(seconds=2 * services.CHECKIN_PERIOD))


@pytest.mark.django_db
def test_a_token_of_another_session_or_a_forged_one_is_refused(program):
    session, other = _session(program), _session(program)
    with pytest.raises(services.AttendanceRefused, match="another session"):
        services.verify_token(session, services.checkin_token(other))
    token = services.checkin_token(session)
    for forged in (token[:-2] + "xx", f"{session.pk}.99999999.abc", "", "../../etc"):
        with pytest.raises(services.AttendanceRefused, match="not valid"):
            services.verify_token(session, forged)


@pytest.mark.django_db
def test_the_typed_code_finds_its_session_while_it_is_shown(program):
    session, other = _session(program), _session(program)
    lawyer = _seated(session)
    code = services.checkin_code(session)
    assert services.session_for_code(f" {code[:3]} {code[3:]} ", lawyer) == session
    later = timezone.now() + timedelta(seconds=3 * services.CHECKIN_PERIOD)
    with pytest.raises(services.AttendanceRefused) as refused:
        services.session_for_code(code, lawyer, later)
    assert "code" in refused.value.message_dict
    with pytest.raises(services.AttendanceRefused):  # only sessions the lawyer holds a seat in
        services.session_for_code(services.checkin_code(other), lawyer)
    for bad in ("12345", "abcdef", "１２３４５６", "1234567"):
        with pytest.raises(services.AttendanceRefused, match="six digits"):
            services.session_for_code(bad, lawyer)


# --- check-in -----------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.clock_edges
def test_check_in_is_present_then_late_and_scanning_twice_is_harmless(program):
    session = _session(program, starts_in=timedelta(minutes=-5))  # started five minutes ago
    early, tardy = _seated(session), _seated(session)
    first = services.check_in(participant=early, session=session, method="qr")
    assert first.status == "present"
    again = services.check_in(participant=early, session=session, method="qr")
    assert again.pk == first.pk and again.status == "present"
    assert AttendanceChange.objects.filter(attendance=first).count() == 1
    late = services.check_in(
        participant=tardy, session=session, method="code", scanned_at=session.starts_at + timedelta(minutes=11)
    )
    assert late.status == "late"


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_check_in_outside_the_window_or_without_a_seat_is_refused(program):
    session = _session(program, starts_in=timedelta(hours=3))
    seated = _seated(session)
    with pytest.raises(services.AttendanceRefused, match="opens at"):
        services.check_in(participant=seated, session=session, method="qr")
    session.starts_at = timezone.now() - timedelta(minutes=61)
    session.save()
    with pytest.raises(services.AttendanceRefused, match="closed at"):
        services.check_in(participant=seated, session=session, method="qr")
    started = _session(program, starts_in=timedelta(minutes=-1))
    waiting = _seated(started, state=EnrolmentState.WAITLISTED)
    with pytest.raises(services.AttendanceRefused, match="do not hold a seat"):
        services.check_in(participant=waiting, session=started, method="qr")
    assert not Attendance.objects.exists()


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_a_lawyer_marked_absent_who_then_checks_in_is_present(program, administrator):
    session = _session(program, starts_in=timedelta(minutes=-2))
    lawyer = _seated(session)
    services.attendance_record(participant=lawyer, session=session, status="absent", by=administrator, method="roster")
    record = services.check_in(participant=lawyer, session=session, method="qr")
    assert record.status == "present"
    assert list(record.changes.values_list("status", flat=True)) == ["absent", "present"]


# --- recording ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_excused_needs_a_reason_and_cancelled_sessions_take_no_attendance(program, administrator):
    session = _session(program, starts_in=timedelta(minutes=-2))
    lawyer = _seated(session)
    with pytest.raises(services.AttendanceRefused) as refused:
        services.attendance_record(
            participant=lawyer, session=session, status="excused", note="  ", by=administrator, method="roster"
        )
    assert "note" in refused.value.message_dict
    with pytest.raises(services.AttendanceRefused) as refused:
        services.attendance_record(
            participant=lawyer, session=session, status="asleep", by=administrator, method="roster"
        )
    assert "status" in refused.value.message_dict
    session.status = "cancelled"
    session.save()
    with pytest.raises(services.AttendanceRefused, match="cancelled"):
        services.attendance_record(
            participant=lawyer, session=session, status="present", by=administrator, method="roster"
        )
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_a_lawyer_without_a_seat_cannot_be_marked(program, administrator):
    session = _session(program, starts_in=timedelta(minutes=-2))
    stranger = AdmissionFactory(program=program).participant
    with pytest.raises(services.AttendanceRefused, match="does not hold a seat"):
        services.attendance_record(
            participant=stranger, session=session, status="present", by=administrator, method="roster"
        )


@pytest.mark.django_db
def test_mark_all_present_leaves_those_already_marked(program, administrator):
    session = _session(program, starts_in=timedelta(minutes=-2))
    absent, *others = (_seated(session) for _ in range(4))
    services.attendance_record(participant=absent, session=session, status="absent", by=administrator, method="roster")
    assert services.mark_all_present(session=session, by=administrator) == 3
    statuses = dict(Attendance.objects.values_list("participant", "status"))
    assert statuses[absent.pk] == "absent" and [statuses[p.pk] for p in others] == ["present"] * 3


@pytest.mark.django_db(transaction=True)
def test_two_people_marking_one_lawyer_at_once_leave_one_record_and_both_changes(administrator, faculty_member):
    program = ProgramFactory()
    session = _session(program, starts_in=timedelta(minutes=-2))
    lawyer = _seated(session)
    barrier, errors = threading.Barrier(2), []

    def mark(user, status):
        try:
            barrier.wait()
            services.attendance_record(participant=lawyer, session=session, status=status, by=user, method="roster")
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=mark, args=(administrator, "present")),
        threading.Thread(target=mark, args=(faculty_member, "late")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    record = Attendance.objects.get()
    changes = list(record.changes.order_by("pk").values_list("status", flat=True))
    assert sorted(changes) == ["late", "present"] and record.status == changes[-1]


# --- completion ---------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.clock_edges
def test_completion_outcomes(administrator):
    program = ProgramFactory(required_attendance_share=Decimal("0.75"), min_credit_hours=Decimal("4"))
    past = [_session(program, starts_in=timedelta(days=-d), is_required=True) for d in (4, 3, 2)]
    upcoming = _session(program, starts_in=timedelta(days=2), is_required=True)
    done, hopeful, lost = (AdmissionFactory(program=program).participant for _ in range(3))
    for session in [*past, upcoming]:
        for lawyer in (done, hopeful, lost):
            Enrolment.objects.create(participant=lawyer, session=session, state="confirmed", created_by=administrator)
    for lawyer, attended in ((done, 3), (hopeful, 2), (lost, 1)):
        for session in past[:attended]:
            Attendance.objects.create(
                participant=lawyer, session=session, status="present", method="roster", recorded_by=administrator
            )
    services.progress.rebuild(program)  # the rows above were written around the services
    completion = services.Completion(program)
    assert (completion.required_total, completion.required_needed, completion.required_upcoming) == (4, 3, 1)
    outcomes = {p.pk: (p.outcome, p.attended_required, p.hours) for p in completion.lawyers()}
    assert outcomes[done.pk] == ("completed", 3, Decimal("6.0"))
    assert outcomes[hopeful.pk] == ("on_track", 2, Decimal("4.0"))  # the last session can still bring them there
    assert outcomes[lost.pk] == ("at_risk", 1, Decimal("2.0"))
    assert completion.summary(completion.of(done))["rate"] == 75

    assert services.notify_at_risk(program=program, by=administrator) == 1
    services.notify_at_risk(program=program, by=administrator)  # the same day: no second notice
    notices = Notification.objects.filter(kind="completion_at_risk")
    assert [n.recipient_id for n in notices] == [lost.user_id]
    assert "1" in words(notices[0]).body_text and program.name_zh in notices[0].body_text
