"""Whatever stops an import after it was claimed gives it back to the administrator: nothing is left "importing"
with nobody importing it. An import started from the page never waits in the web request for another import to
finish: the worker takes it, and waits instead."""

import contextlib
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from participants import importing
from participants.models import ImportJob, Participant
from participants.tasks import import_run, release_stale_imports
from sessions.models import Program
from tests.factories import ProgramFactory
from tests.forms import served_forms
from tests.support import celery_worker, test_database_url, wait_for

from .support import HEADER_ZH, csv_bytes, job_page, submit, upload

LIST = [HEADER_ZH, *(f"律师{n},,男,144012018{n:08d},某所,广东,深圳,,l{n}@example.cn,,," for n in range(3))]
IMPORT = "导入3名律师"  # the button, as the job page serves it


@pytest.fixture
def program():
    return ProgramFactory(slug="fipr-test")


def _checked(client, program) -> ImportJob:
    upload(client, program, csv_bytes(LIST), "广东省名单.csv")
    return ImportJob.objects.get()


class _Holding:
    """Another connection holding a lock, as another transaction would, until released."""

    def __init__(self, sql: str, params=(), *, in_transaction: bool = False):
        self.held, self.release = threading.Event(), threading.Event()

        def hold():
            try:
                with (
                    transaction.atomic() if in_transaction else contextlib.nullcontext(),
                    connection.cursor() as cursor,
                ):
                    cursor.execute(sql, params)
                    self.held.set()
                    self.release.wait(60)
                    if not in_transaction:
                        cursor.execute("SELECT pg_advisory_unlock_all()")
            finally:
                connection.close()

        self.thread = threading.Thread(target=hold, daemon=True)
        self.thread.start()
        assert self.held.wait(30)

    def stop(self):
        self.release.set()
        self.thread.join(60)
        assert not self.thread.is_alive()


def _statement_timeout(ms: int) -> None:
    """As a web process has it (WEB_STATEMENT_TIMEOUT): a query waiting longer is cancelled."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {ms}")


# --- another import writing ----------------------------------------------------------------------------------
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_import_started_while_another_list_is_written_goes_to_the_worker_which_waits_for_it(
    administrator_client, program, tmp_path, settings
):
    """R1's case: a 3,000-row list imports in the worker, holding the import lock, when another administrator
    presses Import on a short list. The request answers at once; the job waits in the worker, then imports."""
    from trainingprog.celery import app

    app.control.purge()  # the worker below takes what is queued from here on: only this test's tasks
    job = _checked(administrator_client, program)
    other_import = _Holding("SELECT pg_advisory_lock(%s)", [importing.IMPORT_LOCK])
    try:
        _statement_timeout(2000)  # waiting for the lock in the request would be cancelled: an error, not a wait
        try:
            answer = submit(administrator_client, job_page(administrator_client, job), button=IMPORT)
        finally:
            _statement_timeout(0)
        assert answer.status_code == 302
        job.refresh_from_db()
        assert (job.state, job.error, Participant.objects.count()) == ("queued", "busy", 0)
        page = job_page(administrator_client, job)
        assert "另一份名单正在导入；它完成后即开始导入本文件。" in page.text and 'hx-trigger="every 3s"' in page.text
        assert not [f for f in served_forms(page.text) if f.in_main]  # nothing to press meanwhile

        env = {"DATABASE_URL": test_database_url(), "REDIS_URL": settings.CELERY_BROKER_URL}
        with celery_worker(tmp_path / "worker.log", purge=False, MEDIA_ROOT=settings.MEDIA_ROOT, **env):
            wait_for(lambda: ImportJob.objects.get(pk=job.pk).state == "running", timeout=60, message="the worker")
            assert Participant.objects.count() == 0  # it waits for the other import
            other_import.stop()
            wait_for(lambda: ImportJob.objects.get(pk=job.pk).state == "done", timeout=60, message="the import")
    finally:
        other_import.stop()
    job.refresh_from_db()
    assert (job.created, Participant.objects.count()) == (3, 3)
    assert "导入完成" in job_page(administrator_client, job).text


@pytest.mark.django_db(transaction=True)
def test_an_import_stopped_by_a_database_error_is_given_back_to_be_imported_again(administrator_client, program):
    """The office is admitting a lawyer to the program (its row locked) for longer than a web request may wait:
    the import's query is cancelled. Nothing is written, and the page says so and offers Import again."""
    job = _checked(administrator_client, program)
    admitting = _Holding(
        f"SELECT id FROM {Program._meta.db_table} WHERE id = %s FOR UPDATE",  # noqa: S608 - our table
        [program.pk],
        in_transaction=True,
    )
    try:
        _statement_timeout(500)
        try:
            answer = submit(administrator_client, job_page(administrator_client, job), button=IMPORT)
        finally:
            _statement_timeout(0)
    finally:
        admitting.stop()
    assert answer.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.error, Participant.objects.count()) == ("checked", "interrupted", 0)
    page = job_page(administrator_client, job)
    assert "上次导入在完成前中断，未写入任何数据。请重新导入。" in page.text

    submit(administrator_client, page, button=IMPORT)  # the same check, confirmed again
    job.refresh_from_db()
    assert (job.state, job.error, job.created) == ("done", "", 3)


