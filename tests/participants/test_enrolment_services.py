"""Seats, the waitlist and their notices; correct with many lawyers acting at once (PostgreSQL)."""

import itertools
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from notifications.models import Notification
from participants import services
from participants.models import Enrolment, EnrolmentState
from participants.quotas import quota_table
from sessions import services as session_services
from tests.factories import AdmissionFactory, ProgramFactory, SessionFactory, at

# Reads the clock: also run around midnight and at the turn of a month and a year (tests/clock.py).
pytestmark = pytest.mark.clock_edges


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


@pytest.mark.django_db
def test_seats_then_a_waitlist_in_order(program):
    session = _future(program, capacity=2)
    lawyers = [_lawyer(program) for _ in range(4)]
    states = [services.enrol(participant=p, session=session).state for p in lawyers]
    assert states == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    waiting = list(Enrolment.objects.waitlisted().filter(session=session))
    assert [e.waitlist_position for e in waiting] == [1, 2]
    assert Notification.objects.filter(kind="enrolment_changed").count() == 4


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


@pytest.mark.django_db
def test_a_second_click_changes_nothing(program):
    session, lawyer = _future(program), _lawyer(program)
    first = services.enrol(participant=lawyer, session=session)
    again = services.enrol(participant=lawyer, session=session)
    assert first.pk == again.pk
    assert Enrolment.objects.count() == 1


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
    assert Notification.objects.filter(recipient=first.user, subject__contains=session.title_zh).count() == 2
    assert Notification.objects.filter(recipient=holder.user).count() == 2  # confirmed, then cancelled


@pytest.mark.django_db
def test_more_seats_confirm_the_waitlist(program, administrator):
    session = _future(program, capacity=1)
    lawyers = [_lawyer(program) for _ in range(3)]
    for lawyer in lawyers:
        services.enrol(participant=lawyer, session=session)
    session.capacity = 3
    session_services.session_save(session=session, faculty=[], by=administrator, acknowledge_warnings=True)
    assert Enrolment.objects.confirmed().filter(session=session).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "setup",
    ["not_admitted", "other_program", "closed", "not_open", "cancelled", "over", "overlap"],
)
def test_refusals_say_why_and_write_nothing(program, setup):
    session = _future(program)
    lawyer = _lawyer(program)
    if setup == "not_admitted":
        from tests.factories import ParticipantFactory

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


@pytest.mark.django_db
def test_administrators_enrol_on_behalf_after_the_deadline(program, administrator):
    session, lawyer = _future(program), _lawyer(program)
    program.enrolment_closes_at = timezone.now() - timedelta(days=1)
    program.save()
    assert services.enrol(participant=lawyer, session=session, by=administrator).state == EnrolmentState.CONFIRMED


@pytest.mark.django_db
def test_admission_respects_the_province_quota_unless_overridden(program, administrator):
    from participants.models import Province, ProvinceQuota
    from tests.factories import ParticipantFactory

    ProvinceQuota.objects.create(program=program, province=Province.objects.get(code="44"), seats=1)
    required = _future(program, is_required=True, capacity=1)
    first, second = ParticipantFactory(), ParticipantFactory()
    services.admit(participant=first, program=program, by=administrator)
    with pytest.raises(services.ValidationError):
        services.admit(participant=second, program=program, by=administrator)
    assert not second.admissions.filter(state="admitted").exists()
    admission = services.admit(participant=second, program=program, by=administrator, override_reason="部里特批")
    assert admission.quota_override == "部里特批"
    # Required sessions: every admitted lawyer has a seat, whatever the capacity.
    assert Enrolment.objects.confirmed().filter(session=required).count() == 2
    line = next(line for line in quota_table(program).lines if line.province.pk == first.province_id)
    assert (line.admitted, line.seats, line.over) == (2, 1, 1)


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
    def run(item):
        try:
            return function(item)
        finally:
            connection.close()

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, items))


