"""Session enrolment with a first-come waitlist, and the seat locks every seat change takes.

Every enrolment change locks the session row first, unconditionally (pretix's rule: the oversell
bugs come from skipping the lock "for speed"); a partial unique constraint stops double enrolment.
A change that may confirm a seat then takes the lawyer's seat lock too (`lock_lawyers`), so that two seats of
one lawyer at the same time (two sessions enrolled in at once, or a promotion racing their own enrolment) cannot
both be given: the second waits for the first and then sees its seat. The seat lock is not the lawyer's row: a
profile write (an import, the office's edit, the lawyer's own) neither waits for seat changes nor holds them up,
as long as it locks the row FOR NO KEY UPDATE (`select_for_update(no_key=True)`), which the foreign-key checks
of new enrolments do not wait for.
One order everywhere, so that no two changes deadlock: first the sessions, then the lawyers, each kind in one
statement in primary-key order (a change that frees a seat locks everyone waiting for it at once, as it cannot
know beforehand whom it will promote). Seats in required sessions take no seat lock (`seat_in_required`).

A web request waits for a lock at most WEB_LOCK_TIMEOUT (settings.py); a seat change or an admission decision
that waited longer is refused as busy (nothing was changed; try again), not left to the statement timeout.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Case, Count, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.db import execute_prepared, lock_not_available
from notifications.services import notify
from sessions.models import Program, SessionStatus, TrainingSession

from ..models import Admission, AdmissionState, Enrolment, EnrolmentState, Participant
from . import progress


class EnrolmentRefused(ValidationError):
    """Why a lawyer cannot take this seat; the message is for them."""


def _refused_when_busy(service):
    """A lock not granted within WEB_LOCK_TIMEOUT refuses the change: its transaction is rolled back, and the
    person is told to try again, in the page they are on (an htmx box swaps a refusal in, never a 503 page).
    Outside the service's own transaction, which is over by then."""

    @functools.wraps(service)
    def refusing(**kwargs):
        try:
            return service(**kwargs)
        except OperationalError as error:
            if not lock_not_available(error):
                raise
            raise EnrolmentRefused(BUSY) from error

    return refusing


BUSY = gettext_lazy(
    "Someone else is changing the same records at this moment, so nothing was changed. Please try again."
)


# The seat locks' namespace: pg_advisory_xact_lock(namespace, lawyer id), the two-key form, whose keys are
# 32-bit (lawyer ids stay far below 2**31). The import's one-key lock (importing.py) is in another key space.
SEAT_LOCKS = 0x5EA7  # "seat"


def lock_lawyers(ids: Iterable[int]) -> None:
    """One seat change per lawyer at a time: each lawyer's seat lock, after the sessions' rows, in one statement
    in primary-key order (PostgreSQL runs the lock function after the sort), until the transaction ends.

    A transaction-level advisory lock rather than the lawyer's row, which profile writes lock. On SQLite (the
    embedded `make run`) nothing to do: every writer takes the database's write lock as it begins
    (transaction_mode IMMEDIATE, settings.py), so seat changes run one at a time already."""
    ids = sorted(set(ids))
    if not ids or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, id) FROM unnest(%s::integer[]) AS id ORDER BY id", [SEAT_LOCKS, ids]
        )


