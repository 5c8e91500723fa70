"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against pytest-django's live server."""

import io
import os
import re
import shutil
from datetime import datetime, time, timedelta
from email.message import Message
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from .axe import assert_accessible

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "var" / "screenshots"))
JOURNEYS = Path(os.environ.get("JOURNEY_DIR", ROOT / "var" / "journeys"))
DESKTOP = {"viewport": {"width": 1280, "height": 860}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make between
    # page actions are still plain synchronous calls. Only while a browser module runs.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    if not Path(CHROMIUM).exists():
        message = f"Chromium is needed for browser tests: {CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it (.ci/run): its absence there is a failure
        pytest.skip(message)
    with sync_playwright() as playwright:
        try:
            yield playwright
        finally:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _launch(playwright, language: str):
    """Chromium speaking `language` (e.g. zh_CN) in its own widgets too: the file picker's button and
    the date fields' placeholders (with Debian's chromium-l10n; without it they stay in English)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run", "--disable-quic", "--lang=" + language.replace("_", "-")],
        env={**os.environ, "LANGUAGE": language},  # not LANG: without that locale, file names would not pass
    )  # fmt: skip


@pytest.fixture(scope="module")
def browser(playwright):
    """A Chinese user's Chromium, as the application's default language is Chinese."""
    browser = _launch(playwright, "zh_CN")
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def english_browser(playwright):
    browser = _launch(playwright, "en_US")
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


DEMO_COPY = "e2e_demo"  # the schema of the test database that keeps the demo's rows for the session


@pytest.fixture(scope="session")
def demo_copy(django_db_setup, django_db_blocker) -> list[str]:
    """seed_demo, run once for the session, its rows copied table by table into a schema of their own, the
    database then emptied again: the tables the copy holds. (Its files stay in MEDIA_ROOT.)"""
    from django.db import connection
    from django.test import override_settings

    with django_db_blocker.unblock():
        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=io.StringIO())
        tables = connection.introspection.table_names()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {DEMO_COPY} CASCADE; CREATE SCHEMA {DEMO_COPY}")
            for table in tables:
                cursor.execute(f'CREATE TABLE {DEMO_COPY}."{table}" AS TABLE public."{table}"')
        call_command("flush", interactive=False, verbosity=0)  # as the next test expects the database: empty
    yield tables
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {DEMO_COPY} CASCADE")


@pytest.fixture
def demo(transactional_db, demo_copy):
    """The demo (seed_demo), committed where the live server and workers read it, and flushed after the test
    as a transactional test leaves the database: put back from the session's copy, which takes a fraction
    of the seconds seeding takes. Every table is replaced, the content types the last flush made again
    included, so the rows keep the keys they had; Django's foreign keys are checked at the commit."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style
    from django.db import connection, transaction

    # Table names come from the database's own catalogue, not from input.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'public."{table}"' for table in demo_copy))
        for table in demo_copy:
            cursor.execute(f'INSERT INTO public."{table}" SELECT * FROM {DEMO_COPY}."{table}"')  # noqa: S608
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
            cursor.execute(sql)
    ContentType.objects.clear_cache()


@pytest.fixture
def mailbox():
    """An SMTP server on loopback: what the worker mails arrives here, to be read as a person would."""
    from tests.support import SmtpSink

    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def worker(tmp_path, demo, settings, live_server, mailbox):
    """A real Celery worker on the test database and broker, mailing through `mailbox`. SITE_URL is the
    live server's here and in the worker, so the links written (an invitation, a certificate's QR code)
    open in the test's browser."""
    from tests.support import celery_worker, test_database_url

    settings.SITE_URL = live_server.url
    with celery_worker(
        tmp_path / "worker.log", DATABASE_URL=test_database_url(), REDIS_URL=settings.CELERY_BROKER_URL,
        MEDIA_ROOT=settings.MEDIA_ROOT, SITE_URL=live_server.url, EMAIL_URL=mailbox.url,
    ) as process:  # fmt: skip
        yield process


def free_hours(email: str, *, days_ahead: int, hours: int = 2) -> datetime:
    """The first whole hour from 08:00 (Beijing time), `days_ahead` days from today, from which `hours` hours
    hold no confirmed seat of the lawyer with this address: a session put there cannot clash with one of
    theirs, however the demo lays out its programs."""
    from participants.models import EnrolmentState
    from sessions.models import TrainingSession

    day = timezone.localdate() + timedelta(days=days_ahead)
    for hour in range(8, 21 - hours):
        start = datetime.combine(day, time(hour), timezone.get_current_timezone())
        seats = TrainingSession.objects.overlapping(start, start + timedelta(hours=hours)).filter(
            enrolments__participant__user__email=email, enrolments__state=EnrolmentState.CONFIRMED
        )
        if not seats.exists():
            return start
    raise AssertionError(f"{email} holds a seat in every hour of {day}")


def link_in_mail(mailbox, address: str, path: str, *, timeout: float = 60) -> str:
    """The first link to `path` in the newest e-mail to `address` that has one (waits for the worker)."""
    from tests.support import wait_for

    pattern = re.compile(rf"https?://[^\s\"'<>]*{re.escape(path)}[^\s\"'<>]*")

    def find():
        for message in reversed(mailbox.to(address)):
            found = pattern.search(_text_of(message))
            if found:
                return found.group(0)
        return None

    return wait_for(find, timeout=timeout, message=f"an e-mail to {address} with a link to {path}")


def _text_of(message: Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "\n".join(
        part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in parts
        if part.get_content_type() == "text/plain"
    )


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def sign_in(page, email: str, password: str = "demo-pass-2025") -> None:
    """Through the login form, as a person would; waits for the home page."""
    page.goto("/accounts/login/")
    page.locator("[name=username]").fill(email)
    page.locator("[name=password]").fill(password)
    page.locator("main form [type=submit]").click()
    page.wait_for_url("**/")


class Journey:
    """One person's story, shot step by step in both languages: var/journeys/<test>/NN-<step>-<lang>.png.

    `step` shoots the page as it is, in Chinese (the default language), then loads the same address
    as the same person (the same cookies) in an English user's browser, whose language cookie says
    English: the page under test keeps its state (a message just shown, an htmx swap). Each shot also
    asserts the page's language, that nothing is wider than the screen (a phone page that scrolls
    sideways fails the test) and that axe-core finds nothing against WCAG 2.1 AA (tests/e2e/axe.py).
    """

    def __init__(self, browser, english_browser, base_url: str, folder: Path):
        self.browsers = {"zh": browser, "en": english_browser}
        self.base_url, self.folder = base_url, folder
        self.count = 0
        self._options, self._twins, self._contexts = {}, {}, []
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def open(self, *, phone: bool = False):
        """A new person at a new screen: a phone (390×844, touch) or a desktop (1280×860)."""
        context = self._context("zh", PHONE if phone else DESKTOP)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    def step(
        self, page, name: str, *, url: str | None = None, wait_for: str | None = None, show: str | None = None
    ) -> None:
        """Shoot `page` now, then the same address (or `url`, for a page reached by a POST) in English;
        `wait_for` is a selector the English page must show before its shot. A long page is shot from
        the top, or from a little above the element `show` selects."""
        self.count += 1
        stem = f"{self.count:02d}-{name}"
        self._shoot(page, "zh", stem, show)
        twin = self._twin(page.context)
        language = django_settings.LANGUAGE_COOKIE_NAME
        twin.context.clear_cookies()
        twin.context.add_cookies(
            [*(c for c in page.context.cookies() if c["name"] != language),
             {"name": language, "value": "en", "url": self.base_url}]
        )  # fmt: skip
        twin.goto(url or page.url)
        if wait_for:
            twin.wait_for_selector(wait_for)
        self._shoot(twin, "en", stem, show)
        twin.goto("about:blank")  # no polling left running behind the test

    def _context(self, language: str, options: dict):
        locale = {"zh": "zh-CN", "en": "en-US"}[language]
        context = self.browsers[language].new_context(base_url=self.base_url, locale=locale, **options)
        self._options[context] = options
        self._contexts.append(context)
        return context

    def _twin(self, context):
        if context not in self._twins:
            self._twins[context] = self._context("en", self._options[context]).new_page()
            self._twins[context].set_default_timeout(15_000)
        return self._twins[context]

    def _shoot(self, page, language: str, stem: str, show: str | None) -> None:
        where = f"{stem} ({language}, {page.url})"
        assert page.locator("html").get_attribute("lang") == {"zh": "zh-CN", "en": "en"}[language], where
        too_wide = page.evaluate(WIDER_THAN_SCREEN)
        assert not too_wide, f"{where}: wider than the screen: {too_wide}"
        assert_accessible(page, where)
        width, height = page.viewport_size["width"], page.viewport_size["height"]
        page.evaluate("window.scrollTo(0, 0)")  # sticky parts of the page where a reader would see them
        total = page.evaluate("document.documentElement.scrollHeight")
        top = 0
        if show:
            box = page.locator(show).first.bounding_box()
            assert box, f"{where}: nothing to show at {show}"
            top = max(0, min(box["y"] + page.evaluate("window.scrollY") - height // 4, total - height))
        page.screenshot(
            path=self.folder / f"{stem}-{language}.png",
            full_page=True,
            clip={"x": 0, "y": top, "width": width, "height": min(total - top, MAX_SCREENS * height)},
        )

    def close(self) -> None:
        for context in self._contexts:
            context.close()


MAX_SCREENS = 4  # a step's shot shows the top of a long page, at most this many screens of it

# The elements sticking out to the right of the screen (a page that scrolls sideways on a phone), if any.
WIDER_THAN_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  return [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && getComputedStyle(e).position !== "fixed")
    .slice(-3).map((e) => e.tagName.toLowerCase() + (e.getAttribute("id") ? "#" + e.getAttribute("id") : "")
                          + "." + [...e.classList].join("."));
}"""


@pytest.fixture
def journey(browser, english_browser, live_server, request):
    """Screens for a person's story and its step screenshots (see Journey)."""
    story = Journey(browser, english_browser, live_server.url, JOURNEYS / request.node.name)
    yield story
    story.close()
