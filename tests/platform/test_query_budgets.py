"""Query budgets: every page (HTML, exports, htmx fragments, the admin) asks the database as many times
on a small world as on one with many more of every kind of row (tests/platform/world.py `grow`).

Each page is counted as each person who may see it (the access table in access.py says who), uncached,
once on the small world and once after `grow`; the counts must be equal. A page whose count grows runs
a query per row somewhere: an N+1 to fix in its view or service. The grown pages (and their searches)
show forms the small world has no rows for: their CSRF tokens and the headers are checked there too.

A count that stays the same does not say each query stays cheap: a lawyer's documents (transcript, certificate,
calendar feed, My program) are also held to the rows they read, in test_row_budgets.py.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .access import ACCESS, expected, routes
from .checks import check_forms, check_headers
from .world import admin_kwargs, grow, kwargs_for, world_for_module

GROWTH = 30
ROUTES = {route.key: route for route in routes()}
# The kinds of people whose pages differ; the other lawyer, faculty and coordinator see what these see.
COUNTED_ROLES = ("anonymous", "lawyer", "faculty", "administrator", "coordinator")
HTMX = {"HX-Request": "true"}


@dataclass(frozen=True)
class Page:
    key: str
    role: str
    params: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    kwargs: dict = field(default_factory=dict)  # values to use instead of the world's

    @property
    def label(self) -> str:
        extra = "&".join(f"{k}={v}" for k, v in {**self.kwargs, **self.params}.items())
        htmx = " htmx" if self.headers else ""
        return f"{self.key}{'?' + extra if extra else ''}{htmx} as {self.role}"


# Exports, searches, other views and htmx fragments of pages, beyond what the plain GET shows.
EXTRA_PAGES = [
    Page("participants:roster", "administrator", {"export": "csv"}),
    Page("participants:roster", "administrator", {"export": "xlsx"}),
    Page("participants:roster", "administrator", {"q": "l"}),
    Page("participants:admissions", "administrator", {"q": "l"}),
    Page("nominations:province", "coordinator", {"q": "l"}),
    Page("nominations:upload", "coordinator", {"blank": "xlsx"}),
    Page("nominations:province", "coordinator", {"export": "xlsx"}),
    Page("nominations:province", "coordinator", {"export": "list"}),
    Page("nominations:office_province", "administrator", {"export": "list"}),
    Page("assessment:queue", "faculty", {"export": "xlsx"}),
    Page("assessment:queue", "faculty", {"show": "ungraded", "province": "44"}),
    Page("evaluations:results", "administrator", {"export": "xlsx"}),
    Page("participants:completion", "administrator", {"export": "csv"}),
    Page("participants:completion", "administrator", {"export": "xlsx"}),
    Page("participants:completion", "administrator", {"sort": "rate", "outcome": "completed"}),
    Page("participants:attendance_report", "administrator", {"export": "csv"}),
    Page("participants:attendance_report", "administrator", {"export": "xlsx"}),
    Page("participants:lawyer_transcript", "administrator", kwargs={"fmt": "xlsx"}),
    Page("participants:my_transcript", "lawyer", kwargs={"fmt": "xlsx"}),
    Page("faculty:roster", "faculty", kwargs={"fmt": "xlsx"}),
    Page("participants:attendance_roster", "faculty", {"q": "l"}, {**HTMX, "HX-Target": "roster-body"}),
    Page("participants:checkin_screen", "faculty", headers=HTMX),
    Page("participants:import_job", "administrator", headers=HTMX),
    Page("participants:import_job", "administrator", {"export": "xlsx"}),
    Page("sessions:schedule", "lawyer", {"view": "week"}),
    Page("sessions:schedule", "lawyer", {"view": "day"}),
    Page("sessions:schedule", "administrator", {"format": "lecture"}),
    Page("sessions:faculty_directory", "lawyer", {"kind": "university"}),
    Page("accounts:user_list", "administrator", {"q": "world"}),
    Page("notifications:outbox", "administrator", {"state": "queued"}),
    Page("notifications:inbox", "lawyer", {"page": "2"}),
    Page("certificates:manage", "administrator", {"lawyer": "l"}),
    Page("sessions_manage:faculty_list", "administrator", {"q": "Expert"}),
    Page("sessions:program_ics", "anonymous", {"key": "<feed>"}),
]


def pages() -> list[Page]:
    found = []
    for key, route in ROUTES.items():
        if "@" in key or not (route.is_admin or key in ACCESS):
            continue  # a variant is the same view again; an undeclared URL fails the security matrix
        found += [Page(key, role) for role in COUNTED_ROLES if expected(route, role) == "200"]
    return found + EXTRA_PAGES


PAGES = {page.label: page for page in pages()}


def url_of(page: Page, world) -> str:
    route = ROUTES[page.key]
    if route.is_admin:
        values = admin_kwargs(route.pattern, route.arguments)
    else:
        values = {**kwargs_for(world, route.key, route.arguments), **page.kwargs}
    if route.name:
        return reverse(route.name, kwargs=values)
    return "/" + route.route.replace("<path:object_id>", values["object_id"])


def count(page: Page, world, clients):
    """One uncached request for the page (whatever it writes is undone): the answer, its body and the
    SQL of its queries."""
    params = {k: (world.feed_token if v == "<feed>" else v) for k, v in page.params.items()}
    url = url_of(page, world)
    cache.clear()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        response = clients[page.role].get(url, params, headers=page.headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    return response, body, [q["sql"] for q in queries.captured_queries]


@pytest.fixture(scope="module")
def counted(django_db_setup, django_db_blocker, tmp_path_factory):
    """Every page counted on the small world, then the world grown; the tests count again and compare."""
    with world_for_module(django_db_blocker, tmp_path_factory.mktemp("media")) as world:
        with django_db_blocker.unblock():
            # Django keeps content types in memory once read: read them all now, for both counts alike.
            ContentType.objects.get_for_models(*apps.get_models())
            clients = {role: world.client(role) for role in COUNTED_ROLES}
            small = {}
            for label, page in PAGES.items():
                response, _body, sql = count(page, world, clients)
                small[label] = (response.status_code, sql)
            grow(world, GROWTH)
        yield world, clients, small


@pytest.mark.django_db
@pytest.mark.parametrize("label", list(PAGES))
def test_query_count_does_not_grow_with_the_data(label, counted):
    world, clients, small = counted
    page = PAGES[label]
    status, small_sql = small[label]
    assert status == 200, f"{page.label}: {status} on the small world"
    response, body, large_sql = count(page, world, clients)
    where = f"GET {url_of(page, world)} ({page.label})"
    assert response.status_code == 200, f"{where}: {response.status_code} on the large world"
    # Pages full of rows (and searches) show forms the small world does not: their tokens, the headers.
    check_headers(response, where)
    if response["Content-Type"].startswith("text/html"):
        check_forms(body.decode(), where)
    before, after = len(small_sql), len(large_sql)
    added = shapes(large_sql) - shapes(small_sql)
    assert after == before, (
        f"{where}: {before} queries on the small world, {after} after growing "
        f"it by {GROWTH} of everything. Queries the large world runs more often:\n"
        + "\n".join(f"{n}× {sql}" for sql, n in added.most_common(3))
    )


def shapes(queries: list[str]) -> Counter:
    """Queries told apart by their text with the numbers left out."""
    return Counter(re.sub(r"\d+", "N", sql)[:400] for sql in queries)
