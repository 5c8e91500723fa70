"""Timetable writes with rules: saving a session with its faculty, cancelling, history, notices."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.roles import Role
from notifications.services import notify

from .conflicts import Conflict, check_session
from .models import (
    SEATED,
    WAITING,
    CalendarFeed,
    Faculty,
    FacultyAssignment,
    Program,
    SessionChange,
    SessionStatus,
    TrainingSession,
    Venue,
    new_feed_token,
)
from .signals import made_required, seats_added

User = get_user_model()


class ScheduleConflict(ValidationError):
    """The session cannot be saved as it is: `conflicts` says why (and which only need confirming)."""

    def __init__(self, conflicts: list[Conflict]):
        super().__init__([c.message for c in conflicts])
        self.conflicts = conflicts

    @property
    def blocking(self) -> bool:
        return any(c.blocking for c in self.conflicts)


def _snapshot(session: TrainingSession, faculty_ids: Iterable[int]) -> dict:
    return {
        "starts_at": session.starts_at.astimezone(UTC).isoformat(),
        "ends_at": session.ends_at.astimezone(UTC).isoformat(),
        "venue": session.venue_id,
        "venue_name_zh": session.venue.name_zh if session.venue_id else "",
        "venue_name_en": session.venue.name_en if session.venue_id else "",
        "cancellation_reason": session.cancellation_reason,
        "online_url": session.online_url,
        "status": session.status,
        "title_zh": session.title_zh,
        "title_en": session.title_en,
        "description_zh": session.description_zh,
        "description_en": session.description_en,
        "topic": session.topic_id,
        "format": session.format,
        "capacity": session.capacity,
        "credit_hours": str(session.credit_hours),
        "is_required": session.is_required,
        "faculty": sorted(faculty_ids),
    }


def _lock_session(session: TrainingSession) -> TrainingSession:
    """Lock in the one order every writer uses: the program, then the session (then rooms, people)."""
    Program.objects.select_for_update().get(pk=session.program_id)
    return TrainingSession.objects.select_for_update(of=("self",)).select_related("program", "venue").get(pk=session.pk)


# What the session form edits; an edit never writes the status, reason or sequence it read earlier.
EDITABLE_FIELDS = [
    "title_zh",
    "title_en",
    "topic",
    "format",
    "starts_at",
    "ends_at",
    "venue",
    "online_url",
    "capacity",
    "credit_hours",
    "is_required",
    "description_zh",
    "description_en",
    "updated_at",
]


def _lock_resources(venue: Venue | None, faculty_ids: list[int]) -> None:
    """Two administrators booking the same room or person at once: the second waits, then sees the clash."""
    if venue is not None:
        Venue.objects.select_for_update().filter(pk=venue.pk).first()
    if faculty_ids:
        list(Faculty.objects.select_for_update().filter(pk__in=faculty_ids).order_by("pk").values_list("pk"))


@transaction.atomic
def session_save(
    *,
    session: TrainingSession,
    faculty: list[tuple[Faculty, str]],
    by,
    acknowledge_warnings: bool = False,
) -> TrainingSession:
    """Create or update `session` with its faculty (and their roles).

    Venue and faculty double bookings, and changes to a closed program, raise ScheduleConflict;
    softer problems (outside the program's dates, more seats than the room) raise it too unless
    `acknowledge_warnings`. Time, place and cancellation changes notify the session's faculty.
    """
    faculty_ids = [f.pk for f, _role in faculty]
    if len(set(faculty_ids)) != len(faculty_ids):
        raise ValidationError(_("The same person is listed twice."))
    session.full_clean()
    program = Program.objects.select_for_update().get(pk=session.program_id)
    stored = None
    if session.pk is not None:
        stored = TrainingSession.objects.select_for_update(of=("self",)).select_related("venue").get(pk=session.pk)
        session.status = stored.status  # cancelled meanwhile? then it stays cancelled
    _lock_resources(session.venue, faculty_ids)
    conflicts = check_session(
        program=program,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        venue=session.venue,
        capacity=session.capacity,
        faculty_ids=faculty_ids,
        exclude_pk=session.pk,
    )
    if session.is_cancelled:
        # A cancelled session holds no room and no one's time; only a closed program stops an edit.
        conflicts = [c for c in conflicts if c.kind == "program"]
    if any(c.blocking for c in conflicts) or (conflicts and not acknowledge_warnings):
        raise ScheduleConflict(conflicts)

    creating = stored is None
    before = None
    if creating:
        session.save()
    else:
        before = _snapshot(stored, stored.assignments.values_list("faculty_id", flat=True))
        session.save(update_fields=EDITABLE_FIELDS)
    _set_faculty(session, faculty)
    after = _snapshot(session, faculty_ids)
    if creating:
        _record(session, SessionChange.Kind.CREATED, by, {}, after)
    else:
        _record_differences(session, before, after, by)
        if after["capacity"] > before["capacity"]:
            seats_added.send(sender=TrainingSession, session=session)
    if session.is_required and not session.is_cancelled and (creating or not before["is_required"]):
        made_required.send(sender=TrainingSession, session=session, by=by)
    return session


def _set_faculty(session: TrainingSession, faculty: list[tuple[Faculty, str]]) -> None:
    wanted = {f.pk: (position, role) for position, (f, role) in enumerate(faculty)}
    session.assignments.exclude(faculty_id__in=wanted).delete()
    existing = {a.faculty_id: a for a in session.assignments.all()}
    for faculty_id, (position, role) in wanted.items():
        assignment = existing.get(faculty_id)
        if assignment is None:
            FacultyAssignment.objects.create(session=session, faculty_id=faculty_id, role=role, position=position)
        elif (assignment.role, assignment.position) != (role, position):
            assignment.role, assignment.position = role, position
            assignment.save(update_fields=["role", "position"])


def _record_differences(session: TrainingSession, before: dict, after: dict, by) -> None:
    time_changed = (before["starts_at"], before["ends_at"]) != (after["starts_at"], after["ends_at"])
    place_changed = (before["venue"], before["online_url"]) != (after["venue"], after["online_url"])
    faculty_changed = before["faculty"] != after["faculty"]
    other_changed = {k: v for k, v in after.items() if before.get(k) != v} and not (
        time_changed or place_changed or faculty_changed
    )
    if time_changed:
        _record(session, SessionChange.Kind.RESCHEDULED, by, before, after)
    if place_changed:
        _record(session, SessionChange.Kind.MOVED, by, before, after)
    if faculty_changed:
        _record(session, SessionChange.Kind.FACULTY, by, before, after)
    if other_changed:
        _record(session, SessionChange.Kind.EDITED, by, before, after)
    if time_changed or place_changed:
        _announce(session, before, kind="rescheduled" if time_changed else "moved")


def _record(session: TrainingSession, kind: str, by, before: dict, after: dict) -> SessionChange:
    change = SessionChange.objects.create(session=session, kind=kind, changed_by=by, before=before, after=after)
    TrainingSession.objects.filter(pk=session.pk).update(sequence=F("sequence") + 1)
    return change


def session_audience(session: TrainingSession):
    """Everyone with an account who must hear about a change to this session: its faculty, and
    the lawyers holding a seat or a waitlist place (through the enrolment relation)."""
    return User.objects.filter(
        Q(faculty_profile__assignments__session=session)
        | Q(participant__enrolments__session=session, participant__enrolments__state__in=[SEATED, WAITING]),
        is_active=True,
    ).distinct()


def _announce(session: TrainingSession, before: dict, *, kind: str) -> None:
    session = TrainingSession.objects.select_related("venue", "program").get(pk=session.pk)
    if session.program.is_draft:
        return  # nobody but administrators sees a draft; its faculty hear once it is published
    old_venue = Venue.objects.filter(pk=before["venue"]).first() if before["venue"] else None
    context = {
        "session": session,
        "change": kind,
        "old_starts_at": datetime.fromisoformat(before["starts_at"]),
        "old_ends_at": datetime.fromisoformat(before["ends_at"]),
        "old_venue": old_venue,
        "old_online_url": before["online_url"],
    }
    link = reverse("sessions:session_detail", args=[session.program.slug, session.pk])
    for user in session_audience(session):
        notify(
            user,
            "session_changed",
            context,
            dedup_key=f"session-changed:{session.pk}:{session.sequence}:{user.pk}",
            link=link,
        )


@transaction.atomic
def session_cancel(*, session: TrainingSession, reason: str, by) -> TrainingSession:
    session = _lock_session(session)
    if session.program.is_closed:
        raise ValidationError(_("This program is closed; its timetable cannot change."))
    if session.is_cancelled:
        raise ValidationError(_("This session is already cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the session is cancelled; the faculty will read it.")})
    faculty_ids = list(session.assignments.values_list("faculty_id", flat=True))
    before = _snapshot(session, faculty_ids)
    session.status = SessionStatus.CANCELLED
    session.cancellation_reason = reason.strip()
    session.save(update_fields=["status", "cancellation_reason", "updated_at"])
    _record(session, SessionChange.Kind.CANCELLED, by, before, _snapshot(session, faculty_ids))
    _announce(session, before, kind="cancelled")
    return session


@transaction.atomic
def session_restore(*, session: TrainingSession, by) -> TrainingSession:
    """Undo a cancellation, if the room and the faculty are still free."""
    session = _lock_session(session)
    if not session.is_cancelled:
        raise ValidationError(_("This session is not cancelled."))
    faculty = [(a.faculty, a.role) for a in session.assignments.select_related("faculty")]
    _lock_resources(session.venue, [f.pk for f, _role in faculty])
    session.status = SessionStatus.SCHEDULED
    session.cancellation_reason = ""
    conflicts = [
        c
        for c in check_session(
            program=session.program,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            venue=session.venue,
            capacity=session.capacity,
            faculty_ids=[f.pk for f, _role in faculty],
            exclude_pk=session.pk,
        )
        if c.blocking
    ]
    if conflicts:
        raise ScheduleConflict(conflicts)
    before = _snapshot(TrainingSession.objects.get(pk=session.pk), [f.pk for f, _role in faculty])
    session.save(update_fields=["status", "cancellation_reason", "updated_at"])
    _record(session, SessionChange.Kind.RESTORED, by, before, _snapshot(session, [f.pk for f, _role in faculty]))
    _announce(session, before, kind="restored")
    return session


def faculty_invite(*, faculty: Faculty, by) -> None:
    """Give a faculty member an account: an invitation, or the role on the account they already have."""
    if not faculty.email:
        raise ValidationError({"email": _("Add the e-mail address the invitation should go to.")})
    existing = User.objects.filter(email__iexact=faculty.email, is_active=True).first()
    with transaction.atomic():
        if existing is not None:
            account_services.user_add_role(user=existing, role=Role.FACULTY)
            user = existing
        else:
            user = account_services.user_invite(
                email=faculty.email, full_name=faculty.name_zh, role=Role.FACULTY, invited_by=by
            ).user
        if Faculty.objects.filter(user=user).exclude(pk=faculty.pk).exists():
            raise ValidationError({"email": _("This account already belongs to another faculty profile.")})
        faculty.user = user
        faculty.save(update_fields=["user"])


def calendar_feed_for(user) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def calendar_feed_reset(user) -> CalendarFeed:
    """A new private address; the old one stops working at once."""
    feed = calendar_feed_for(user)
    feed.token = new_feed_token()
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed
