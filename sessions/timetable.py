"""Timetable rows, prepared in Python once per session so that long timetables render quickly.

A template that formats dates, reverses URLs and looks up choice labels for each of 2,000
sessions spends most of its time doing so; these rows carry the finished strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from .models import FacultyAssignment, SessionFormat, TrainingSession

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
