"""Seats, the waitlist and their notices; correct with many lawyers acting at once (PostgreSQL).

The tests that read the clock also run around midnight and at the turn of a month and a year (`clock_edges`,
tests/clock.py); the concurrency tests below do not: their sessions are days away, and what they prove is the
order of locks, which no date changes.
"""

import io
import itertools
import json
import random
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation

from notifications.models import Notification
from participants import services
from participants.models import (
    Admission,
    AdmissionState,
    Enrolment,
    EnrolmentState,
    Participant,
    Province,
    ProvinceQuota,
    QuotaChange,
)
from participants.services import profiles, quotas
from participants.services.quotas import quota_table
from sessions import services as session_services
from sessions.models import TrainingSession
from tests.factories import AdmissionFactory, ParticipantFactory, ProgramFactory, SessionFactory, at
from tests.support import ROOT, at_once, backends_waiting, service_env, test_database_url, wait_for, words


@pytest.fixture
def program():
    return ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))


def _future(program, capacity=2, **fields):
    start = timezone.now() + timedelta(days=10)
    return SessionFactory(
        program=program, capacity=capacity, starts_at=start, ends_at=start + timedelta(hours=2), **fields
    )


def _lawyer(program):
    return AdmissionFactory(program=program).participant


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_seats_then_a_waitlist_in_order(program):
    session = _future(program, capacity=2)
    lawyers = [_lawyer(program) for _ in range(4)]
    enrolled = [services.enrol(participant=p, session=session) for p in lawyers]
    assert [e.state for e in enrolled] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    waiting = list(Enrolment.objects.waitlisted().filter(session=session))
    assert [e.waitlist_position for e in waiting] == [1, 2]
    # The places as the enrolment answered them (read with the insert) and as their notices tell them.
    assert [e.waitlist_position for e in enrolled] == [None, None, 1, 2]
    notices = Notification.objects.filter(kind="enrolment_changed").order_by("pk")
    assert [n.context["position"] for n in notices] == [None, None, 1, 2]


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_waitlist_positions_read_with_a_list_match_those_counted_one_by_one(program, django_assert_num_queries):
    later = timezone.now() + timedelta(days=12)
    sessions = [
        _future(program, capacity=1),
        SessionFactory(program=program, capacity=1, starts_at=later, ends_at=later + timedelta(hours=2)),
    ]
    lawyers = [_lawyer(program) for _ in range(4)]
    for session in sessions:
        for lawyer in lawyers:
            services.enrol(participant=lawyer, session=session)
    services.enrolment_cancel(enrolment=Enrolment.objects.get(session=sessions[1], participant=lawyers[2]), by=None)
    one_by_one = {(e.session_id, e.participant_id): e.waitlist_position for e in Enrolment.objects.active()}
    with django_assert_num_queries(1):
        listed = {
            (e.session_id, e.participant_id): e.waitlist_position
            for e in Enrolment.objects.active().with_waitlist_position()
        }
    assert listed == one_by_one
    assert sorted(p for p in listed.values() if p) == [1, 1, 2, 2, 3]


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_a_second_click_changes_nothing(program):
    session, lawyer = _future(program), _lawyer(program)
    first = services.enrol(participant=lawyer, session=session)
    again = services.enrol(participant=lawyer, session=session)
    assert first.pk == again.pk
    assert Enrolment.objects.count() == 1


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_once_the_session_has_begun_a_lawyer_keeps_the_seat_but_may_leave_the_waitlist(program, administrator):
    begun = timezone.now() - timedelta(minutes=10)
    session = SessionFactory(program=program, capacity=1, starts_at=begun, ends_at=begun + timedelta(hours=2))
    seated, waiting = _lawyer(program), _lawyer(program)
    seat = services.enrol(participant=seated, session=session)
    place = services.enrol(participant=waiting, session=session)
    with translation.override("en"), pytest.raises(services.EnrolmentRefused, match="has begun"):
        services.enrolment_cancel(enrolment=seat, by=seated.user)
    seat.refresh_from_db()
    assert seat.state == EnrolmentState.CONFIRMED
    assert services.enrolment_cancel(enrolment=place, by=waiting.user).state == EnrolmentState.CANCELLED
    # The office may.
    assert services.enrolment_cancel(enrolment=seat, by=administrator).state == EnrolmentState.CANCELLED


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_cancelling_a_seat_promotes_the_first_waiting_and_tells_both(program):
    session = _future(program, capacity=1)
    holder, first, second = (_lawyer(program) for _ in range(3))
    seat = services.enrol(participant=holder, session=session)
    services.enrol(participant=first, session=session)
    services.enrol(participant=second, session=session)
    services.enrolment_cancel(enrolment=seat, by=holder.user)
    assert Enrolment.objects.get(participant=first, session=session).state == EnrolmentState.CONFIRMED
    assert Enrolment.objects.get(participant=second, session=session).state == EnrolmentState.WAITLISTED
    assert [session.title_zh in words(n).subject for n in Notification.objects.filter(recipient=first.user)] == [
        True
    ] * 2
    assert Notification.objects.filter(recipient=holder.user).count() == 2  # confirmed, then cancelled


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_more_seats_confirm_the_waitlist(program, administrator):
    session = _future(program, capacity=1)
    lawyers = [_lawyer(program) for _ in range(3)]
    for lawyer in lawyers:
        services.enrol(participant=lawyer, session=session)
    session.capacity = 3
    session_services.session_save(session=session, faculty=[], by=administrator, acknowledge_warnings=True)
    assert Enrolment.objects.confirmed().filter(session=session).count() == 3


