"""Timetable rows, prepared in Python once per session so that long timetables render quickly.

A template that formats dates, reverses URLs and looks up choice labels for each of 2,000
sessions spends most of its time doing so; these rows carry the finished strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import FacultyAssignment, Program, SessionFormat, TrainingSession

# What every page listing sessions prefetches for the faculty names of its rows.
ASSIGNMENTS = Prefetch("assignments", queryset=FacultyAssignment.objects.select_related("faculty"))

# Words every row may show, translated once per page rather than once per row.
ROW_LABELS = {
    "label_required": _("Required"),
    "label_elective": _("Elective"),
    "label_cancelled": _("Cancelled"),
    "label_online": _("Online"),
}


@dataclass(frozen=True, slots=True)
class Row:
    pk: int
    url: str
    day: date
    date: str
    starts: str
    ends: str
    title: str
    format: str
    format_label: str
    required: bool
    cancelled: bool
    venue: str
    topic: str
    faculty: tuple[str, ...]  # names, joined by the template as its language lists them
    program: str


def _detail_url_prefix(slug: str) -> str:
    """The session page address without its id: reversed once, not once per row."""
    return reverse("sessions:session_detail", args=[slug, 0]).removesuffix("0/")


def rows(sessions: Iterable[TrainingSession]) -> list[Row]:
    """Sessions need `program`, `venue`, `topic` and `assignments__faculty` loaded."""
    labels = {value: str(label) for value, label in SessionFormat.choices}
    prefixes: dict[str, str] = {}
    result = []
    for session in sessions:
        slug = session.program.slug
        prefix = prefixes.get(slug) or prefixes.setdefault(slug, _detail_url_prefix(slug))
        start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        result.append(
            Row(
                pk=session.pk,
                url=f"{prefix}{session.pk}/",
                day=start.date(),
                date=formats.date_format(start, "SHORT_DATE_FORMAT"),
                starts=f"{start:%H:%M}",
                ends=f"{end:%H:%M}",
                title=session.title,
                format=session.format,
                format_label=labels[session.format],
                required=session.is_required,
                cancelled=session.is_cancelled,
                venue=session.venue.name if session.venue_id else "",
                topic=session.topic.name if session.topic_id else "",
                faculty=tuple(a.faculty.name for a in session.assignments.all()),
                program=session.program.name,
            )
        )
    return result


def by_day(items: list[Row]) -> list[tuple[date, list[Row]]]:
    days: list[tuple[date, list[Row]]] = []
    for row in items:
        if not days or days[-1][0] != row.day:
            days.append((row.day, []))
        days[-1][1].append(row)
    return days


FRAGMENT_SECONDS = 3600


def _fragment_key(program: Program, pk: int, mark: str, marked: bool) -> str:
    # The program's version moves with everything a row shows (sessions/signals.py), so a changed session is
    # simply read under a new key; the language chooses the titles, labels and date format.
    stamp = f"{program.schedule_version}.{program.updated_at.timestamp():.6f}"
    return f"timetable-row:{program.pk}:{stamp}:{translation.get_language()}:{pk}:{mark}:{int(marked)}"


def fragments(seats: list[tuple[int, Program]], marks: dict[int, str], mark_labels: dict[str, str]) -> dict[int, str]:
    """A person's own sessions (id, its program) as rendered timetable rows with the date, each with their
    mark (a status of `marks`, shown by its label) or, while they have none at all, an elective's enrol slot.

    Rows are shared by everyone with the same mark, so they come from the cache: a page of 200 sessions
    joins strings rather than rendering 200 rows. The missing ones are rendered with two queries."""
    marked = bool(marks)
    keys = {pk: _fragment_key(program, pk, marks.get(pk, ""), marked) for pk, program in seats}
    found = cache.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        sessions = (
            TrainingSession.objects.filter(pk__in=missing)
            .select_related("topic", "venue", "program")
            .prefetch_related(ASSIGNMENTS)
        )
        context = {"show_date": True, "marked": marked, **{name: str(label) for name, label in ROW_LABELS.items()}}
        made = {
            keys[row.pk]: render_to_string(
                "sessions/_rows.html#row",
                {**context, "row": row, "mark": marks.get(row.pk), "mark_label": mark_labels.get(marks.get(row.pk))},
            )
            for row in rows(sessions)
        }
        cache.set_many(made, FRAGMENT_SECONDS)
        found.update(made)
    return {pk: mark_safe(found[key]) for pk, key in keys.items() if key in found}  # noqa: S308 - rendered above
