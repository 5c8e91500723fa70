"""Faults on the real services: a Celery worker killed while it makes certificates, Redis stopped while
lawyers enrol, PostgreSQL restarted during a request."""

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
import redis
from django.utils import timezone

from certificates import services as certificates
from certificates.models import Certificate
from notifications.models import Notification, State
from participants.models import Enrolment, EnrolmentState
from tests.factories import PASSWORD, AdmissionFactory, ProgramFactory, SessionFactory
from tests.support import (
    ROOT,
    Browser,
    SmtpSink,
    at_once,
    backends_waiting,
    celery_worker,
    free_port,
    redis_server,
    service_env,
    test_database_url,
    wait_for,
    web_server,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _pool_processes(worker_pid: int) -> list[int]:
    children = Path(f"/proc/{worker_pid}/task/{worker_pid}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.mark.parametrize("victim", ["pool process", "whole worker"])
def test_a_worker_killed_while_it_makes_certificates_leaves_each_certificate_exactly_once(
    victim, tmp_path, settings, administrator
):
    settings.MEDIA_ROOT = tmp_path / "media"
    program = ProgramFactory(code="FIPR", min_credit_hours=Decimal("0"))  # no required session: all complete
    lawyers = [AdmissionFactory(program=program).participant for _ in range(100)]
    env = {"DATABASE_URL": test_database_url(), "REDIS_URL": settings.CELERY_BROKER_URL}
    env["MEDIA_ROOT"] = settings.MEDIA_ROOT

    def on_disk() -> set[str]:
        media = Path(settings.MEDIA_ROOT)
        return {str(path.relative_to(media)) for path in media.rglob("*.pdf")}

    def unreferenced() -> set[str]:
        return on_disk() - set(Certificate.objects.values_list("pdf", flat=True))

    try:
        with celery_worker(tmp_path / "first.log", **env) as worker:
            job = certificates.issue_all(program=program, by=administrator)  # four batches of 25 on the queue
            # A first batch committed, and PDFs on disk that no committed certificate has yet (listed first):
            # the worker is in the middle of the next batch, its transaction open.
            wait_for(
                lambda: len(on_disk()) > job.done() >= certificates.BATCH, timeout=60, interval=0.02,
                message="a batch half-drawn",
            )  # fmt: skip
            pool = _pool_processes(worker.pid)
            for pid in pool + ([worker.pid] if victim == "whole worker" else []):
                os.kill(pid, signal.SIGKILL)
            made = job.done()
            assert made < len(lawyers), "the worker finished before it could be killed"
            # Nothing half-made: a batch is there whole or not at all, every PDF complete.
            assert made % certificates.BATCH == 0
            _assert_whole(Certificate.objects.filter(program=program))
            if victim == "whole worker":  # nothing runs now: the killed batch's files are what it left
                assert len(unreferenced()) <= certificates.BATCH
            if victim == "pool process":
                # The worker itself saw its process die, handed the batch back and goes on.
                wait_for(lambda: job.done() == len(lawyers), timeout=120, message="the job to finish")
        if victim == "whole worker":
            # Its batch stays unacknowledged in Redis for hours; a worker that starts queues again what
            # the job lacks (and the batch, delivered twice later, makes nothing twice).
            with celery_worker(tmp_path / "second.log", purge=False, **env):
                wait_for(lambda: job.done() == len(lawyers), timeout=120, message="the job to finish")
                wait_for(lambda: _queue_empty(settings), timeout=60, message="the repeated batches to run")
    finally:
        # The batch the dead worker held would come back after the visibility timeout: not into later tests.
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("unacked", "unacked_index")

    issued = Certificate.objects.filter(program=program)
    assert sorted(issued.values_list("participant_id", flat=True)) == sorted(lawyer.pk for lawyer in lawyers)
    assert sorted(issued.values_list("number", flat=True)) == list(range(1, 101))  # no number twice, none skipped
    assert {c.serial for c in issued} == {f"FIPR-{program.starts_on.year}-{n:04d}" for n in range(1, 101)}
    _assert_whole(issued)
    notices = Notification.objects.filter(kind="certificate_issued")
    assert sorted(notices.values_list("recipient_id", flat=True)) == sorted(lawyer.user_id for lawyer in lawyers)

    # The killed batch's PDFs are still there (too young for the sweep at the second worker's start), and
    # no more than a batch; once old enough, the sweep removes them and leaves every certificate's file.
    left = unreferenced()
    assert len(left) <= certificates.BATCH
    assert sorted(certificates.orphan_pdfs_remove(older_than=timedelta(0))) == sorted(left)
    assert on_disk() == set(issued.values_list("pdf", flat=True))


def _assert_whole(certificates_):
    for certificate in certificates_:
        with certificate.pdf.open("rb") as handle:
            body = handle.read()
        assert body.startswith(b"%PDF") and body.rstrip().endswith(b"%%EOF")
        assert hashlib.sha256(body).hexdigest() == certificate.sha256


def _queue_empty(settings) -> bool:
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return broker.llen("heavy") == 0 and broker.hlen("unacked") <= 1  # at most the dead worker's batch


def test_lawyers_enrol_while_redis_is_down_and_every_notice_is_sent_once_it_is_back(tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]  # the stack's own
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    start = timezone.now() + timedelta(days=10)
    session = SessionFactory(program=program, capacity=100, starts_at=start, ends_at=start + timedelta(hours=2))
    lawyers = [AdmissionFactory(program=program).participant for _ in range(8)]
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    sink = SmtpSink().start()
    env = {"DATABASE_URL": test_database_url(), "REDIS_URL": broker, "EMAIL_URL": sink.url}
    try:
        with web_server(tmp_path / "web.log", **env) as base:
            with redis_server(port, tmp_path):
                browsers = [Browser(base).sign_in(lawyer.user.email, PASSWORD) for lawyer in lawyers]
            # Redis (broker and cache) is gone. The lawyers still enrol, each in about the time it takes.
            for browser in browsers:
                started = time.monotonic()
                answer = browser.request(f"/my/sessions/{session.pk}/enrolment/", {"action": "enrol"})
                assert answer.status == 302, answer.text[:500]
                assert time.monotonic() - started < 5, "an enrolment waited on the missing broker"
            assert browsers[0].request(f"/programs/{program.slug}/schedule/").status == 200  # pages still served
        confirmed = Enrolment.objects.filter(session=session, state=EnrolmentState.CONFIRMED)
        assert confirmed.count() == len(lawyers)
        notices = Notification.objects.filter(recipient__in=[lawyer.user for lawyer in lawyers])
        assert notices.count() == len(lawyers) and set(notices.values_list("state", flat=True)) == {State.QUEUED}

        # Redis is back: the outbox sweep (beat) sends each notice, once.
        with (
            redis_server(port, tmp_path),
            celery_worker(tmp_path / "worker.log", beat=True, NOTIFICATION_SWEEP_SECONDS=1, **env),
        ):
            wait_for(lambda: not notices.exclude(state=State.SENT).exists(), timeout=90, message="every notice sent")
            time.sleep(2)  # two more sweeps: nothing goes out twice
        for lawyer in lawyers:
            assert len(sink.to(lawyer.user.email)) == 1
    finally:
        sink.stop()


@pytest.fixture
def private_postgres(settings):
    """A PostgreSQL of the test's own, holding a copy of the test database: restarting the shared server
    would pull it from under everyone else. Yields its URL and the directory `pg_ctl` needs."""
    bin_dir = next(Path("/usr/lib/postgresql").glob("*/bin"))
    home = Path(tempfile.mkdtemp(prefix="pg-fault-"))  # /tmp: the postgres user must reach it
    shutil.chown(home, "postgres")
    port = free_port()

    def as_postgres(*args):
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=120)

    as_postgres(str(bin_dir / "initdb"), "-D", str(home / "data"), "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(home / "data"), "-o", options, "-l", str(home / "log"), "-w"]
    as_postgres(*pg_ctl, "start")
    try:
        url = f"postgres://postgres@127.0.0.1:{port}/faults"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "faults"], check=True)
        dump = subprocess.run(
            ["pg_dump", "--no-owner", test_database_url()], check=True, capture_output=True, timeout=120
        ).stdout
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url], input=dump, check=True, capture_output=True)
        yield url, lambda: as_postgres(*pg_ctl, "-m", "fast", "restart")
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", *pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def test_a_request_caught_by_a_postgresql_restart_fails_cleanly_and_the_next_succeeds(
    request, tmp_path, settings, administrator
):
    settings.MEDIA_ROOT = tmp_path / "media"
    program = ProgramFactory(min_credit_hours=Decimal("0"))
    certificate = certificates.issue_certificate(
        participant=AdmissionFactory(program=program).participant, program=program, by=administrator
    )
    url, restart = request.getfixturevalue("private_postgres")  # copied once the certificate exists
    page = f"/certificates/verify/{certificate.code}/"
    env = {"DATABASE_URL": url, "REDIS_URL": settings.CELERY_BROKER_URL, "MEDIA_ROOT": settings.MEDIA_ROOT}
    with web_server(tmp_path / "web.log", **env) as base:
        browser = Browser(base)
        assert browser.request(page).status == 200  # the worker now holds a database connection

        # Hold the table so the next look-up waits inside PostgreSQL, then restart the server under it.
        locker = psycopg2.connect(url)
        locker.cursor().execute("LOCK TABLE certificates_certificate IN ACCESS EXCLUSIVE MODE")

        def restart_once_it_waits():
            wait_for(lambda: backends_waiting(url), timeout=30, message="the request to wait on the lock")
            restart()

        answer, restarted = at_once(lambda: browser.request(page), restart_once_it_waits)
        assert not isinstance(restarted, BaseException), restarted
        assert hasattr(answer, "status"), answer  # an answer (HTTPError is one), not an exception it raised
        assert answer.status == 503 and answer.headers["Retry-After"]
        assert "Traceback" not in answer.text and "psycopg2" not in answer.text
        assert "稍后" in answer.text  # the visitor is told to try again shortly, in their language
        for _attempt in range(4):  # both workers' connections died with the server; each makes a new one
            assert browser.request(page).status == 200


