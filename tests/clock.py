"""The instants at which a date computed the wrong way breaks: around midnight in UTC and in Beijing,
on the last day of a month, of a year, and on a leap day. Tests marked `clock_edges` run at each of them as
well as at the real time.

`--clock=ISO-8601` (or TEST_CLOCK; a name in EDGES too) starts the suite at any instant: each test, and
each module's world, runs on a clock that began at that instant when the suite began. Processes the suite
starts (Celery workers, gunicorn, Chromium) keep the real clock, so tests marked `services` or `e2e` run at
the real time, as do those marked `real_clock` (they compare times the operating system stamps, such as a
file's).

Time moves on from the instant (tick=True), so durations, timeouts and signed tokens behave as they would."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime, timedelta

import time_machine

EDGES = {
    "utc-2330-year-end": "2026-12-31T23:30:00+00:00",  # Beijing is already on 1 January, 07:30
    "utc-0010-month-start": "2027-05-01T00:10:00+00:00",
    "beijing-2330-month-end": "2027-04-30T23:30:00+08:00",  # UTC still on the 30th, 15:30
    "beijing-0010-year-start": "2027-01-01T00:10:00+08:00",  # UTC still on 31 December
    "beijing-2330-year-end": "2027-12-31T23:30:00+08:00",
    "utc-2330-leap-day": "2028-02-29T23:30:00+00:00",
}

# Markers of tests that keep the real clock whatever --clock says.
REAL_CLOCK = ("services", "e2e", "real_clock")

_suite: tuple[datetime, float] | None = None  # the --clock instant, and the monotonic time the suite began


def instant(text: str) -> datetime:
    value = datetime.fromisoformat(EDGES.get(text, text).replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text}: give the offset (Z or +08:00), so the instant is unambiguous")
    return value


@contextlib.contextmanager
def at(when: str | datetime | None):
    """The clock at `when` (an ISO-8601 instant, a name in EDGES, or a datetime) while the block runs; None:
    real time."""
    if when is None:
        yield
        return
    with time_machine.travel(when if isinstance(when, datetime) else instant(when), tick=True):
        yield


def start_suite(when: str | None) -> None:
    """The suite's clock starts at `when` now (None: the real clock)."""
    global _suite
    _suite = (instant(when), time.monotonic()) if when else None


def suite_now() -> datetime | None:
    """What the suite's clock shows now (None when it is the real one): it ticks on from its instant however
    many tests have travelled meanwhile, so a module's world is never younger than its tests."""
    if _suite is None:
        return None
    start, began = _suite
    return start + timedelta(seconds=time.monotonic() - began)


@contextlib.contextmanager
def suite():
    """The suite's clock (--clock) while the block runs: for worlds built once for a module."""
    with at(suite_now()):
        yield


@contextlib.contextmanager
def real():
    """The real clock while the block runs, even inside a module's world on the suite's clock."""
    if not time_machine.escape_hatch.is_travelling():
        yield
        return
    with at(datetime.fromtimestamp(time_machine.escape_hatch.time.time(), UTC)):
        yield