@pytest.mark.django_db
def test_a_job_takes_the_import_lock_once(administrator_client, program):
    job = _checked(administrator_client, program)
    page = job_page(administrator_client, job)
    with CaptureQueriesContext(connection) as queries:
        submit(administrator_client, page, button=IMPORT)
    assert [q["sql"] for q in queries if "advisory" in q["sql"]] == [
        f"SELECT pg_try_advisory_xact_lock({importing.IMPORT_LOCK})"
    ]
    job.refresh_from_db()
    assert job.state == "done"


# --- lost jobs ------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_beat_gives_back_the_jobs_left_queued_or_running_past_the_tasks_time_limit(administrator_client, program):
    """A worker killed mid-import (its transaction undone) leaves its job "running", and a task lost with the broker
    leaves one "queued": once the import task's time limit is over, nobody is running them."""
    limit = timedelta(seconds=import_run.time_limit)
    now = timezone.now()
    jobs = {}
    for name, state, since in (
        ("killed", "running", now - limit - timedelta(minutes=1)),
        ("lost", "queued", now - limit - timedelta(minutes=1)),
        ("importing", "running", now - timedelta(minutes=1)),
        ("waiting", "queued", now - timedelta(minutes=1)),
        ("imported", "done", now - limit - timedelta(hours=1)),
    ):
        upload(administrator_client, program, csv_bytes(LIST), f"{name}.csv")
        jobs[name] = ImportJob.objects.get(original_name=f"{name}.csv")
        ImportJob.objects.filter(pk=jobs[name].pk).update(state=state, state_changed_at=since)

    assert release_stale_imports() == 2
    states = {name: (j.state, j.error) for name, j in ((n, ImportJob.objects.get(pk=j.pk)) for n, j in jobs.items())}
    assert states == {
        "killed": ("checked", "interrupted"),
        "lost": ("checked", "not_started"),
        "importing": ("running", ""),
        "waiting": ("queued", ""),
        "imported": ("done", ""),
    }
    page = job_page(administrator_client, jobs["lost"])
    assert "后台任务未能开始本次导入，未写入任何数据。请重新导入。" in page.text
    submit(administrator_client, page, button=IMPORT)
    assert ImportJob.objects.get(pk=jobs["lost"].pk).state == "done"
    assert release_stale_imports() == 0


def test_beat_runs_the_release_often_enough():
    from trainingprog.celery import app

    (entry,) = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == release_stale_imports.name]
    assert entry["task"] in app.tasks
    assert entry["schedule"] < import_run.time_limit  # a lost job waits at most a time limit and one interval
