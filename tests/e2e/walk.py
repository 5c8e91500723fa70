"""Every page of the URLconf that a person may open, in the real browser.

The world of tests/platform/world.py (grown a little, so lists hold several kinds of row) is committed for
the live server and flushed after the test, as a transactional test leaves the database.
The access table (tests/platform/access.py) says who may open each URL: each page is opened as each kind of
person it answers (the other lawyer and the other faculty member see what these see), a redirect is
followed to where it leads, and each refusal page (400, 403, 404, 410) is opened once. Downloads, feeds and
htmx fragments (anything but a whole HTML page) are left out: a fragment is seen in the page that loads it.
The Django admin (its own family in the access table: Django's templates, for staff) is not walked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.platform.access import ACCESS, routes
from tests.platform.world import World, build_world, grow, kwargs_for

# htmx in the walk's tabs: a page's own requests (what it loads at once) run; once the page has settled, the
# walk stops any more (a poll every few seconds), so the page stays as it is while it is checked.
STOPPABLE_HTMX = """document.addEventListener("htmx:beforeRequest", (event) => {
  if (window.__htmxStopped) event.preventDefault();
});"""
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"

# The kinds of people whose pages differ (as in tests/platform/test_query_budgets.py).
KINDS = ("anonymous", "lawyer", "faculty", "administrator", "coordinator")
REFUSALS = ("400", "403", "404", "410")


@dataclass(frozen=True)
class Visit:
    key: str  # the URL's name in the access table
    role: str
    outcome: str  # what the access table declares: 200, 302 or a refusal

    def __str__(self) -> str:
        return f"{self.key} as {self.role}"


def visits() -> list[Visit]:
    """The pages to open, in the URLconf's order."""
    found, refusals = [], set()
    for route in routes():
        if route.is_admin:
            continue
        for role in KINDS:
            outcome = ACCESS[route.key][role]
            if outcome in ("200", "302"):
                found.append(Visit(route.key, role, outcome))
            elif outcome in REFUSALS and outcome not in refusals:
                refusals.add(outcome)
                found.append(Visit(route.key, role, outcome))
    return found


@pytest.fixture
def world(transactional_db, live_server, settings, tmp_path) -> World:
    """The world, committed where the live server reads it (and flushed after the test)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world()
    grow(world, 6)
    return world


def url_of(visit: Visit, world: World) -> str:
    route = next(r for r in routes() if r.key == visit.key)
    return reverse(route.name, kwargs=kwargs_for(world, visit.key, route.arguments))


class People:
    """One browser context per kind of person, signed in (a session made on the server, as the security
    matrix's clients are) and speaking `language`; all closed at the end."""

    def __init__(self, browser, world: World, base_url: str, *, language: str = "zh-hans", **options):
        self.browser, self.world, self.base_url = browser, world, base_url
        self.language, self.options = language, options
        self.contexts: dict[str, object] = {}

    def context(self, role: str):
        if role not in self.contexts:
            locale = "zh-CN" if self.language.startswith("zh") else "en-US"
            context = self.browser.new_context(base_url=self.base_url, locale=locale, **self.options)
            cookies = [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": self.language, "url": self.base_url}]
            if role != "anonymous":
                client = self.world.client(role)
                session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
                cookies.append({"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": self.base_url})
            context.add_cookies(cookies)
            context.add_init_script(STOPPABLE_HTMX)
            context.set_default_timeout(15_000)
            self.contexts[role] = context
        return self.contexts[role]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@contextmanager
def people(browser, world: World, base_url: str, **options):
    crowd = People(browser, world, base_url, **options)
    try:
        yield crowd
    finally:
        crowd.close()


def html_pages(crowd: People, world: World) -> list[Visit]:
    """The visits that answer a whole HTML page (asked once without a tab: a tab would start a download for a
    file). Not a file, a feed or an htmx fragment, which is seen in the page that loads it."""
    found = []
    for visit in visits():
        answer = crowd.context(visit.role).request.get(url_of(visit, world))
        if answer.headers.get("content-type", "").startswith("text/html") and "<html" in answer.text():
            found.append(visit)
    return found


def settle(page) -> None:
    """Wait for what the page loads at once (its htmx requests, their swaps and settling), then stop htmx
    starting any more: the page is checked as it is, not while a poll replaces part of it."""
    page.wait_for_function(SETTLED)
    page.evaluate("window.__htmxStopped = true")
    page.wait_for_function(SETTLED)  # one that began before the stop


def open_pages(crowd: People, world: World, pages: list[Visit]) -> Iterator[tuple[Visit, object]]:
    """Each page loaded in its person's tab, with what it loads at once, then still: (the visit, the tab).
    The address is made when the page is opened (a check-in code lives a minute). A redirect is followed; a
    place two redirects lead to is given once."""
    seen, tabs = set(), {}
    for visit in pages:
        if visit.role not in tabs:
            tabs[visit.role] = crowd.context(visit.role).new_page()
        page = tabs[visit.role]
        page.goto(url_of(visit, world))
        settle(page)
        landed = (visit.role, page.url.split("#")[0])
        if visit.outcome == "302" and landed in seen:
            continue
        seen.add(landed)
        yield visit, page
