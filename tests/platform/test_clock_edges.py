"""The suite does not depend on the hour it runs at.

The worlds the security matrix, the query budgets and the property tests stand on are built at each edge
instant of tests/clock.py (around midnight in UTC and in Beijing, at the end of a month and of a year, on a
leap day), and every page is opened there as a person allowed to see it. Tests elsewhere whose assertions
meet a day boundary (today, an end, a check-in window, a feed, a date shown in Beijing time, a deadline)
carry the `clock_edges` mark and run at the same instants; a test module that reads the clock has such a
test, or says why none of its assertions can meet one. And the kind of code that broke the build (an hour
or a day computed by replacing a field with arithmetic, hour 24 after 22:00) is refused wherever it is
written.
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


# Test modules that read the clock with no test marked `clock_edges`, and why no assertion of theirs meets a
# day boundary. (Modules whose tests all start processes, marked `services`, and the browser tests keep
# the real clock: they are not asked.)
READS_THE_CLOCK_UNMARKED = {
    "tests/accounts/test_language.py": "an hour later, on a clock of its own (time_machine, not ticking)",
    "tests/accounts/test_login.py": "the sign-in pause's minutes, on a clock of its own",
    "tests/accounts/test_password_reset.py": "ages in minutes and hours: no date",
    "tests/certificates/test_orphan_pdfs.py": "file ages in minutes: no date",
    "tests/notifications/test_outbox_services.py": "durations only: retry back-off and leases, no date",
    "tests/participants/test_import_jobs.py": "the import task's time limit, in seconds",
    "tests/participants/test_import_locks.py": "the order of locks; its sessions are days away",
    "tests/platform/test_clock_edges.py": "builds every world and opens every page at each edge itself",
    "tests/platform/test_forms_as_served.py": "the module's world (built at each edge above); typed dates two weeks on",
    "tests/practice/test_question_races.py": "a seminar running now, set from the clock; it counts votes, no date",
    "tests/platform/test_row_budgets.py": "rows read, the same at any hour; its sessions are days from now",
}


def _reads_the_clock(node: ast.AST) -> bool:
    """timezone.now(), timezone.localdate() and localtime() of now, datetime.now(), date.today()."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    owner = node.func.value
    owner = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
    name, of_now = node.func.attr, not node.args and not node.keywords
    return (
        (owner == "timezone" and (name == "now" or (name in ("localdate", "localtime") and of_now)))
        or (owner == "datetime" and name in ("now", "utcnow", "today"))
        or (owner == "date" and name == "today")
    )


def _marks(tree: ast.Module) -> set[str]:
    """The pytest marks the module names (on itself or on any test): pytest.mark.<name>."""
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "mark"
    }


def _module_marks(tree: ast.Module) -> set[str]:
    """The marks of `pytestmark = ...`: those every test of the module carries."""
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets):
            found |= _marks(ast.Module(body=[node], type_ignores=[]))
    return found


def test_a_test_module_that_reads_the_clock_runs_a_test_at_the_edges():
    """A test that reads "now" may meet a day boundary at 23:30 or 00:10: its module has a test marked
    `clock_edges` (one whose assertion involves today, an end, a check-in window, a feed, a date shown in
    Beijing time or a deadline), or says in READS_THE_CLOCK_UNMARKED why none of its assertions can."""
    tests = ROOT / "tests"
    unmarked = {}
    for path in sorted(tests.rglob("test_*.py")):
        name = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(), name)
        if "e2e" in path.relative_to(tests).parts or "services" in _module_marks(tree) or "clock_edges" in _marks(tree):
            continue
        reads = sorted({node.lineno for node in ast.walk(tree) if _reads_the_clock(node)})
        if reads:
            unmarked[name] = f"{name} (line {', '.join(map(str, reads[:5]))})"
    missing = [unmarked[name] for name in unmarked if name not in READS_THE_CLOCK_UNMARKED]
    assert not missing, "read the clock without a test marked clock_edges:\n" + "\n".join(missing)
    stale = sorted(set(READS_THE_CLOCK_UNMARKED) - set(unmarked))
    assert not stale, f"READS_THE_CLOCK_UNMARKED names modules that read no clock or have a marked test: {stale}"


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
        failures, checked = [], 0
        for key in APP_ROUTES:
            route = ROUTES[key]
            url = url_of(route, world)
            for role in _allowed(route):
                checked += 1
                try:
                    check_get(world.client(role), url, f"GET {url} ({key}) as {role} at {edge}", "200")
                except AssertionError as failure:
                    failures.append(str(failure).splitlines()[0])
        transaction.set_rollback(True)
    assert not failures, "\n".join(failures)
    assert checked >= 100, f"only {checked} pages were opened: the walk lost the URLconf or the access table"
