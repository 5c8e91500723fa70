"""Clashes in a timetable: a venue or a faculty member booked twice, and softer problems.

Both the session form (one session, before it is saved) and the conflicts page (a whole program)
use these functions; each runs a fixed number of queries whatever the program's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import FacultyAssignment, Program, TrainingSession, Venue


@dataclass(frozen=True)
class Conflict:
    kind: str  # "venue", "faculty", "dates", "capacity", "program"
    blocking: bool
    message: str
    other: TrainingSession | None = None


def _when(session: TrainingSession) -> str:
    start = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    return f"{formats.date_format(start, 'SHORT_DATE_FORMAT')} {start:%H:%M}–{end:%H:%M}"


def check_session(
    *,
    program: Program,
    starts_at: datetime,
    ends_at: datetime,
    venue: Venue | None,
    capacity: int | None,
    faculty_ids: list[int],
    exclude_pk: int | None = None,
) -> list[Conflict]:
    """What is wrong with placing a session here. Blocking ones must be fixed before saving."""
    conflicts: list[Conflict] = []
    if program.is_closed:
        conflicts.append(Conflict("program", True, _("This program is closed; its timetable cannot change.")))
    others = TrainingSession.objects.scheduled().overlapping(starts_at, ends_at).exclude(pk=exclude_pk)
    if venue is not None:
        for other in others.filter(venue=venue).select_related("program"):
            conflicts.append(
                Conflict(
                    "venue",
                    True,
                    _("%(venue)s is already booked for “%(other)s” (%(when)s).")
                    % {"venue": venue, "other": other, "when": _when(other)},
                    other,
                )
            )
    if faculty_ids:
        clashes = (
            FacultyAssignment.objects.filter(faculty_id__in=faculty_ids, session__in=others)
            .select_related("faculty", "session")
            .order_by("session__starts_at")
        )
        for assignment in clashes:
            conflicts.append(
                Conflict(
                    "faculty",
                    True,
                    _("%(faculty)s already teaches “%(other)s” at that time (%(when)s).")
                    % {"faculty": assignment.faculty, "other": assignment.session, "when": _when(assignment.session)},
                    assignment.session,
                )
            )
    first_day = timezone.localtime(starts_at).date()
    last_day = timezone.localtime(ends_at).date()
    if first_day < program.starts_on or last_day > program.ends_on:
        conflicts.append(
            Conflict(
                "dates",
                False,
                _("The session falls outside the program's dates (%(start)s – %(end)s).")
                % {"start": formats.date_format(program.starts_on), "end": formats.date_format(program.ends_on)},
            )
        )
    if venue is not None and capacity and capacity > venue.capacity:
        conflicts.append(
            Conflict(
                "capacity",
                False,
                _("%(capacity)s seats are offered but %(venue)s holds %(seats)s.")
                % {"capacity": capacity, "venue": venue, "seats": venue.capacity},
            )
        )
    return conflicts


@dataclass(frozen=True)
class Clash:
    kind: str  # "venue" or "faculty"
    subject: object  # the Venue or Faculty booked twice
    first: TrainingSession
    second: TrainingSession

    @property
    def pair(self) -> tuple[TrainingSession, TrainingSession]:
        return self.first, self.second


def program_clashes(program: Program) -> tuple[list[Clash], list[tuple[TrainingSession, Conflict]]]:
    """Every double booking touching the program, and its sessions' softer problems (3 queries)."""
    sessions = list(
        TrainingSession.objects.scheduled()
        .filter(program=program)
        .select_related("venue", "topic", "program")
        .order_by("starts_at", "pk")
    )
    if not sessions:
        return [], []
    window_start = min(s.starts_at for s in sessions)
    window_end = max(s.ends_at for s in sessions)
    # Sessions of other programs count too: a room or a person is booked whatever the program.
    neighbours = list(
        TrainingSession.objects.scheduled()
        .exclude(program=program)
        .overlapping(window_start, window_end)
        .select_related("venue", "program")
    )
    everything = {s.pk: s for s in sessions + neighbours}
    ours = {s.pk for s in sessions}

    by_venue: dict[int, list[TrainingSession]] = defaultdict(list)
    for session in everything.values():
        if session.venue_id:
            by_venue[session.venue_id].append(session)
    by_faculty: dict[int, list[TrainingSession]] = defaultdict(list)
    faculty_by_pk = {}
    for assignment in FacultyAssignment.objects.filter(session_id__in=everything).select_related("faculty"):
        by_faculty[assignment.faculty_id].append(everything[assignment.session_id])
        faculty_by_pk[assignment.faculty_id] = assignment.faculty

    clashes = []
    for booked in by_venue.values():
        clashes += _overlaps("venue", booked[0].venue, booked, ours)
    for faculty_id, booked in by_faculty.items():
        clashes += _overlaps("faculty", faculty_by_pk[faculty_id], booked, ours)
    clashes.sort(key=lambda clash: (clash.first.starts_at, clash.kind))

    warnings = []
    for session in sessions:
        day_first = timezone.localtime(session.starts_at).date()
        day_last = timezone.localtime(session.ends_at).date()
        if day_first < program.starts_on or day_last > program.ends_on:
            warnings.append((session, Conflict("dates", False, _("Outside the program's dates."))))
        if session.venue and session.capacity > session.venue.capacity:
            warnings.append(
                (
                    session,
                    Conflict(
                        "capacity",
                        False,
                        _("%(capacity)s seats offered; the venue holds %(seats)s.")
                        % {"capacity": session.capacity, "seats": session.venue.capacity},
                    ),
                )
            )
    return clashes, warnings


def _overlaps(kind: str, subject, booked: list[TrainingSession], ours: set[int]) -> list[Clash]:
    """Pairs of overlapping bookings of one venue or person, at least one of them in our program."""
    booked = sorted(booked, key=lambda s: s.starts_at)
    found = []
    active: list[TrainingSession] = []
    for session in booked:
        active = [other for other in active if other.ends_at > session.starts_at]
        for other in active:
            if other.pk in ours or session.pk in ours:
                found.append(Clash(kind, subject, other, session))
        active.append(session)
    return found
