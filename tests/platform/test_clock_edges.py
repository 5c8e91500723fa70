"""The suite does not depend on the hour it runs at.

The worlds the security matrix, the query budgets and the property tests stand on are built at each edge
instant of tests/clock.py (around midnight in UTC and in Beijing, at the end of a month and of a year, on a
leap day), and every page is opened there as a person allowed to see it. Tests elsewhere that read "now"
carry the `clock_edges` mark and run at the same instants. And the kind of code that broke the build (an
hour or a day computed by replacing a field with arithmetic, hour 24 after 22:00) is refused wherever it
is written.
"""

from __future__ import annotations

import ast
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from tests import clock
from tests.factories import SessionFactory

from .access import expected
from .fuzz_world import build_world as build_fuzz_world
from .test_security_matrix import APP_ROUTES, ROUTES, check_get, url_of
from .world import ROLES, build_world

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRECTORIES = {".venv", "var", ".git", "node_modules", "migrations", "static"}
CALENDAR_FIELDS = {"year", "month", "day", "hour", "minute", "second"}


def _python_files():
    for path in ROOT.rglob("*.py"):
        if not SKIP_DIRECTORIES & set(path.relative_to(ROOT).parts):
            yield path


def test_no_date_is_computed_by_replacing_a_field():
    """`t.replace(hour=t.hour + 2)` fails after 22:00 and `d.replace(day=d.day + 1)` at the end of a month:
    a field may be replaced by a constant (the start of a day), never by arithmetic; add a timedelta."""
    found = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "replace":
                for keyword in node.keywords:
                    if keyword.arg in CALENDAR_FIELDS and not isinstance(keyword.value, ast.Constant):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} replace({keyword.arg}=…)")
    assert not found, "compute dates with timedelta, not by replacing fields:\n" + "\n".join(found)


def test_the_edges_are_what_they_say():
    """Each edge instant is where its name puts it, in Beijing time as the app shows it."""
    beijing = {name: timezone.localtime(clock.instant(text)) for name, text in clock.EDGES.items()}
    assert beijing["utc-2330-year-end"].date().isoformat() == "2027-01-01"
    assert beijing["beijing-0010-year-start"].astimezone(UTC).date().isoformat() == "2026-12-31"
    assert (beijing["beijing-2330-month-end"].month, beijing["beijing-2330-month-end"].day) == (4, 30)
    assert beijing["utc-2330-leap-day"].date().isoformat() == "2028-03-01"


@pytest.fixture
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


def _allowed(route) -> list[str]:
    """The people who may open the URL, the administrator first; everyone else is checked by the matrix."""
    allowed = [role for role in reversed(ROLES) if expected(route, role) == "200"]
    return allowed[:2]


@pytest.mark.django_db
@pytest.mark.parametrize("edge", clock.EDGES)
def test_every_page_opens_at_the_edges(edge, media):
    """The security matrix's world, built at the edge, and every page of the app opened there as the people
    allowed to see it: each answers as the access table declares."""
    with clock.at(edge), transaction.atomic():
        world = build_world()
        build_fuzz_world()
        SessionFactory(starts_at=timezone.now() + timedelta(minutes=45))  # runs past midnight
        failures = []
        for key in APP_ROUTES:
            route = ROUTES[key]
            url = url_of(route, world)
            for role in _allowed(route):
                try:
                    check_get(world.client(role), url, f"GET {url} ({key}) as {role} at {edge}", "200")
                except AssertionError as failure:
                    failures.append(str(failure).splitlines()[0])
        transaction.set_rollback(True)
    assert not failures, "\n".join(failures)
