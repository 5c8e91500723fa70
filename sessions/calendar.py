"""iCalendar (RFC 5545) feeds: stable UIDs, SEQUENCE and Asia/Shanghai times, so phone calendars follow changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar, Event, vText

from .models import TrainingSession

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def session_uid(session: TrainingSession) -> str:
    return f"session-{session.pk}@{_host()}"


def build_calendar(sessions: Iterable[TrainingSession], *, name: str, language: str) -> bytes:
    """Sessions need `program`, `venue` and `assignments__faculty` loaded."""
    calendar = Calendar()
    calendar.add("prodid", "-//FIPR Lawyers Training//trainingprog//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    with translation.override(language):
        for session in sessions:
            calendar.add_component(_event(session))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _event(session: TrainingSession) -> Event:
    event = Event()
    event.add("uid", session_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", session.updated_at)
    event.add("last-modified", session.updated_at)
    event.add("dtstart", timezone.localtime(session.starts_at, SHANGHAI))
    event.add("dtend", timezone.localtime(session.ends_at, SHANGHAI))
    event.add("summary", session.title)
    faculty = ", ".join(f"{a.faculty.name} ({a.get_role_display()})" for a in session.assignments.all())
    description = "\n\n".join(part for part in (faculty, session.description) if part)
    if description:
        event.add("description", description)
    if session.venue is not None:
        location = session.venue.name
        if session.venue.address:
            location = f"{location}, {session.venue.address}"
        event["location"] = vText(location)
    elif session.online_url:
        event["location"] = vText(session.online_url)
    url = settings.SITE_URL + reverse("sessions:session_detail", args=[session.program.slug, session.pk])
    event.add("url", url)
    event.add("categories", [session.get_format_display()])
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    return event
