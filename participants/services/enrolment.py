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

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.db import lock_not_available
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
def _check_may_enrol(participant: Participant, session: TrainingSession, *, on_behalf: bool) -> None:
    program = session.program
    if session.status != SessionStatus.SCHEDULED:
        raise EnrolmentRefused(_("This session is cancelled."))
    if session.ends_at <= timezone.now():
        raise EnrolmentRefused(_("This session is over."))
    if not Admission.objects.filter(participant=participant, program=program, state=AdmissionState.ADMITTED).exists():
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
    clash = _clashing_session(participant, session)
    if clash is not None:
        raise EnrolmentRefused(_("You already have a seat in “%(other)s” at that time.") % {"other": clash.title})


def _clashing_session(participant: Participant, session: TrainingSession) -> TrainingSession | None:
    """Another scheduled session overlapping this one in which the lawyer holds a confirmed seat."""
    return (
        TrainingSession.objects.scheduled()
        .overlapping(session.starts_at, session.ends_at)
        .filter(enrolments__participant=participant, enrolments__state=EnrolmentState.CONFIRMED)
        .exclude(pk=session.pk)
        .only("title_zh", "title_en")
        .first()
    )


def _short(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


@_refused_when_busy
@transaction.atomic
def enrol(*, participant: Participant, session: TrainingSession, by=None, moved_from=None) -> Enrolment:
    """A seat if one is free, else a place at the end of the waitlist. A second click changes nothing.

    `by` is the administrator acting on the lawyer's behalf (deadlines do not apply to them).
    """
    # Only the session's row is locked (`of`): locking its program too would queue every enrolment
    # of the program behind one another.
    session = (
        TrainingSession.objects.select_for_update(of=("self",)).select_related("program", "venue").get(pk=session.pk)
    )
    lock_lawyers([participant.pk])  # then the clash check below sees any seat of theirs confirmed meanwhile
    seats = Enrolment.objects.filter(session=session).aggregate(
        taken=Count("pk", filter=Q(state=EnrolmentState.CONFIRMED)),
        mine=Max("pk", filter=Q(participant=participant) & ~Q(state=EnrolmentState.CANCELLED)),
    )
    if seats["mine"] is not None:
        return Enrolment.objects.get(pk=seats["mine"])
    _check_may_enrol(participant, session, on_behalf=by is not None and by.pk != participant.user_id)
    now = timezone.now()
    if seats["taken"] < session.capacity:
        state, fields = EnrolmentState.CONFIRMED, {"confirmed_at": now}
    else:
        state, fields = EnrolmentState.WAITLISTED, {"waitlisted_at": now}
    # The session row lock serialises every enrolment in this session, so the "existing" check above
    # cannot race; the partial unique constraint stays as the last line of defence.
    enrolment = Enrolment.objects.create(
        participant=participant,
        session=session,
        state=state,
        created_by_id=by.pk if by else participant.user_id,
        **fields,
    )
    if state == EnrolmentState.CONFIRMED:
        progress.refresh(session.program_id, [participant.pk])
    _announce(enrolment, "confirmed" if state == EnrolmentState.CONFIRMED else "waitlisted", moved_from=moved_from)
    return enrolment


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
    """Fill free seats from the waitlist, first come first served. Call with the session row locked.

    The progress of those promoted is refreshed last, in one statement with that of `with_progress_of` (the
    lawyer whose seat was freed): progress rows are written after every other lock is taken, and together."""
    promoted = []
    free = 0 if session.has_ended else session.capacity - Enrolment.objects.confirmed().filter(session=session).count()
    # A seat freed after the session ended (the office correcting the roster) is no seat to give.
    if free <= 0:
        progress.refresh(session.program_id, with_progress_of)
        return promoted
    # Everyone waiting, before the clash checks: their own enrolment elsewhere may be confirming a seat right now.
    lock_lawyers(_waiting_in([session.pk]))
    for waiting in Enrolment.objects.waitlisted().filter(session=session).select_related("participant__user"):
        if free <= 0:
            break
        if _clashing_session(waiting.participant, session) is not None:
            continue  # they took another seat at that time since; the next in line gets this one
        waiting.state, waiting.confirmed_at = EnrolmentState.CONFIRMED, timezone.now()
        waiting.save(update_fields=["state", "confirmed_at"])
        _announce(waiting, "promoted")
        promoted.append(waiting)
        free -= 1
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
    sessions = (
        program.sessions.filter(is_required=False, status=SessionStatus.SCHEDULED, ends_at__gt=timezone.now())
        .annotate(taken=Count("enrolments", filter=Q(enrolments__state=EnrolmentState.CONFIRMED)))
        .order_by("starts_at")
    )
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
                "seats_left": max(session.capacity - session.taken, 0),
            }
        )
    return slots