def _lock_sessions(ids: Iterable[int]) -> None:
    """The sessions' rows (only theirs: not their programs'), in primary-key order."""
    list(TrainingSession.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk").values_list("pk"))


def _waiting_in(session_ids) -> list[int]:
    """Who waits for a seat in these sessions: the lawyers a freed seat may promote. Read with the sessions
    locked, so nobody joins their waitlists until the change is over."""
    waiting = Enrolment.objects.filter(session_id__in=session_ids, state=EnrolmentState.WAITLISTED)
    return list(waiting.values_list("participant_id", flat=True))


# --- enrolment --------------------------------------------------------------------------------
# An enrolment reads its rules in one query before it takes any lock, then holds the locks for two statements:
# the seat counted (`UPDATE … RETURNING`, which locks the session's row and then takes the lawyer's seat lock),
# and the enrolment inserted under the rules that another seat change could have broken meanwhile, read again
# in the insert itself (a waitlist place gives the seat counted back in between). Only when the insert finds a
# rule broken does it look, still under the locks, for which.
# The first read leaves out the seats at the same hour: they must be looked for under the lawyer's seat lock
# anyway (the insert does), and it is the dearest rule to read (every seat the lawyer holds).
# Plain SQL: the enrolment rush runs these at hundreds a second, and building them with the ORM cost more CPU
# than the rest of the request.
_SESSIONS, _ENROLMENTS = TrainingSession._meta.db_table, Enrolment._meta.db_table
# What an enrolment in the session `s` depends on besides its row, for the lawyer given once for each as a
# parameter: their admission to its program, a live enrolment of theirs in it already, and a confirmed seat of
# theirs in another scheduled session at an overlapping hour.
_ADMITTED_MINE = f"""
    EXISTS (
        SELECT 1 FROM {Admission._meta.db_table} a
        WHERE a.participant_id = %s AND a.program_id = s.program_id AND a.state = '{AdmissionState.ADMITTED}'
    ) AS admitted,
    (
        SELECT e.id FROM {_ENROLMENTS} e
        WHERE e.participant_id = %s AND e.session_id = s.id AND e.state <> '{EnrolmentState.CANCELLED}' LIMIT 1
    ) AS mine"""  # noqa: S608 - our tables' names and our states' values
_CLASH = f"""
    (
        SELECT o.id FROM {_ENROLMENTS} c JOIN {_SESSIONS} o ON o.id = c.session_id
        WHERE c.participant_id = %s AND c.state = '{EnrolmentState.CONFIRMED}'
            AND o.status = '{SessionStatus.SCHEDULED}'
            AND o.starts_at < s.ends_at AND o.ends_at > s.starts_at AND o.id <> s.id
        LIMIT 1
    ) AS clash"""  # noqa: S608 - our tables' names and our states' values
_RULES = f"{_ADMITTED_MINE}, {_CLASH}"


@dataclass
class _Facts:
    """What the rules of an enrolment found, as they are at one moment."""

    scheduled: bool  # not cancelled
    ahead: bool  # not over
    admitted: bool
    mine: int | None  # the lawyer's live enrolment in it
    clash: int | None = None  # a session in which the lawyer holds a seat at that hour (if looked for)


_FACTS = {
    clash: f"SELECT s.status = %s, s.ends_at > %s, {rules} FROM {_SESSIONS} s WHERE s.id = %s"  # noqa: S608
    for clash, rules in ((True, _RULES), (False, _ADMITTED_MINE))
}


def _facts(participant_pk: int, session_pk: int, *, clash: bool = True) -> _Facts:
    count = 3 if clash else 2
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            "enrolment_facts" if clash else "enrolment_facts_no_clash",
            _FACTS[clash],
            [SessionStatus.SCHEDULED, _now_for_sql(), *[participant_pk] * count, session_pk],
            ["text", "timestamptz", *["bigint"] * count, "bigint"],
        )
        row = cursor.fetchone()
    if row is None:
        raise TrainingSession.DoesNotExist
    scheduled, ahead, admitted, *found = row
    return _Facts(bool(scheduled), bool(ahead), bool(admitted), *found)


def _now_for_sql():
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _check_may_enrol(facts: _Facts, session: TrainingSession, *, on_behalf: bool) -> None:
    """Refuse with the first rule broken (the program's enrolment window as `session.program` has it)."""
    program = session.program
    if not facts.scheduled:
        raise EnrolmentRefused(_("This session is cancelled."))
    if not facts.ahead:
        raise EnrolmentRefused(_("This session is over."))
    if not facts.admitted:
        raise EnrolmentRefused(_("Only lawyers admitted to this program can enrol in its sessions."))
    now = timezone.now()
    if not on_behalf:
        if program.enrolment_closes_at and now > program.enrolment_closes_at:
            raise EnrolmentRefused(
                _("Enrolment for this program closed on %(date)s.") % {"date": _short(program.enrolment_closes_at)}
            )
        if program.enrolment_opens_at and now < program.enrolment_opens_at:
            raise EnrolmentRefused(
                _("Enrolment for this program opens on %(date)s.") % {"date": _short(program.enrolment_opens_at)}
            )
    if facts.clash is not None:
        clash = TrainingSession.objects.only("title_zh", "title_en").get(pk=facts.clash)
        raise EnrolmentRefused(_("You already have a seat in “%(other)s” at that time.") % {"other": clash.title})