@pytest.mark.clock_edges
@pytest.mark.django_db
@pytest.mark.parametrize(
    "setup",
    ["not_admitted", "other_program", "closed", "not_open", "cancelled", "over", "overlap"],
)
def test_refusals_say_why_and_write_nothing(program, setup):
    session = _future(program)
    lawyer = _lawyer(program)
    if setup == "not_admitted":
        lawyer = ParticipantFactory()
    elif setup == "other_program":
        session = _future(ProgramFactory())
    elif setup == "closed":
        program.enrolment_closes_at = timezone.now() - timedelta(minutes=1)
        program.save()
    elif setup == "not_open":
        program.enrolment_opens_at = timezone.now() + timedelta(days=1)
        program.save()
    elif setup == "cancelled":
        session.status = "cancelled"
        session.save()
    elif setup == "over":
        session.starts_at, session.ends_at = at(1, 9), at(1, 11)
        session.save()
    elif setup == "overlap":
        other = _future(program, capacity=5)
        other.starts_at, other.ends_at = session.starts_at + timedelta(minutes=30), session.ends_at
        other.save()
        services.enrol(participant=lawyer, session=other)
    before = Enrolment.objects.count()
    with pytest.raises(services.EnrolmentRefused) as refusal:
        services.enrol(participant=lawyer, session=session)
    assert refusal.value.messages[0]
    assert Enrolment.objects.count() == before


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_administrators_enrol_on_behalf_after_the_deadline(program, administrator):
    session, lawyer = _future(program), _lawyer(program)
    program.enrolment_closes_at = timezone.now() - timedelta(days=1)
    program.save()
    assert services.enrol(participant=lawyer, session=session, by=administrator).state == EnrolmentState.CONFIRMED


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_admission_respects_the_province_quota_unless_overridden(program, administrator):
    ProvinceQuota.objects.create(program=program, province=Province.objects.get(code="44"), seats=1)
    required = _future(program, is_required=True, capacity=1)
    first, second = ParticipantFactory(), ParticipantFactory()
    services.admit(participant=first, program=program, by=administrator)
    with pytest.raises(ValidationError):
        services.admit(participant=second, program=program, by=administrator)
    assert not second.admissions.filter(state="admitted").exists()
    admission = services.admit(participant=second, program=program, by=administrator, override_reason="部里特批")
    assert admission.quota_override == "部里特批"
    # Required sessions: every admitted lawyer has a seat, whatever the capacity.
    assert Enrolment.objects.confirmed().filter(session=required).count() == 2
    line = next(line for line in quota_table(program).lines if line.province.pk == first.province_id)
    assert (line.admitted, line.seats, line.over) == (2, 1, 1)


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_withdrawal_frees_seats_for_the_waitlist(program, administrator):
    session = _future(program, capacity=1)
    holder, waiting = _lawyer(program), _lawyer(program)
    services.enrol(participant=holder, session=session)
    services.enrol(participant=waiting, session=session)
    admission = holder.admissions.get()
    services.admission_decide(admission=admission, state="withdrawn", reason="工作调动", by=administrator)
    assert Enrolment.objects.get(participant=waiting).state == EnrolmentState.CONFIRMED


# --- many at once ---------------------------------------------------------------------------------
def _in_threads(function, items, workers=16):
    return at_once(*(lambda item=item: function(item) for item in items), workers=workers, timeout=120)


@pytest.mark.django_db(transaction=True)
def test_an_enrolment_on_a_new_database_connection_prepares_its_statements_again(program):
    session = _future(program, capacity=1)
    first, second = _lawyer(program), _lawyer(program)
    assert services.enrol(participant=first, session=session).state == "confirmed"
    connection.close()  # CONN_MAX_AGE reached, or a failed health check: a connection with nothing prepared
    assert services.enrol(participant=second, session=session).waitlist_position == 1
    assert services.enrol(participant=second, session=session).waitlist_position == 1  # a second click
    assert _counted_seats_are_stored()[session.pk] == 1


@pytest.mark.django_db(transaction=True)
def test_200_lawyers_at_once_into_20_seats():
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    session = _future(program, capacity=20)
    lawyers = [_lawyer(program) for _ in range(200)]
    enrolled = _in_threads(lambda lawyer: services.enrol(participant=lawyer, session=session), lawyers)
    results = [e.state for e in enrolled]
    assert results.count("confirmed") == 20
    assert results.count("waitlisted") == 180
    assert Enrolment.objects.filter(session=session).count() == 200  # no duplicates, no errors
    # The waitlist is in arrival order: positions 1..180 with no gaps.
    waiting = list(Enrolment.objects.waitlisted().filter(session=session))
    assert [e.waitlist_position for e in waiting[:3]] == [1, 2, 3]
    # Each lawyer was told the place they hold, read with their insert while others were joining.
    told = {e.pk: e.waitlist_position for e in enrolled if e.state == "waitlisted"}
    assert told == {e.pk: position for position, e in enumerate(waiting, start=1)}
    assert all(a.waitlisted_at <= b.waitlisted_at for a, b in itertools.pairwise(waiting))

    # Interleaved cancellations: each freed seat promotes exactly one waiting lawyer, in order.
    seats = list(Enrolment.objects.confirmed().filter(session=session)[:10])
    first_ten_waiting = [e.pk for e in waiting[:10]]
    cancelled = _in_threads(lambda e: services.enrolment_cancel(enrolment=e, by=e.participant.user), seats)
    assert all(isinstance(e, Enrolment) for e in cancelled), cancelled
    confirmed = Enrolment.objects.confirmed().filter(session=session)
    assert confirmed.count() == 20
    assert set(first_ten_waiting) <= set(confirmed.values_list("pk", flat=True))
    assert _counted_seats_are_stored()[session.pk] == 20


