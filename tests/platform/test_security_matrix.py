"""Every URL of the URLconf, asked by every kind of person, against the declared table in access.py.

For each (URL, person): the GET answers as declared; every answer carries the security headers; every
POST form on a page carries its CSRF token (and no GET form leaks one); a refused person is refused a
POST as well and it changes nothing; another person's private details never appear. For each URL: a
POST without a CSRF token is refused and changes nothing. HSTS is checked under production settings.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from .access import ACCESS, POST_REFUSED, Route, expected, routes
from .checks import check_forms, check_headers
from .world import ROLES, admin_kwargs, kwargs_for, pdf_bytes

ROOT = Path(__file__).resolve().parents[2]
ROUTES = {route.key: route for route in routes()}
REFUSALS = {"login", "admin-login", "400", "403", "404", "410"}


@pytest.fixture(scope="module")
def clients(module_world, django_db_blocker):
    """One signed-in client per person for the module (the sessions live in the module's transaction)."""
    with django_db_blocker.unblock():
        return {role: module_world.client(role) for role in ROLES}


def url_of(route: Route, world) -> str:
    values = (
        admin_kwargs(route.pattern, route.arguments)
        if route.is_admin
        else kwargs_for(world, route.key, route.arguments)
    )
    if route.name:
        return reverse(route.name, kwargs=values)
    # An unnamed pattern (the admin's old object addresses, its catch-all): fill the route in by hand.
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m[1]], route.route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m[1]], path)
    return "/" + path.replace("^", "").replace("$", "")


def body_of(response) -> bytes:
    # A file response holds its file open until it is read to the end.
    return b"".join(response.streaming_content) if response.streaming else response.content


def outcome_of(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("accounts:login") + "?next="):
            return "login"
        if location.startswith(reverse("admin:login") + "?next="):
            return "admin-login"
    return str(response.status_code)