def test_a_query_longer_than_the_web_statement_timeout_is_cancelled_in_postgresql_and_answered_503(tmp_path, settings):
    url = test_database_url()
    page = f"/certificates/verify/{'f' * 40}/"  # a code nobody holds: one look-up in the certificates table
    env = {"DATABASE_URL": url, "REDIS_URL": settings.CELERY_BROKER_URL, "WEB_STATEMENT_TIMEOUT": "1"}
    with web_server(tmp_path / "web.log", **env) as base:
        browser = Browser(base)
        assert browser.request(page).status == 404
        # Hold the table, so that the look-up waits inside PostgreSQL for as long as the lock is held.
        locker = psycopg2.connect(url)
        locker.cursor().execute("LOCK TABLE certificates_certificate IN ACCESS EXCLUSIVE MODE")

        def looking_up() -> int:  # the look-up by code, as pg_stat_activity shows its start
            return backends_waiting(url, query_prefix='SELECT "certificates_certificate".')

        try:
            answer, seen = at_once(
                lambda: browser.request(page),
                lambda: wait_for(looking_up, timeout=30, message="the look-up to wait on the lock"),
            )
            assert not isinstance(seen, BaseException), seen
            # The lock is still held, yet PostgreSQL runs the query no longer: it was cancelled, not abandoned.
            assert not looking_up()
        finally:
            locker.close()
        assert hasattr(answer, "status"), answer  # an answer (HTTPError is one), not an exception it raised
        assert answer.status == 503 and answer.headers["Retry-After"]
        assert "Traceback" not in answer.text and "psycopg2" not in answer.text
        assert "时间过长" in answer.text  # "took too long", in the visitor's language
        assert browser.request(page).status == 404  # the worker and its connection serve the next request
    log = (tmp_path / "web.log").read_text()
    assert "WEB_STATEMENT_TIMEOUT" in log and page in log
    assert "Traceback" not in log

    # Everything but the web server keeps no limit: management commands, and Celery workers (the same settings,
    # loaded without trainingprog/wsgi.py).
    show = "from django.db import connection; c = connection.cursor(); c.execute('SHOW statement_timeout'); print(c.fetchone()[0])"  # noqa: E501
    for command in (
        ["manage.py", "shell", "-v0", "-c", show],
        ["-c", f"import trainingprog.celery, django; django.setup(); {show}"],
    ):
        done = subprocess.run(
            [sys.executable, *command], cwd=ROOT, env=service_env(**env), capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "0", done.stderr