def _short(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _take_seat(session: TrainingSession, participant: Participant) -> tuple[bool, bool]:
    """Count a seat taken in the session (its row locked until the transaction ends), then take the lawyer's
    seat lock, in that order, in one statement: PostgreSQL runs RETURNING once the row is updated. The seat is
    counted whether or not one is free: a waitlist place gives it back (`_give_back_seats`). Answers whether
    the session is still open (not cancelled or over meanwhile), and whether the seat counted is a free one."""
    lock = ", pg_advisory_xact_lock(%s, %s)" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            "enrolment_take_seat",
            f"UPDATE {_SESSIONS} SET seats_taken = seats_taken + 1 WHERE id = %s"  # noqa: S608 - our table's name
            f" RETURNING seats_taken, capacity, status = %s AND ends_at > %s{lock}",
            [session.pk, SessionStatus.SCHEDULED, _now_for_sql(), *([SEAT_LOCKS, participant.pk] if lock else [])],
            ["bigint", "text", "timestamptz", "integer", "integer"],
        )
        row = cursor.fetchone()
    if row is None:
        raise TrainingSession.DoesNotExist
    taken, capacity, still_open = row[:3]
    return bool(still_open), taken <= capacity


_INSERTED = [
    Enrolment._meta.get_field(name)
    for name in ("participant", "state", "waitlisted_at", "confirmed_at", "created_by", "created_at")
]
_INSERTED_TYPES = ["bigint", "text", "timestamptz", "timestamptz", "bigint", "timestamptz"]  # PostgreSQL's, as above
_INSERT = f"""
    INSERT INTO {_ENROLMENTS} (session_id, {", ".join(f.column for f in _INSERTED)})
    SELECT r.id, {", ".join(["%s"] * len(_INSERTED))}
    FROM (SELECT s.id, {_RULES} FROM {_SESSIONS} s WHERE s.id = %s) r
    WHERE r.admitted AND r.mine IS NULL AND r.clash IS NULL
    RETURNING id, CASE WHEN state = '{EnrolmentState.WAITLISTED}' THEN (
        SELECT COUNT(*) FROM {_ENROLMENTS} w
        WHERE w.session_id = {_ENROLMENTS}.session_id AND w.state = '{EnrolmentState.WAITLISTED}'
            AND (w.waitlisted_at < {_ENROLMENTS}.waitlisted_at
                 OR (w.waitlisted_at = {_ENROLMENTS}.waitlisted_at AND w.id < {_ENROLMENTS}.id))
    ) END
"""  # noqa: S608 - our tables' and columns' names


def _insert_if_still_allowed(enrolment: Enrolment) -> int | None:
    """Insert `enrolment` unless its lawyer's admission, a live enrolment of theirs in the session or a seat of
    theirs at that hour has changed since the rules were read (read again here, under the locks). Its id, or
    None when something did. A waitlist place comes back with how many wait before it (as
    EnrolmentQuerySet.with_waitlist_position counts them, with the session's row locked): its position costs no
    query of its own."""
    values = [f.get_db_prep_save(getattr(enrolment, f.attname), connection) for f in _INSERTED]
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            "enrolment_insert",
            _INSERT,
            [*values, *[enrolment.participant_id] * 3, enrolment.session_id],
            [*_INSERTED_TYPES, *["bigint"] * 3, "bigint"],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    if row[1] is not None:
        enrolment.waitlist_ahead = row[1]
    return row[0]


