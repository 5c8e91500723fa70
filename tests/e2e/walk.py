"""Every page of the URLconf that a person may open, in the real browser.

The world of tests/platform/world.py (grown a little, so lists hold several kinds of row) is committed for
the live server once per test module and flushed afterwards, as a transactional test leaves the database.
The access table (tests/platform/access.py) says who may open each URL: each page is opened as each kind of
person it answers (the other lawyer and the other faculty member see what these see), a redirect is
followed to where it leads, and each refusal page (400, 403, 404, 410) is opened once. Downloads, feeds and
htmx fragments (anything but a whole HTML page) are left out: a fragment is seen in the page that loads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from tests.platform.access import ACCESS, routes
from tests.platform.world import World, build_world, grow, kwargs_for

# The kinds of people whose pages differ (as in tests/platform/test_query_budgets.py).
KINDS = ("anonymous", "lawyer", "faculty", "administrator")
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


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, live_server, tmp_path_factory) -> Iterator[World]:
    """The world, committed where the live server reads it; the tests may use the ORM while it lives."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        try:
            world = build_world()
            grow(world, 6)
            yield world
        finally:
            call_command("flush", interactive=False, verbosity=0)


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
            cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": self.language, "url": self.base_url}]
            if role != "anonymous":
                client = self.world.client(role)
                session = client.cookies[settings.SESSION_COOKIE_NAME].value
                cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": self.base_url})
            context.add_cookies(cookies)
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


def open_pages(crowd: People, world: World) -> Iterator[tuple[Visit, object]]:
    """Each HTML page of the walk, loaded in its person's tab: (the visit, the page). A redirect is followed;
    a page reached twice (two redirects to one place) is given once."""
    seen = set()
    tabs = {}
    for visit in visits():
        context = crowd.context(visit.role)
        url = url_of(visit, world)
        answer = context.request.get(url)  # what it is, before a browser tab would start a download
        if not answer.headers.get("content-type", "").startswith("text/html") or "<html" not in answer.text():
            continue  # a file, a feed, or an htmx fragment (checked in the page that loads it)
        if visit.role not in tabs:
            tabs[visit.role] = context.new_page()
        page = tabs[visit.role]
        page.goto(url)
        page.wait_for_function("!document.querySelector('.htmx-request')")  # what the page loads at once
        landed = (visit.role, page.url.split("#")[0])
        if visit.outcome == "302" and landed in seen:
            continue
        seen.add(landed)
        yield visit, page
