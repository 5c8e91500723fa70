"""The instants at which a date computed the wrong way breaks: around midnight in UTC and in Beijing,
on the last day of a month, of a year, and on a leap day. Tests marked `clock_edges` run at each of them as
well as at the real time; `--clock=ISO-8601` (or TEST_CLOCK) starts the whole suite at any instant.

Time moves on from the instant (tick=True), so durations, timeouts and signed tokens behave as they would.
Processes the suite starts (Celery workers, gunicorn) keep the real clock: run them at the real time."""

from __future__ import annotations

import contextlib
from datetime import datetime

import time_machine

EDGES = {
    "utc-2330-year-end": "2026-12-31T23:30:00+00:00",  # Beijing is already on 1 January, 07:30
    "utc-0010-month-start": "2027-05-01T00:10:00+00:00",
    "beijing-2330-month-end": "2027-04-30T23:30:00+08:00",  # UTC still on the 30th, 15:30
    "beijing-0010-year-start": "2027-01-01T00:10:00+08:00",  # UTC still on 31 December
    "beijing-2330-year-end": "2027-12-31T23:30:00+08:00",
    "utc-2330-leap-day": "2028-02-29T23:30:00+00:00",
}


def instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text}: give the offset (Z or +08:00), so the instant is unambiguous")
    return value


@contextlib.contextmanager
def at(when: str | None):
    """The clock at `when` (an ISO-8601 instant or a name in EDGES) while the block runs; None: real time."""
    if when is None:
        yield
        return
    with time_machine.travel(instant(EDGES.get(when, when)), tick=True):
        yield