def fingerprint() -> dict[str, tuple[int, int, int]]:
    """Rows inserted, updated and deleted so far in this transaction, by table (PostgreSQL counts them):
    equal before and after a request means it wrote nothing."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables")
        return {table: counts for table, *counts in cursor.fetchall()}


def changed(before: dict, after: dict, ignore: tuple[str, ...] = ()) -> list[str]:
    return sorted(t for t in after if before.get(t, [0, 0, 0]) != after[t] and t not in ignore)


def readable_text(response, content: bytes) -> str:
    """What a reader sees in the answer: a PDF's text as well as a page's."""
    if response.get("Content-Type", "").startswith("application/pdf"):
        result = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
        return result.stdout.decode()
    return content.decode(errors="replace")


def private_details(world, role: str) -> dict[str, str]:
    """What `role` must never read: the lawyer's licence number, mobile and e-mail (the other lawyer's, for
    the lawyer). Only the lawyer themself and the program office read them."""
    if role == "administrator":
        return {}
    participant = world.other_participant if role == "lawyer" else world.participant
    whose = "the other lawyer's" if role == "lawyer" else "the lawyer's"
    return {
        f"{whose} licence number": participant.license_number,
        f"{whose} mobile": participant.mobile,
        f"{whose} e-mail": participant.user.email,
    }


# --- the table covers the URLconf ------------------------------------------------------------------
def test_every_url_has_a_declared_rule_and_every_rule_a_url():
    undeclared = [f"{r.key} ({r.route})" for r in ROUTES.values() if not r.is_admin and r.key not in ACCESS]
    assert not undeclared, "URLs with no row in tests/platform/access.py ACCESS: " + ", ".join(undeclared)
    stale = sorted(set(ACCESS) - set(ROUTES))  # a variant whose URL is gone is stale too
    assert not stale, "rows in ACCESS for URLs that no longer exist: " + ", ".join(stale)
    assert not set(POST_REFUSED) - set(ACCESS)


# --- each URL as each person ---------------------------------------------------------------------------
APP_ROUTES = [key for key, route in ROUTES.items() if not route.is_admin]
ADMIN_ROUTES = [key for key, route in ROUTES.items() if route.is_admin]


@pytest.mark.django_db
@pytest.mark.parametrize("key", APP_ROUTES)
def test_access(key, module_world, clients):
    """The URL as each person: the GET as declared; a person refused is refused a POST too, which writes
    nothing. Every person is asked; the failure lists each one whose answer differs."""
    route = ROUTES[key]
    url = url_of(route, module_world)
    failures = []
    for role in ROLES:
        want = expected(route, role)
        refused_post = want if want in REFUSALS else POST_REFUSED.get(key, {}).get(role)
        with collect(failures):
            private = private_details(module_world, role)
            check_get(clients[role], url, f"GET {url} ({key}) as {role}", want, private=private)
            if refused_post is not None:
                check_refused_post(
                    clients[role], url, f"POST {url} ({key}) as {role}", refused_post, post_data(key, module_world)
                )
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("key", ADMIN_ROUTES)
def test_admin_access(key, module_world, clients):
    """The Django admin, one family: each page as each person."""
    route = ROUTES[key]
    url = url_of(route, module_world)
    failures = []
    for role in ROLES:
        with collect(failures):
            check_get(clients[role], url, f"GET {url} ({key}) as {role}", expected(route, role))
    assert not failures, "\n".join(failures)


@contextlib.contextmanager
def collect(failures: list[str]):
    try:
        yield
    except AssertionError as failure:
        failures.append(str(failure).splitlines()[0])


def check_get(client, url: str, where: str, want: str, *, private: dict[str, str] | None = None) -> None:
    response = client.get(url)
    content = body_of(response)
    assert outcome_of(response) == want, f"{where}: {outcome_of(response)}, declared {want}"
    check_headers(response, where)
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        check_forms(content.decode(), where)
    if private and response.status_code == 200:
        text = readable_text(response, content)
        for what, value in private.items():
            assert value not in text, f"{where}: shows {what}"


def check_refused_post(client, url: str, where: str, want: str, data: dict) -> None:
    before = fingerprint()
    response = client.post(url, data)
    body_of(response)
    assert outcome_of(response) == want, f"{where}: {outcome_of(response)}, declared {want}"
    check_headers(response, where)
    # The visitor's own session may change (a scan before signing in is kept there); nothing else.
    after = fingerprint()
    assert not changed(before, after, ignore=("django_session",)), (
        f"{where} was refused but wrote {changed(before, after)}"
    )


def post_data(key: str, world) -> dict:
    """What the screens would send, so a refusal is the rule's and not a missing field's."""
    lawyer = world.participant
    return {
        "participants:attendance_mark": {"participant": lawyer.pk, "status": "present"},
        "faculty:material_version": {"file": SimpleUploadedFile("v2.pdf", pdf_bytes("v2"))},
        "participants:enrolment_action": {"action": "cancel"},
        "participants:roster_action": {"action": "remove", "enrolment": world.enrolment.pk},
        "participants:admission_action": {"action": "withdrawn", "reason": "x"},
        "certificates:revoke": {"reason": "x"},
        "practice:question_vote": {"action": "vote"},
        "practice:question_moderate": {"action": "hide"},
    }.get(key.split("@")[0], {})


# --- a lawyer never reaches another lawyer's data by POST either ----------------------------------------
@pytest.mark.django_db
def test_another_lawyer_cannot_cancel_read_or_reset_what_is_the_lawyers(module_world, clients):
    other = clients["other_lawyer"]
    notice = module_world.lawyer.notifications.filter(read_at__isnull=True).exclude(channel="email").first()
    before = fingerprint()
    other.post(reverse("participants:enrolment_action", args=[module_world.session.pk]), {"action": "cancel"})
    other.post(reverse("notifications:mark_read"), {"id": [notice.pk]})
    after = fingerprint()
    assert "participants_enrolment" not in changed(before, after)
    module_world.enrolment.refresh_from_db()
    notice.refresh_from_db()
    assert module_world.enrolment.state == "confirmed" and notice.read_at is None
    other.post(reverse("sessions:my_calendar_reset"))
    assert module_world.lawyer.calendar_feed.token == module_world.feed_token


# --- the office never reads a personal sign-in link --------------------------------------------------------
@pytest.mark.django_db
def test_the_office_never_reads_the_secret_of_an_invitation_or_a_password_reset(module_world, clients):
    administrator = clients["administrator"]
    for notice, secret in module_world.extra["secret_links"].items():
        for url in (
            reverse("notifications:outbox"),
            reverse("notifications:outbox") + f"?q={notice.to_email}",
            reverse("notifications:outbox_detail", args=[notice.pk]),
            reverse("admin:notifications_notification_changelist"),
            reverse("admin:notifications_notification_change", args=[notice.pk]),
        ):
            response = administrator.get(url)
            assert response.status_code == 200, url
            assert notice.subject in response.text or notice.to_email in response.text, url  # the row is there
            assert secret not in response.text, f"{url} shows the secret of the {notice.kind} e-mail"


# --- CSRF ----------------------------------------------------------------------------------------------
POSTERS = ("administrator", "lawyer", "faculty", "other_lawyer", "other_faculty", "anonymous")


def poster(route: Route) -> str:
    """A person who may use the URL (its GET shows them the page, or tells them to POST): the CSRF check
    is what must stop them."""
    return next((role for role in POSTERS if expected(route, role) in ("200", "405")), "administrator")


@pytest.fixture(scope="module")
def csrf_clients(module_world, django_db_blocker):
    """Clients that check CSRF tokens as browsers' requests are checked (the test client skips it)."""
    with django_db_blocker.unblock():
        return {role: module_world.client(role, enforce_csrf_checks=True) for role in ROLES}


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(ROUTES))
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(key, module_world, csrf_clients):
    route = ROUTES[key]
    role = poster(route)
    client = csrf_clients[role]
    url = url_of(route, module_world)
    before = fingerprint()
    response = client.post(url, post_data(key, module_world))
    where = f"POST {url} ({key}) as {role} without a CSRF token"
    assert response.status_code == 403, f"{where}: {response.status_code}"
    assert "403_csrf.html" in [t.name for t in response.templates], f"{where}: refused, but not by the CSRF check"
    assert not changed(before, fingerprint()), f"{where}: changed {changed(before, fingerprint())}"


# --- HSTS under production settings ------------------------------------------------------------------------
HSTS_SCRIPT = """
import json
from django.test import Client, override_settings
storage = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                                 "staticfiles": storage}):
    # Behind the TLS proxy, as deployed: it says the request came by HTTPS.
    page = Client(secure=True).get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    plain = Client().get("/accounts/login/")
print("RESULT", json.dumps({"status": page.status_code, "headers": dict(page.headers), "plain": plain.status_code,
                 "location": plain.get("Location", ""), "cookies": {k: dict(v) for k, v in page.cookies.items()}}))
"""


def test_production_pages_carry_hsts_and_the_other_headers_and_plain_http_is_redirected():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="trainingprog.settings", DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver", SITE_URL="https://training.example.org",
    )  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", HSTS_SCRIPT], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line, result.stdout + result.stderr
    found = json.loads(line.removeprefix("RESULT "))
    headers = found["headers"]
    assert found["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin" and "default-src 'self'" in headers["Content-Security-Policy"]
    assert found["cookies"]["csrftoken"]["secure"] is True
    assert (found["plain"], found["location"]) == (301, "https://testserver/accounts/login/")
