"""Real services for tests: an SMTP server that records what it receives, and Celery worker processes."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]


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
def celery_worker(log_path: Path, *, beat: bool = False, **env):
    """Run `celery worker` (optionally with beat) as a separate process until the block ends."""
    args = [
        sys.executable, "-m", "celery", "-A", "trainingprog", "worker",
        "-Q", "default,notifications,heavy", "--concurrency", "1", "--pool", "prefork",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--purge", "--loglevel", "INFO",
    ]  # fmt: skip
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