@_refused_when_busy
@transaction.atomic
def enrol(*, participant: Participant, session: TrainingSession, by=None, moved_from=None) -> Enrolment:
    """A seat if one is free, else a place at the end of the waitlist. A second click changes nothing.

    `by` is the administrator acting on the lawyer's behalf (deadlines do not apply to them).
    """
    on_behalf = by is not None and by.pk != participant.user_id
    # The rules, read before any lock: most refusals and second clicks take none.
    facts = _facts(participant.pk, session.pk, clash=False)
    if facts.mine is not None:
        return Enrolment.objects.get(pk=facts.mine)
    _check_may_enrol(facts, session, on_behalf=on_behalf)
    # The session's row (only its: locking its program too would queue every enrolment of the program behind
    # one another), then the lawyer's seat lock: see the top.
    still_open, free = _take_seat(session, participant)
    if not still_open:  # cancelled, or moved into the past, meanwhile
        _check_may_enrol(_facts(participant.pk, session.pk), session, on_behalf=on_behalf)  # says which
        raise EnrolmentRefused(BUSY)  # not reached
    now = timezone.now()
    if free:
        state, fields = EnrolmentState.CONFIRMED, {"confirmed_at": now}
    else:
        state, fields = EnrolmentState.WAITLISTED, {"waitlisted_at": now}
        _give_back_seats(session.pk, 1)
    enrolment = Enrolment(
        participant=participant,
        session=session,
        state=state,
        created_by_id=by.pk if by else participant.user_id,
        **fields,
    )
    # The session row lock serialises every enrolment in this session and the seat lock every seat change of the
    # lawyer's; the partial unique constraint stays as the last line of defence.
    enrolment.pk = _insert_if_still_allowed(enrolment)
    if enrolment.pk is None:  # withdrawn, enrolled in another tab, or seated at that hour meanwhile
        facts = _facts(participant.pk, session.pk)
        if facts.mine is not None:  # a second click: the seat counted above goes with the rest of this change
            existing = Enrolment.objects.get(pk=facts.mine)
            transaction.set_rollback(True)
            return existing
        _check_may_enrol(facts, session, on_behalf=on_behalf)
        raise EnrolmentRefused(BUSY)  # not reached: the insert's rules are _check_may_enrol's
    enrolment._state.adding, enrolment._state.db = False, connection.alias
    if state == EnrolmentState.CONFIRMED:
        progress.refresh(session.program_id, [participant.pk])
    _announce(enrolment, "confirmed" if state == EnrolmentState.CONFIRMED else "waitlisted", moved_from=moved_from)
    return enrolment