@pytest.mark.django_db(transaction=True)
def test_200_lawyers_at_once_into_20_seats():
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    session = _future(program, capacity=20)
    lawyers = [_lawyer(program) for _ in range(200)]
    results = _in_threads(lambda lawyer: services.enrol(participant=lawyer, session=session).state, lawyers)
    assert results.count("confirmed") == 20
    assert results.count("waitlisted") == 180
    assert Enrolment.objects.filter(session=session).count() == 200  # no duplicates, no errors
    # The waitlist is in arrival order: positions 1..180 with no gaps.
    waiting = list(Enrolment.objects.waitlisted().filter(session=session))
    assert [e.waitlist_position for e in waiting[:3]] == [1, 2, 3]
    assert all(a.waitlisted_at <= b.waitlisted_at for a, b in itertools.pairwise(waiting))

    # Interleaved cancellations: each freed seat promotes exactly one waiting lawyer, in order.
    seats = list(Enrolment.objects.confirmed().filter(session=session)[:10])
    first_ten_waiting = [e.pk for e in waiting[:10]]
    _in_threads(lambda e: services.enrolment_cancel(enrolment=e, by=e.participant.user), seats)
    confirmed = Enrolment.objects.confirmed().filter(session=session)
    assert confirmed.count() == 20
    assert set(first_ten_waiting) <= set(confirmed.values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_one_lawyer_double_clicking_in_many_tabs_gets_one_enrolment():
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    session = _future(program, capacity=5)
    lawyer = _lawyer(program)
    pks = _in_threads(lambda _: services.enrol(participant=lawyer, session=session).pk, range(8), workers=8)
    assert len(set(pks)) == 1
    assert Enrolment.objects.filter(session=session).count() == 1


def _at_once(*actions):
    """Run the actions in threads released together; each answers its result or the error it raised."""
    barrier = threading.Barrier(len(actions))

    def run(action):
        barrier.wait()
        try:
            return action()
        except Exception as error:  # noqa: BLE001 - a refusal is an answer; anything else fails the test below
            return error

    return _in_threads(run, actions, workers=len(actions))


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
        results = _at_once(*(lambda s=s, p=lawyer: services.enrol(participant=p, session=s) for s in pair))
        assert sorted(map(_outcome, results)) == ["confirmed", "refused"]
        assert Enrolment.objects.confirmed().filter(participant=lawyer).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_promotion_racing_the_lawyers_own_enrolment_at_the_same_hour_gives_one_seat():
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    for _try in range(10):
        full, other = _overlapping_pair(program, capacity=1)
        holder, lawyer = _lawyer(program), _lawyer(program)
        seat = services.enrol(participant=holder, session=full)
        assert services.enrol(participant=lawyer, session=full).state == EnrolmentState.WAITLISTED
        cancelled, enrolled = _at_once(
            lambda seat=seat: services.enrolment_cancel(enrolment=seat, by=seat.participant.user),  # frees a seat
            lambda other=other, p=lawyer: services.enrol(participant=p, session=other),
        )
        assert cancelled.state == EnrolmentState.CANCELLED
        seats = Enrolment.objects.confirmed().filter(participant=lawyer)
        assert seats.count() == 1
        if _outcome(enrolled) == "confirmed":  # the enrolment came first: the promotion passed the lawyer by
            assert Enrolment.objects.get(participant=lawyer, session=full).state == EnrolmentState.WAITLISTED
        else:  # the promotion came first: the other session saw the seat
            assert seats.get().session == full


@pytest.mark.django_db(transaction=True)
def test_enrolments_moves_and_cancellations_at_once_never_give_overlapping_seats_nor_deadlock(administrator):
    """Every path that confirms a seat at once, over sessions that overlap in pairs and are nearly full: no lawyer
    ends with two seats at the same hour, no session over capacity, and every call answers (PostgreSQL would
    abort one of two deadlocked transactions with an error)."""
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    sessions = [*_overlapping_pair(program, capacity=2, day=10), *_overlapping_pair(program, capacity=2, day=11)]
    lawyers = [_lawyer(program) for _ in range(6)]
    for lawyer in lawyers[:4]:  # seats and waitlist places to cancel and move
        services.enrol(participant=lawyer, session=sessions[0])
        services.enrol(participant=lawyer, session=sessions[2])
    seats = list(Enrolment.objects.active().filter(participant__in=lawyers[:4]))
    actions = [
        lambda lawyer=lawyer, s=s: services.enrol(participant=lawyer, session=s) for lawyer in lawyers for s in sessions
    ]
    actions += [lambda e=e: services.enrolment_cancel(enrolment=e, by=e.participant.user) for e in seats[::2]]
    actions += [lambda e=e: services.enrolment_move(enrolment=e, to=sessions[1], by=administrator) for e in seats[1::4]]
    actions += [lambda e=e: services.enrolment_move(enrolment=e, to=sessions[3], by=administrator) for e in seats[3::4]]
    random.Random(13).shuffle(actions)

    for result in _in_threads(_safely, actions, workers=12):
        assert result is None or isinstance(result, services.ValidationError), f"not a refusal: {result!r}"
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


def _safely(action):
    try:
        action()
    except Exception as error:  # noqa: BLE001 - refusals are answers; the test fails on anything else
        return error
    return None


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
    notice = Notification.objects.filter(recipient=mover.user).latest("pk")
    assert source.title_zh in notice.body_text and target.title_zh in notice.body_text


@pytest.mark.django_db
def test_a_refused_move_leaves_the_lawyer_where_they_were(program, administrator):
    source, elsewhere = _future(program, capacity=3), SessionFactory(program=ProgramFactory())
    lawyer = _lawyer(program)
    seat = services.enrol(participant=lawyer, session=source)
    with pytest.raises(services.ValidationError):
        services.enrolment_move(enrolment=seat, to=elsewhere, by=administrator)
    with pytest.raises(services.ValidationError):
        services.enrolment_move(enrolment=seat, to=source, by=administrator)
    seat.refresh_from_db()
    assert seat.state == "confirmed" and Enrolment.objects.filter(participant=lawyer).count() == 1


@pytest.mark.django_db
def test_moving_a_place_given_up_meanwhile_is_refused(program, administrator):
    source, target = _future(program, capacity=3), _future(program, capacity=3)
    lawyer = _lawyer(program)
    seat = services.enrol(participant=lawyer, session=source)
    stale = Enrolment.objects.get(pk=seat.pk)
    services.enrolment_cancel(enrolment=seat, by=lawyer.user)
    with pytest.raises(services.ValidationError):
        services.enrolment_move(enrolment=stale, to=target, by=administrator)
    assert not Enrolment.objects.filter(session=target).exists()


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