@pytest.mark.django_db(transaction=True)
def test_one_lawyer_double_clicking_in_many_tabs_gets_one_enrolment():
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    session = _future(program, capacity=5)
    lawyer = _lawyer(program)
    pks = _in_threads(lambda _: services.enrol(participant=lawyer, session=session).pk, range(8), workers=8)
    assert len(set(pks)) == 1
    assert Enrolment.objects.filter(session=session).count() == 1


def _overlapping_pair(program, *, capacity=5, day=10):
    """Two electives of the program at nearly the same hours (the second starts half an hour later)."""
    start = timezone.now() + timedelta(days=day)
    return tuple(
        SessionFactory(program=program, capacity=capacity, starts_at=at, ends_at=at + timedelta(hours=2))
        for at in (start, start + timedelta(minutes=30))
    )


def _outcome(result) -> str:
    if isinstance(result, Enrolment):
        return result.state
    assert isinstance(result, services.EnrolmentRefused), f"not a refusal: {result!r}"  # no deadlock, no 500
    return "refused"


@pytest.mark.django_db(transaction=True)
def test_one_lawyer_enrolling_in_two_overlapping_sessions_at_once_gets_one_seat():
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    for _try in range(20):
        lawyer = _lawyer(program)
        pair = _overlapping_pair(program)
        results = at_once(*(lambda s=s, p=lawyer: services.enrol(participant=p, session=s) for s in pair))
        assert sorted(map(_outcome, results)) == ["confirmed", "refused"]
        assert Enrolment.objects.confirmed().filter(participant=lawyer).count() == 1


# --- one seat change per lawyer at a time: each path waits for the lawyer's seat lock ----------------------
# Another connection's seat change of the lawyer's is in progress: it holds the lawyer's seat lock (and gives
# them a seat at the same hour, not yet committed). The path under test must be seen waiting for that lock in
# PostgreSQL, and must see the seat once it may go on. Without the lock it would not wait, and would give a
# second seat at that hour: each test fails every time then, not by chance.
def _meanwhile_the_lawyer(lawyer, *, enrols_in, then):
    """Runs `then` (the path under test) while the lawyer's own enrolment in `enrols_in` is in progress in
    another connection; answers (that enrolment, the path's result or the exception it raised)."""
    held, released = threading.Event(), threading.Event()

    def the_lawyers_enrolment():
        try:
            with transaction.atomic():
                seat = services.enrol(participant=lawyer, session=enrols_in)
                services.lock_lawyers([lawyer.pk])  # taken by the enrolment; said here, as what the test holds
                held.set()
                assert released.wait(60), "the path under test was never seen waiting for the lawyer"
            return seat
        finally:
            held.set()

    def path():
        assert held.wait(60)
        return then()

    def release_once_the_path_waits():
        assert held.wait(60)
        try:
            wait_for(
                lambda: backends_waiting(wait_event="advisory") == 1,
                timeout=30,
                message="the path to wait for the lawyer's seat lock",
            )
        finally:
            released.set()

    seat, result, released_it = at_once(the_lawyers_enrolment, path, release_once_the_path_waits, timeout=90)
    for answer in (seat, released_it):
        if isinstance(answer, BaseException):
            raise answer
    assert seat.state == EnrolmentState.CONFIRMED
    return seat, result


@pytest.mark.django_db(transaction=True)
def test_an_enrolment_waits_for_the_lawyers_enrolment_in_progress_and_then_sees_its_seat():
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    first, second = _overlapping_pair(program)
    lawyer = _lawyer(program)
    _seat, result = _meanwhile_the_lawyer(
        lawyer, enrols_in=first, then=lambda: services.enrol(participant=lawyer, session=second)
    )
    assert isinstance(result, services.EnrolmentRefused) and first.title_zh in result.messages[0], result
    assert list(Enrolment.objects.active().filter(participant=lawyer).values_list("session", flat=True)) == [first.pk]


@pytest.mark.django_db(transaction=True)
def test_a_promotion_waits_for_the_lawyers_enrolment_in_progress_and_passes_them_by_for_its_seat():
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    full, other = _overlapping_pair(program, capacity=1)
    holder, lawyer = _lawyer(program), _lawyer(program)
    seat = services.enrol(participant=holder, session=full)
    assert services.enrol(participant=lawyer, session=full).state == EnrolmentState.WAITLISTED
    _seat, cancelled = _meanwhile_the_lawyer(
        lawyer, enrols_in=other, then=lambda: services.enrolment_cancel(enrolment=seat, by=holder.user)
    )
    assert cancelled.state == EnrolmentState.CANCELLED  # the holder's seat is given up; the lawyer is passed by
    assert Enrolment.objects.get(participant=lawyer, session=full).state == EnrolmentState.WAITLISTED
    assert list(Enrolment.objects.confirmed().filter(participant=lawyer).values_list("session", flat=True)) == [
        other.pk
    ]


