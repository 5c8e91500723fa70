"""Real services for tests: an SMTP server that records what it receives, Celery workers, Redis, gunicorn; and
for concurrency tests, actions run at once in threads and a look at who waits on a lock in PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]


def client_for(user, language: str | None = None, **options):
    """A browser signed in as `user` (None: signed out) through the test client (`options`: its own, such as
    enforce_csrf_checks), reading `language` when given: the language cookie, as the language menu sets it."""
    from django.conf import settings
    from django.test import Client

    client = Client(**options)
    if user is not None:
        client.force_login(user, backend="accounts.backends.EmailBackend")
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


_RUNNING = object()


def at_once(*actions, workers: int | None = None, timeout: float = 60) -> list:
    """Run the actions in threads released together, and answer what each returned, or the exception it raised,
    in their order. With `workers`, at most that many run at a time (each thread then takes the next action as
    it finishes one). Each thread closes its database connections as it ends.

    An action still running after `timeout` seconds fails the test, naming it, instead of hanging the run: the
    threads are daemons, so one stuck on a lock cannot keep the test process from ending either. Each thread
    speaks the caller's language (a translation is active in one thread only)."""
    from django.db import connections
    from django.utils import translation

    language = translation.get_language()

    count = len(actions)
    results = [_RUNNING] * count
    upcoming, taking = iter(range(count)), threading.Lock()
    size = min(workers or count, count)
    barrier = threading.Barrier(size)

    def work():
        translation.activate(language)
        try:
            barrier.wait(timeout)
            while True:
                with taking:
                    index = next(upcoming, None)
                if index is None:
                    return
                try:
                    results[index] = actions[index]()
                except BaseException as error:  # noqa: BLE001 - a refusal is an answer; the caller judges the rest
                    results[index] = error
        except threading.BrokenBarrierError:
            return
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, daemon=True, name=f"at_once-{n}") for n in range(size)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    running = [
        f"#{n} {getattr(action, '__name__', action)}" for n, action in enumerate(actions) if results[n] is _RUNNING
    ]
    if running or any(thread.is_alive() for thread in threads):
        raise AssertionError(f"still running after {timeout}s: {', '.join(running) or 'a thread'}")
    return results


def backends_waiting(url: str | None = None, *, wait_event: str | None = None, query_prefix: str | None = None) -> int:
    """How many other connections to the database wait on a lock right now (pg_stat_activity): optionally only
    those waiting for a lock of kind `wait_event` ("advisory", "transactionid", "tuple", "relation"…), or
    running a statement that starts with `query_prefix`. The test database unless `url` names another.

    Read on a connection of its own: inside a transaction, pg_stat_activity is a snapshot taken once."""
    import psycopg2

    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND wait_event_type = 'Lock'"
    )
    params = []
    if wait_event:
        sql += " AND wait_event = %s"
        params.append(wait_event)
    if query_prefix:  # pg_stat_activity keeps a statement's first kilobyte: enough to know it by its start
        sql += " AND query LIKE %s"
        params.append(query_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    with contextlib.closing(psycopg2.connect(url or test_database_url())) as connection, connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


class SmtpSink:
    """An SMTP server on loopback. `fail_next(n)` answers the next n messages with a temporary error."""

    def __init__(self):
        self.messages: list[Message] = []
        self._failures = 0
        self._greylist = 0
        self._refusal = ""
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            if self._greylist:
                self._greylist -= 1
                return self._refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self._failures:
                self._failures -= 1
                return "451 4.3.0 Try again later"
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._failures = count

    def refuse_recipients(self, count: int, answer: str = "450 4.2.0 Greylisted, try again later") -> None:
        """Refuse the next `count` recipients: 450 as greylisting servers do, or e.g. 550 for no such user."""
        with self._lock:
            self._greylist, self._refusal = count, answer

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self._failures = self._greylist = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def service_env(**overrides) -> dict[str, str]:
    """The environment of a server process: production settings module with the given overrides."""
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(DJANGO_SETTINGS_MODULE="trainingprog.settings", DEBUG="true", PYTHONUNBUFFERED="1")
    env.update({key: str(value) for key, value in overrides.items()})
    return env


@contextlib.contextmanager
def celery_worker(log_path: Path, *, beat: bool = False, purge: bool = True, **env):
    """Run `celery worker` (optionally with beat) as a separate process until the block ends; it empties
    the queues first unless `purge` is false."""
    args = [
        sys.executable, "-m", "celery", "-A", "trainingprog", "worker",
        "-Q", "default,notifications,heavy", "--concurrency", "1", "--pool", "prefork",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
    ]  # fmt: skip
    if purge:
        args.append("--purge")
    if beat:
        args += ["--beat", "--schedule", str(log_path.with_suffix(".schedule"))]
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(args, cwd=ROOT, env=service_env(**env), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(
            lambda: "ready." in log_path.read_text() or process.poll() is not None,
            timeout=60,
            message="the Celery worker to start",
        )
        if process.poll() is not None:
            raise AssertionError("worker exited:\n" + log_path.read_text()[-3000:])
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextlib.contextmanager
def redis_server(port: int, directory: Path):
    """A private Redis, so a test may stop the broker without touching anyone else's."""
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(lambda: _answers(port), timeout=20, message="redis-server to answer")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False


def test_database_url() -> str:
    """The URL of the database this test run created, for the worker processes."""
    from django.db import connection

    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@contextlib.contextmanager
def web_server(log_path: Path, **env):
    """gunicorn with the production settings (DEBUG off, 2 workers) on a free loopback port; yields its URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    var = log_path.parent / "var"
    env = service_env(
        VAR_DIR=var, DEBUG="false", SECRET_KEY="test-" + "k" * 50, ALLOWED_HOSTS="127.0.0.1", SITE_URL=base,
        SECURE_SSL_REDIRECT="false", GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", LOG_LEVEL="WARNING",
        **env,
    )  # fmt: skip
    # The production static files storage needs its manifest: collected as a deployment would.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "trainingprog/gunicorn.conf.py", "trainingprog.wsgi"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: _listening(port) or process.poll() is not None, timeout=60, message="gunicorn to start")
        if process.poll() is not None:
            raise AssertionError("gunicorn exited:\n" + log_path.read_text()[-3000:])
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


class Browser:
    """Plain HTTP against a production stack on loopback, as a browser behind the TLS proxy would: it says
    the scheme is https (the proxy's header), keeps its cookies, secure ones included, and sends the CSRF
    token with its posts."""

    def __init__(self, base: str):
        self.base, self.cookies = base, {}

    def request(self, path: str, data: dict | None = None, *, timeout: float = 30, **headers):
        headers = {"X-Forwarded-Proto": "https", "Referer": self.base.replace("http:", "https:") + "/", **headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            response = urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        response.text = response.read().decode("utf-8", "replace")
        return response

    def sign_in(self, email: str, password: str) -> Browser:
        self.request("/accounts/login/")
        answer = self.request("/accounts/login/", {"username": email, "password": password})
        assert answer.status == 302, f"{email} could not sign in: {answer.status}"
        return self


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def worker_env(**overrides) -> dict[str, str]:
    """What a worker (or server) process needs to share this test run's world: its database, its broker and
    its SITE_URL, with `overrides`."""
    from django.conf import settings

    return {
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "SITE_URL": settings.SITE_URL,
        **{key: str(value) for key, value in overrides.items()},
    }


def words(notification):
    """The notice with its words written, as the delivery task (or the page listing it) writes them first."""
    from notifications.services import render

    render([notification])
    return notification