def seats_recount(*, sessions) -> None:
    """Set the stored counter of these sessions (a queryset) from their confirmed enrolments, for a writer that
    inserts seats in bulk outside the services (the demo's COPY). Call with nothing else changing their seats."""
    confirmed = (
        Enrolment.objects.confirmed()
        .filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    sessions.update(seats_taken=Coalesce(Subquery(confirmed), 0))


def _give_back_seats(session_pk: int, count: int) -> None:
    """Seats given up (or counted and not given) in a session whose row this transaction has locked."""
    TrainingSession.objects.filter(pk=session_pk).update(seats_taken=F("seats_taken") - count)


def _count_seats(taken: dict[int, int]) -> None:
    """Confirmed seats given, by session id, in sessions whose rows this transaction has locked: one statement."""
    taken = {pk: n for pk, n in taken.items() if n}
    if taken:
        TrainingSession.objects.filter(pk__in=taken).update(
            seats_taken=F("seats_taken") + Case(*(When(pk=pk, then=Value(n)) for pk, n in taken.items()))
        )


@_refused_when_busy
@transaction.atomic
def enrolment_cancel(*, enrolment: Enrolment, by, notify_lawyer: bool = True) -> Enrolment:
    """Give up a seat or a waitlist place; a freed seat goes to the first lawyer waiting."""
    session = TrainingSession.objects.select_for_update().get(pk=enrolment.session_id)
    enrolment = Enrolment.objects.select_related("participant__user").get(pk=enrolment.pk)
    if enrolment.state == EnrolmentState.CANCELLED:
        return enrolment
    by_lawyer = by == enrolment.participant.user
    if by_lawyer and enrolment.state == EnrolmentState.CONFIRMED:
        if session.is_required:
            raise EnrolmentRefused(_("Required sessions are for every admitted lawyer; ask the program office."))
        if session.has_started:
            raise EnrolmentRefused(_("The session has begun: the seat can no longer be given up."))
    was_confirmed = enrolment.state == EnrolmentState.CONFIRMED
    enrolment.state, enrolment.cancelled_at = EnrolmentState.CANCELLED, timezone.now()
    enrolment.save(update_fields=["state", "cancelled_at"])
    if notify_lawyer:
        _announce(enrolment, "cancelled")
    if was_confirmed:
        _give_back_seats(session.pk, 1)
        session.seats_taken -= 1  # read under the lock above: the count the waitlist is promoted from
        promote_waitlist(session=session, with_progress_of=[enrolment.participant_id])
    return enrolment


@_refused_when_busy
@transaction.atomic
def enrolment_move(*, enrolment: Enrolment, to: TrainingSession, by) -> Enrolment:
    """An administrator moves a lawyer's seat or waitlist place to another session of the same program,
    as one change: the old place goes to the next in line only if the new one is granted."""
    if to.pk == enrolment.session_id:
        raise EnrolmentRefused(_("Choose a different session."))
    if to.program_id != enrolment.session.program_id:
        raise EnrolmentRefused(_("A lawyer can only be moved to a session of the same program."))
    # Both session rows, then the lawyer with everyone the old seat may go to, in the order every writer keeps.
    _lock_sessions([to.pk, enrolment.session_id])
    enrolment = Enrolment.objects.select_related("participant__user", "session").get(pk=enrolment.pk)
    lock_lawyers([enrolment.participant_id, *_waiting_in([enrolment.session_id])])
    if enrolment.state == EnrolmentState.CANCELLED:  # given up while the office was choosing
        raise EnrolmentRefused(_("This enrolment was cancelled meanwhile; enrol the lawyer instead."))
    if Enrolment.objects.active().filter(participant_id=enrolment.participant_id, session=to).exists():
        raise EnrolmentRefused(_("The lawyer is already enrolled in that session."))
    previous = enrolment.session
    enrolment_cancel(enrolment=enrolment, by=by, notify_lawyer=False)
    return enrol(participant=enrolment.participant, session=to, by=by, moved_from=previous)


def promote_waitlist(*, session: TrainingSession, with_progress_of: list[int] = ()) -> list[Enrolment]:
    """Fill free seats from the waitlist, first come first served. Call with the session row locked (and read
    under that lock: its `seats_taken` is the count the free seats are found from).

    The progress of those promoted is refreshed last, in one statement with that of `with_progress_of` (the
    lawyer whose seat was freed): progress rows are written after every other lock is taken, and together."""
    promoted = []
    # A seat freed after the session ended (the office correcting the roster) is no seat to give.
    free = 0 if session.has_ended else session.capacity - session.seats_taken
    if free <= 0:
        progress.refresh(session.program_id, with_progress_of)
        return promoted
    # Everyone waiting, before the clash checks: their own enrolment elsewhere may be confirming a seat right now.
    lock_lawyers(_waiting_in([session.pk]))
    for waiting in Enrolment.objects.waitlisted().filter(session=session).select_related("participant__user"):
        if free <= 0:
            break
        if _facts(waiting.participant_id, session.pk).clash is not None:
            continue  # they took another seat at that time since; the next in line gets this one
        waiting.state, waiting.confirmed_at = EnrolmentState.CONFIRMED, timezone.now()
        waiting.save(update_fields=["state", "confirmed_at"])
        _announce(waiting, "promoted")
        promoted.append(waiting)
        free -= 1
    _count_seats({session.pk: len(promoted)})
    session.seats_taken += len(promoted)
    progress.refresh(session.program_id, [*with_progress_of, *(waiting.participant_id for waiting in promoted)])
    return promoted


def _announce(enrolment: Enrolment, what: str, moved_from: TrainingSession | None = None) -> None:
    session = enrolment.session
    # No de-duplication key: each state change happens once (a second click returns before this).
    notify(
        enrolment.participant.user,
        "enrolment_changed",
        {"session": session, "what": what, "position": enrolment.waitlist_position, "moved_from": moved_from},
        link=reverse("sessions:session_detail", args=[session.program.slug, session.pk]),
    )


def timetable_slots(*, participant: Participant, program: Program) -> list[dict]:
    """For a lawyer admitted to `program`: each open elective with their state, position and seats left."""
    if not Admission.objects.filter(participant=participant, program=program, state=AdmissionState.ADMITTED).exists():
        return []
    sessions = program.sessions.filter(
        is_required=False, status=SessionStatus.SCHEDULED, ends_at__gt=timezone.now()
    ).order_by("starts_at")
    mine = {
        e.session_id: e
        for e in Enrolment.objects.active()
        .with_waitlist_position()
        .filter(participant=participant, session__program=program)
    }
    slots = []
    for session in sessions:
        enrolment = mine.get(session.pk)
        slots.append(
            {
                "session": session,
                "enrolment": enrolment,
                "position": enrolment.waitlist_position if enrolment else None,
                "seats_left": max(session.capacity - session.seats_taken, 0),
            }
        )
    return slots