@pytest.mark.django_db(transaction=True)
def test_a_move_waits_for_the_lawyers_enrolment_in_progress_and_is_refused_for_its_hour(administrator):
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    source = _future(program, capacity=3)
    elsewhere, target = _overlapping_pair(program, day=12)
    lawyer = _lawyer(program)
    seat = services.enrol(participant=lawyer, session=source)
    _seat, moved = _meanwhile_the_lawyer(
        lawyer, enrols_in=elsewhere, then=lambda: services.enrolment_move(enrolment=seat, to=target, by=administrator)
    )
    assert isinstance(moved, services.EnrolmentRefused) and elsewhere.title_zh in moved.messages[0], moved
    seats = Enrolment.objects.active().filter(participant=lawyer)
    assert sorted(seats.values_list("session", "state")) == [(source.pk, "confirmed"), (elsewhere.pk, "confirmed")]


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_waits_for_the_lawyers_enrolment_in_progress_and_never_leaves_them_a_seat(administrator):
    """The withdrawal locks the sessions the lawyer holds seats in, then the lawyer: an enrolment of theirs in
    another session, given just before, is seen, and the office is asked to try again (the withdrawal would
    otherwise lock that session after the lawyer, against the order every change keeps)."""
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    later = timezone.now() + timedelta(days=14)
    held, new = _future(program), SessionFactory(program=program, starts_at=later, ends_at=later + timedelta(hours=2))
    lawyer = _lawyer(program)
    services.enrol(participant=lawyer, session=held)
    admission = lawyer.admissions.get()
    _seat, withdrawn = _meanwhile_the_lawyer(
        lawyer,
        enrols_in=new,
        then=lambda: services.admission_decide(admission=admission, state="withdrawn", reason="调离", by=administrator),
    )
    assert isinstance(withdrawn, services.EnrolmentRefused) and withdrawn.messages == [str(services.BUSY)], withdrawn
    assert Admission.objects.get(pk=admission.pk).state == AdmissionState.ADMITTED  # nothing changed
    # Tried again, it frees both seats.
    services.admission_decide(admission=admission, state="withdrawn", reason="调离", by=administrator)
    assert not Enrolment.objects.active().filter(participant=lawyer).exists()


# --- profile writes and seat changes ----------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writer", ["the lawyer", "the office"])
def test_a_profile_write_in_progress_holds_up_no_seat_change_of_the_lawyer(writer, administrator):
    """The lawyer saving their phone number, or the office correcting their firm, locks the lawyer's row; their
    enrolment meanwhile (the session, the seat lock, a seat whose foreign key shares the row's key) goes through
    without waiting for it."""
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    session, lawyer = _future(program), _lawyer(program)
    writing, enrolled = threading.Event(), threading.Event()

    def write_the_profile():
        with transaction.atomic():
            if writer == "the lawyer":
                profiles.participant_contact_update(participant=lawyer, values={"mobile": "13911112222"})
            else:
                profiles.participant_update(
                    participant=lawyer, values={"law_firm": "新的律师事务所"}, by=administrator, reason="更名"
                )
            writing.set()
            return enrolled.wait(20)  # still open: answers whether the enrolment finished meanwhile

    def enrol():
        assert writing.wait(60)
        try:
            return services.enrol(participant=lawyer, session=session)
        finally:
            enrolled.set()

    finished_meanwhile, seat = at_once(write_the_profile, enrol)
    assert finished_meanwhile is True, "the enrolment waited for the profile write"
    assert seat.state == EnrolmentState.CONFIRMED


@pytest.mark.django_db(transaction=True)
def test_the_offices_move_to_another_province_waits_for_an_admission_in_progress_and_counts_it(administrator):
    """Moving an admitted lawyer to another province takes the program's lock, as admission does: an admission
    taking that province's last place meanwhile is counted, and the move refused with the numbers."""
    program = ProgramFactory()
    beijing = Province.objects.get(code="11")
    quotas.quotas_set(program=program, seats={beijing: 2}, by=administrator, source=QuotaChange.Source.TABLE)
    AdmissionFactory(program=program, participant__province=beijing, participant__license_number="11101201510654321")
    applicant = ParticipantFactory(province=beijing, license_number="11101201510654322")
    lawyer = _lawyer(program)  # from Guangdong
    held, released = threading.Event(), threading.Event()

    def admission_in_progress():
        try:
            with transaction.atomic():
                services.admit(participant=applicant, program=program, by=administrator)  # Beijing's last place
                held.set()
                assert released.wait(60), "the move was never seen waiting for the program"
        finally:
            held.set()

    def move():
        assert held.wait(60)
        with translation.override("en"):
            return profiles.participant_update(
                participant=lawyer, values={"province": beijing}, by=administrator, reason="转入北京律所执业"
            )

    def release_once_the_move_waits():
        assert held.wait(60)
        try:
            wait_for(lambda: backends_waiting() == 1, timeout=30, message="the move to wait for the program's lock")
        finally:
            released.set()

    admitted, moved, _released = at_once(admission_in_progress, move, release_once_the_move_waits, timeout=90)
    assert not isinstance(admitted, BaseException), admitted
    assert isinstance(moved, ValidationError), moved
    assert moved.message_dict["quota_override"] == [
        f"Beijing has used all 2 of its places in “{program.name_en}” (2 admitted). Give a reason to go over the "
        "quota, or raise the quota first."
    ]
    assert Participant.objects.get(pk=lawyer.pk).province.code == "44"


# --- the two deadlocks R1 found, each now waits in order ---------------------------------------------------
def _hold_the_lawyer(lawyer, held, released):
    def hold():
        try:
            with transaction.atomic():
                services.lock_lawyers([lawyer.pk])
                held.set()
                assert released.wait(60), "the other changes were never seen waiting"
        finally:
            held.set()

    return hold


def _release_once(released, *, advisory, waiting, message):
    def release():
        try:
            wait_for(
                lambda: (backends_waiting(wait_event="advisory"), backends_waiting()) == (advisory, waiting),
                timeout=30,
                message=message,
            )
        finally:
            released.set()

    return release


HEADER_ZH = "姓名,姓名拼音,性别,执业证号,律师事务所,省份,城市,手机,邮箱,执业年限,专业领域,外语"


@pytest.mark.django_db(transaction=True)
def test_an_import_writing_a_lawyer_does_not_deadlock_with_their_enrolment_in_a_required_session(tmp_path):
    """The import writes the lawyer's row, then seats everyone in the required sessions; the lawyer's enrolment
    locks the session, then the lawyer's seat lock, not their row: the import waits for the session and both
    finish (with the lawyer's row as the seat lock, each waited for the other: a deadlock)."""
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    required = _future(program, is_required=True)
    lawyer = _lawyer(program)
    listed = tmp_path / "广东.csv"
    listed.write_text(
        f"{HEADER_ZH}\n{lawyer.name_zh},,男,{lawyer.license_number},新的律师事务所,广东,深圳,,{lawyer.user.email},,,\n"
    )
    held, released = threading.Event(), threading.Event()

    def enrol():
        assert held.wait(60)
        return services.enrol(participant=lawyer, session=required)

    def import_the_list():
        wait_for(lambda: backends_waiting(wait_event="advisory") == 1, message="the enrolment to hold the session")
        output = io.StringIO()
        call_command("import_participants", str(listed), "--program", program.slug, stdout=output, stderr=output)
        return output.getvalue()

    release = _release_once(released, advisory=1, waiting=2, message="the import to wait for the session")
    _held, enrolled, imported, _released = at_once(
        _hold_the_lawyer(lawyer, held, released), enrol, import_the_list, release, timeout=90
    )
    assert isinstance(enrolled, Enrolment) and enrolled.state == EnrolmentState.CONFIRMED, enrolled
    assert isinstance(imported, str) and "0 lawyer(s) created, 1 updated" in imported, imported
    assert Participant.objects.get(pk=lawyer.pk).law_firm == "新的律师事务所"
    assert list(Enrolment.objects.active().filter(participant=lawyer).values_list("session", "state")) == [
        (required.pk, "confirmed")
    ]


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_and_a_promotion_of_the_same_lawyer_do_not_deadlock(administrator):
    """A seat is given up in a full session the withdrawn lawyer waits in: the cancellation locks the session,
    then the waiting lawyer; the withdrawal locks the admission only (not the lawyer's rows), then the session,
    then the lawyer. (Locking the lawyer's and their account's rows first, it deadlocked with the promotion.)"""
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    full = _future(program, capacity=1)
    seated, lawyer = _lawyer(program), _lawyer(program)
    seat = services.enrol(participant=seated, session=full)
    assert services.enrol(participant=lawyer, session=full).state == EnrolmentState.WAITLISTED
    admission = lawyer.admissions.get()
    held, released = threading.Event(), threading.Event()

    def give_up_the_seat():
        assert held.wait(60)
        return services.enrolment_cancel(enrolment=seat, by=seated.user)

    def withdraw():
        wait_for(lambda: backends_waiting(wait_event="advisory") == 1, message="the cancellation to hold the session")
        return services.admission_decide(admission=admission, state="withdrawn", reason="调离", by=administrator)

    release = _release_once(released, advisory=1, waiting=2, message="the withdrawal to wait for the session")
    _held, cancelled, withdrawn, _released = at_once(
        _hold_the_lawyer(lawyer, held, released), give_up_the_seat, withdraw, release, timeout=90
    )
    assert isinstance(cancelled, Enrolment) and cancelled.state == EnrolmentState.CANCELLED, cancelled
    assert isinstance(withdrawn, Admission) and withdrawn.state == AdmissionState.WITHDRAWN, withdrawn
    # Promoted by the cancellation, then withdrawn: the seat is free again, nobody holds it.
    assert not Enrolment.objects.active().filter(participant=lawyer).exists()
    assert not Enrolment.objects.confirmed().filter(session=full).exists()


# --- busy: a lock not granted in time ------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_seat_change_that_cannot_have_the_lawyers_lock_in_time_is_refused_as_busy_and_changes_nothing():
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    session, lawyer = _future(program), _lawyer(program)
    held, released = threading.Event(), threading.Event()

    def enrol_with_a_short_lock_timeout():  # a web request: WEB_LOCK_TIMEOUT, shortened
        assert held.wait(60)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '200ms'")
            with translation.override("en"):
                return services.enrol(participant=lawyer, session=session)
        finally:
            released.set()

    _held, refused = at_once(_hold_the_lawyer(lawyer, held, released), enrol_with_a_short_lock_timeout)
    assert isinstance(refused, services.EnrolmentRefused), refused
    with translation.override("en"):  # the message is read where it is shown, in the reader's language
        assert "try again" in refused.messages[0]
    assert not Enrolment.objects.filter(participant=lawyer).exists()


@pytest.mark.django_db
def test_web_processes_wait_for_a_lock_at_most_WEB_LOCK_TIMEOUT_and_nothing_else_is_limited():
    show = "from django.db import connection; c = connection.cursor(); c.execute('SHOW lock_timeout'); print(c.fetchone()[0])"  # noqa: E501
    web = subprocess.run(
        [sys.executable, "-c", f"import trainingprog.wsgi; {show}"],
        cwd=ROOT, env=service_env(DATABASE_URL=test_database_url()), capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert web.stdout.strip() == "5s", web.stderr
    with connection.cursor() as cursor:  # this process: like a Celery worker or a command, no web process
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"


# --- SQLite, the embedded `make run` database ------------------------------------------------------------------
ON_SQLITE = """
import json
from datetime import timedelta
from django.core.exceptions import ValidationError
from django.utils import timezone
from accounts.roles import Role
from participants import services
from participants.services import profiles
from participants.models import Enrolment, Province, ProvinceQuota
from tests.factories import ParticipantFactory, ProgramFactory, SessionFactory, UserFactory

office = UserFactory(role=Role.ADMINISTRATOR)
program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
start = timezone.now() + timedelta(days=10)
full, other, required = (
    SessionFactory(program=program, capacity=1, starts_at=at, ends_at=at + timedelta(hours=2), is_required=needed)
    for at, needed in ((start, False), (start + timedelta(days=1), False), (start + timedelta(days=2), True))
)
first, second = ParticipantFactory(), ParticipantFactory()
for lawyer in (first, second):
    services.admit(participant=lawyer, program=program, by=office)
outcome = {"required": Enrolment.objects.confirmed().filter(session=required).count()}
seat, place = (services.enrol(participant=lawyer, session=full) for lawyer in (first, second))
outcome["enrolled"] = [seat.state, place.state]
services.enrolment_cancel(enrolment=seat, by=first.user)
place.refresh_from_db()
outcome["promoted"] = place.state
moved = services.enrolment_move(enrolment=place, to=other, by=office)
outcome["moved"] = [moved.session_id == other.pk, moved.state]
ProvinceQuota.objects.create(program=program, province=Province.objects.get(code="11"), seats=0)
try:
    profiles.participant_update(
        participant=first, values={"province": Province.objects.get(code="11")}, by=office, reason="x"
    )
except ValidationError as refusal:
    outcome["refused"] = sorted(refusal.message_dict)
services.admission_decide(admission=second.admissions.get(), state="withdrawn", reason="x", by=office)
outcome["left"] = Enrolment.objects.active().filter(participant=second).count()
print(json.dumps(outcome))
"""


def test_every_seat_change_runs_on_sqlite_the_embedded_make_run_database(tmp_path):
    """No PostgreSQL there: the seat lock is nothing to take (SQLite's writers run one at a time), and every
    path that changes seats, admissions or a lawyer's province still works."""
    env = service_env(VAR_DIR=tmp_path)
    for key in ("DATABASE_URL", "REDIS_URL"):
        env.pop(key, None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True, capture_output=True)
    done = subprocess.run(
        [*manage, "shell", "-v0", "-c", ON_SQLITE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "db.sqlite3").exists()
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "required": 2,
        "enrolled": ["confirmed", "waitlisted"],
        "promoted": "confirmed",
        "moved": [True, "confirmed"],
        "refused": ["quota_override"],
        "left": 0,
    }


# --- a load of everything at once ------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_many_seat_changes_and_withdrawals_at_once_all_answer_and_keep_the_rules(administrator):
    """A smoke test of the lock order: enrolments, cancellations, moves and withdrawals over sessions that overlap
    in pairs and are nearly full, released together. Every call answers (PostgreSQL would abort one of two
    deadlocked transactions with an error), no session ends over capacity, and no lawyer with two seats at one
    hour. That each path takes the lawyer's seat lock is proven by the tests above, one path at a time."""
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    sessions = [*_overlapping_pair(program, capacity=2, day=10), *_overlapping_pair(program, capacity=2, day=11)]
    lawyers = [_lawyer(program) for _ in range(8)]
    for lawyer in lawyers[:4]:  # seats and waitlist places to cancel and move
        services.enrol(participant=lawyer, session=sessions[0])
        services.enrol(participant=lawyer, session=sessions[2])
    seats = list(Enrolment.objects.active().filter(participant__in=lawyers[:4]))
    actions = [
        lambda lawyer=lawyer, s=s: services.enrol(participant=lawyer, session=s)
        for lawyer in lawyers[:6]
        for s in sessions
    ]
    actions += [lambda e=e: services.enrolment_cancel(enrolment=e, by=e.participant.user) for e in seats[::2]]
    actions += [lambda e=e: services.enrolment_move(enrolment=e, to=sessions[1], by=administrator) for e in seats[1::4]]
    actions += [lambda e=e: services.enrolment_move(enrolment=e, to=sessions[3], by=administrator) for e in seats[3::4]]
    actions += [
        lambda a=admission: services.admission_decide(admission=a, state="withdrawn", reason="调离", by=administrator)
        for admission in Admission.objects.filter(participant__in=[lawyers[1], lawyers[6]])
    ]
    random.Random(13).shuffle(actions)

    for result in at_once(*actions, workers=12, timeout=120):
        assert not isinstance(result, BaseException) or isinstance(result, ValidationError), (
            f"not a refusal: {result!r}"
        )
    confirmed = Enrolment.objects.confirmed().filter(session__in=sessions)
    for session in sessions:
        assert confirmed.filter(session=session).count() <= session.capacity
    for lawyer in lawyers:
        held = [e.session for e in confirmed.filter(participant=lawyer).select_related("session")]
        clashes = [
            (a.pk, b.pk)
            for a, b in itertools.combinations(held, 2)
            if a.starts_at < b.ends_at and b.starts_at < a.ends_at
        ]
        assert not clashes, f"{lawyer} holds seats at the same hour: {clashes}"
    withdrawn = Admission.objects.filter(state=AdmissionState.WITHDRAWN).values("participant")
    assert not Enrolment.objects.active().filter(participant__in=withdrawn).exists()
    _counted_seats_are_stored()


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_moving_a_lawyer_is_one_change_and_the_old_seat_goes_to_the_next_in_line(program, administrator):
    parallel = timezone.now() + timedelta(days=10)
    source = SessionFactory(program=program, capacity=1, starts_at=parallel, ends_at=parallel + timedelta(hours=2))
    target = SessionFactory(program=program, capacity=5, starts_at=parallel, ends_at=parallel + timedelta(hours=2))
    mover, waiting = _lawyer(program), _lawyer(program)
    seat = services.enrol(participant=mover, session=source)
    services.enrol(participant=waiting, session=source)
    moved = services.enrolment_move(enrolment=seat, to=target, by=administrator)
    assert moved.session == target and moved.state == "confirmed"  # same hours: no clash with the old seat
    seat.refresh_from_db()
    assert seat.state == "cancelled"
    assert Enrolment.objects.get(participant=waiting, session=source).state == "confirmed"
    notice = words(Notification.objects.filter(recipient=mover.user).latest("pk"))
    assert source.title_zh in notice.body_text and target.title_zh in notice.body_text


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_a_refused_move_leaves_the_lawyer_where_they_were(program, administrator):
    source, elsewhere = _future(program, capacity=3), SessionFactory(program=ProgramFactory())
    lawyer = _lawyer(program)
    seat = services.enrol(participant=lawyer, session=source)
    with pytest.raises(ValidationError):
        services.enrolment_move(enrolment=seat, to=elsewhere, by=administrator)
    with pytest.raises(ValidationError):
        services.enrolment_move(enrolment=seat, to=source, by=administrator)
    seat.refresh_from_db()
    assert seat.state == "confirmed" and Enrolment.objects.filter(participant=lawyer).count() == 1


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_moving_a_place_given_up_meanwhile_is_refused(program, administrator):
    source, target = _future(program, capacity=3), _future(program, capacity=3)
    lawyer = _lawyer(program)
    seat = services.enrol(participant=lawyer, session=source)
    stale = Enrolment.objects.get(pk=seat.pk)
    services.enrolment_cancel(enrolment=seat, by=lawyer.user)
    with pytest.raises(ValidationError):
        services.enrolment_move(enrolment=stale, to=target, by=administrator)
    assert not Enrolment.objects.filter(session=target).exists()


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_a_session_made_required_after_admission_seats_every_admitted_lawyer(program, administrator):
    lawyers = [_lawyer(program) for _ in range(3)]
    withdrawn = _lawyer(program)
    withdrawn.admissions.update(state="withdrawn")
    optional = _future(program, capacity=1)
    services.enrol(participant=lawyers[0], session=optional)
    waiting = services.enrol(participant=lawyers[1], session=optional)
    assert waiting.state == EnrolmentState.WAITLISTED

    optional.is_required = True
    session_services.session_save(session=optional, faculty=[], by=administrator, acknowledge_warnings=True)
    seats = Enrolment.objects.filter(session=optional, state=EnrolmentState.CONFIRMED)
    assert sorted(seats.values_list("participant_id", flat=True)) == sorted(lawyer.pk for lawyer in lawyers)

    start = timezone.now() + timedelta(days=20)
    added = SessionFactory.build(
        program=program,
        is_required=True,
        capacity=2,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        venue=None,
        online_url="https://meeting.example.test/closing",
    )
    session_services.session_save(session=added, faculty=[], by=administrator, acknowledge_warnings=True)
    assert Enrolment.objects.filter(session=added, state=EnrolmentState.CONFIRMED).count() == len(lawyers)


# --- the stored count of seats taken ------------------------------------------------------------------------
def _counted_seats_are_stored():
    """Every session's stored `seats_taken` is its count of confirmed enrolments."""
    sessions = TrainingSession.objects.annotate(confirmed=Count("enrolments", filter=Q(enrolments__state="confirmed")))
    stored = {s.pk: s.seats_taken for s in sessions}
    assert stored == {s.pk: s.confirmed for s in sessions}
    return stored


@pytest.mark.clock_edges
@pytest.mark.django_db
def test_seats_taken_is_the_count_of_confirmed_seats_after_every_kind_of_seat_change(program, administrator):
    """Each kind of seat change in turn, and the stored count checked against a fresh count after each."""
    from participants import importing
    from tests.participants.support import GOOD, HEADER_ZH, csv_bytes

    first, second = _overlapping_pair(program, capacity=2)
    third = _overlapping_pair(program, capacity=1, day=12)[0]
    lawyers = [_lawyer(program) for _ in range(4)]
    seats = [services.enrol(participant=lawyer, session=first) for lawyer in lawyers]  # two seats, two waiting
    assert _counted_seats_are_stored()[first.pk] == 2
    services.enrol(participant=lawyers[0], session=first)  # a second click
    services.enrol(participant=lawyers[2], session=third)
    with pytest.raises(services.EnrolmentRefused):  # refused: already seated at that hour
        services.enrol(participant=lawyers[0], session=second)
    assert _counted_seats_are_stored()[third.pk] == 1

    services.enrolment_cancel(enrolment=seats[0], by=lawyers[0].user)  # the first waiting is promoted
    assert _counted_seats_are_stored()[first.pk] == 2
    services.enrolment_cancel(enrolment=seats[3], by=lawyers[3].user)  # a waitlist place: no seat changes
    services.enrolment_move(enrolment=seats[1], to=second, by=administrator)  # its seat goes to no one waiting
    assert _counted_seats_are_stored()[first.pk] == 1
    services.admission_decide(admission=lawyers[1].admissions.get(), state="withdrawn", reason="调离", by=administrator)
    assert _counted_seats_are_stored()[second.pk] == 0

    # Capacity: fewer seats than taken, then more, which the waitlist fills.
    for lawyer in [_lawyer(program) for _ in range(3)]:
        services.enrol(participant=lawyer, session=third)
    for capacity in (1, 3):
        third.capacity = capacity
        session_services.session_save(session=third, faculty=[], by=administrator, acknowledge_warnings=True)
        _counted_seats_are_stored()
    assert TrainingSession.objects.get(pk=third.pk).seats_taken == 3

    # Required seats: on admission (a waitlist place becomes the seat), for a session made required, by an import.
    newcomer = ParticipantFactory()
    required = _future(program, capacity=1, is_required=True)
    services.admit(participant=newcomer, program=program, by=administrator)
    _counted_seats_are_stored()
    third.is_required = True
    session_services.session_save(session=third, faculty=[], by=administrator, acknowledge_warnings=True)
    report = importing.parse(csv_bytes([HEADER_ZH, *GOOD]), "list.csv", program)
    importing.apply(report=report, program=program, by=None, source="list.csv")
    stored = _counted_seats_are_stored()
    admitted = program.admissions.filter(state="admitted").count()
    assert stored[third.pk] == admitted
    assert stored[required.pk] == 3  # admitted since it was added: the newcomer and the two lawyers imported


@pytest.mark.django_db
def test_the_migration_fills_seats_taken_from_the_confirmed_enrolments(program):
    from importlib import import_module

    session, other = _future(program, capacity=2), _future(program, capacity=2)
    for lawyer in [_lawyer(program) for _ in range(3)]:
        services.enrol(participant=lawyer, session=session)
    TrainingSession.objects.update(seats_taken=7)
    with connection.cursor() as cursor:
        cursor.execute(import_module("sessions.migrations.0004_trainingsession_seats_taken").FILL)
    assert _counted_seats_are_stored() == {session.pk: 2, other.pk: 0}


@pytest.mark.django_db(transaction=True)
def test_seats_taken_stays_the_confirmed_count_with_many_enrolling_and_giving_up_at_once():
    """200 lawyers at once into 20 seats, then half the seats given up while others still enrol: never more
    seats than the session has, and the stored count is always the confirmed count."""
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    session = _future(program, capacity=20)
    lawyers = [_lawyer(program) for _ in range(240)]
    _in_threads(lambda lawyer: services.enrol(participant=lawyer, session=session), lawyers[:200])
    assert _counted_seats_are_stored()[session.pk] == 20
    seats = list(Enrolment.objects.confirmed().filter(session=session)[:10])
    actions = [lambda e=e: services.enrolment_cancel(enrolment=e, by=e.participant.user) for e in seats]
    actions += [lambda p=p: services.enrol(participant=p, session=session) for p in lawyers[200:]]
    random.Random(7).shuffle(actions)
    for result in at_once(*actions, workers=16, timeout=120):
        assert isinstance(result, Enrolment), result
    assert _counted_seats_are_stored()[session.pk] == 20
    assert Enrolment.objects.filter(session=session).count() == 240
