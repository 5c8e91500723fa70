"""A check older than the data it checked: the import checks the file again before writing, writes nothing
if the result differs from what the administrator was shown, shows the fresh result to confirm again, and
names every row it skipped with the reason."""

import threading
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse

from participants import importing
from participants.importing import check as checking
from participants.models import ImportJob, Participant
from tests.factories import ParticipantFactory, ProgramFactory
from tests.forms import find_form
from tests.support import at_once, backends_waiting, wait_for

from .support import HEADER_ZH, csv_bytes, job_page, rows_named, run_as_worker, submit, upload


@pytest.fixture
def program():
    return ProgramFactory(slug="fipr-test")


def _lawyer(n: int, *, email: str = "", licence: str = "") -> str:
    return f"律师{n},,男,{licence or f'144012018{n:08d}'},某所,广东,深圳,,{email or f'a{n}@example.cn'},,,"


@pytest.mark.django_db
def test_the_issues_scenario_a_stale_check_writes_nothing_until_confirmed_again(administrator_client, program):
    # File A: 30 lawyers and 2 bad rows (rows 32 and 33).
    file_a = [HEADER_ZH, *(_lawyer(n) for n in range(30)), _lawyer(90, licence="123"), _lawyer(91, email="x")]
    upload(administrator_client, program, csv_bytes(file_a), "A.csv")
    job_a = ImportJob.objects.get()
    page_a = job_page(administrator_client, job_a)  # the administrator reads it, and leaves the tab open
    assert (job_a.valid_rows, set(rows_named(page_a))) == (30, {32, 33})

    # File B, imported meanwhile: 5 of A's lawyers as A has them, and 5 others whose addresses A uses too.
    file_b = [
        HEADER_ZH,
        *(_lawyer(n) for n in range(5)),
        *(_lawyer(200 + n, email=f"a{n}@example.cn") for n in range(5, 10)),
    ]
    upload(administrator_client, program, csv_bytes(file_b), "B.csv")
    job_b = ImportJob.objects.exclude(pk=job_a.pk).get()
    submit(administrator_client, job_page(administrator_client, job_b), button="导入")
    job_b.refresh_from_db()
    assert (job_b.state, job_b.created) == ("done", 10)
    lawyers_before = list(Participant.objects.order_by("pk").values_list("pk", "license_number", "updated_at"))

    # A's "valid rows", imported from the page as it was served before B: nothing is written; the page now
    # shows the fresh check and asks again.
    answer = submit(administrator_client, page_a, button="仅导入")
    assert list(Participant.objects.order_by("pk").values_list("pk", "license_number", "updated_at")) == lawyers_before
    job_a.refresh_from_db()
    assert job_a.state == "checked" and job_a.rechecked_at is not None
    fresh = administrator_client.get(answer["Location"])
    assert "因此未写入任何数据" in fresh.text and "已于" in fresh.text
    assert (job_a.valid_rows, job_a.known_rows) == (25, 5)
    skipped = {7, 8, 9, 10, 11, 32, 33}  # rows 7-11: lawyers 5-9, whose addresses B's lawyers now hold
    named = rows_named(fresh)
    assert set(named) == skipped
    assert all("已被其他账号使用" in named[row] for row in range(7, 12))

    # The tab still open on the old page is refused (a double click, or a second window), and writes nothing.
    again = submit(administrator_client, page_a, button="仅导入")
    assert "已重新检查" in administrator_client.get(again["Location"]).text
    assert Participant.objects.count() == len(lawyers_before)

    # Confirmed from the fresh page: 20 new, 5 updated, and each of the 7 skipped rows named with its reason.
    submit(administrator_client, fresh, button="仅导入有效行（25行）")
    job_a.refresh_from_db()
    assert (job_a.state, job_a.created, job_a.updated, job_a.skipped) == ("done", 20, 5, 7)
    done = job_page(administrator_client, job_a)
    assert "新增20人，更新5人，跳过7行" in done.text.replace(" ", "")
    assert set(rows_named(done)) == skipped and len(skipped) == job_a.skipped


@pytest.mark.django_db
def test_a_check_still_true_at_writing_time_writes_at_once(administrator_client, program):
    upload(administrator_client, program, csv_bytes([HEADER_ZH, *(_lawyer(n) for n in range(3))]), "A.csv")
    job = ImportJob.objects.get()
    ParticipantFactory()  # a change that touches none of the file's lawyers
    submit(administrator_client, job_page(administrator_client, job), button="导入")
    job.refresh_from_db()
    assert (job.state, job.created, job.rechecked_at) == ("done", 3, None)


@pytest.mark.django_db
def test_a_large_file_checked_again_by_the_worker_shows_the_fresh_result_while_polled(
    administrator_client, program, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_SYNC_ROWS = 1  # everything in the background
    upload(administrator_client, program, csv_bytes([HEADER_ZH, *(_lawyer(n) for n in range(4))]), "A.csv")
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks() as queued:
        submit(administrator_client, job_page(administrator_client, job), button="导入")
    ParticipantFactory(user__email="a2@example.cn")  # meanwhile row 4's address is taken
    ImportJob.objects.filter(pk=job.pk).update(state="running")  # as the page polls it, mid-import
    polled = administrator_client.get(reverse("participants:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in polled.text
    ImportJob.objects.filter(pk=job.pk).update(state="queued")

    run_as_worker(queued)
    job.refresh_from_db()
    assert (job.state, job.valid_rows, Participant.objects.count()) == ("checked", 3, 1)
    polled = administrator_client.get(reverse("participants:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in polled.text  # polling stops
    assert "因此未写入任何数据" in polled.text and set(rows_named(polled)) == {4}  # the fresh result, swapped in
    assert find_form(polled.text, button="仅导入").values()["check"] == [job.check_digest]
    run_as_worker(queued)  # the task delivered again: it confirmed the first check, not this one: nothing written
    job.refresh_from_db()
    assert (job.state, Participant.objects.count()) == ("checked", 1)


@pytest.mark.django_db(transaction=True)
def test_a_lawyer_written_between_the_check_and_the_write_undoes_the_import_and_checks_again(
    administrator_client, program
):
    """An application commits the file's licence number while the import is writing it (PostgreSQL makes the
    import wait for it, then refuse the duplicate): nothing of the import stays, and the job is checked again."""
    upload(administrator_client, program, csv_bytes([HEADER_ZH, *(_lawyer(n) for n in range(3))]), "A.csv")
    job = ImportJob.objects.get()
    inserted, release = threading.Event(), threading.Event()

    def applicant():
        with transaction.atomic():  # not committed until the import waits on it
            ParticipantFactory(license_number="14401201800000001", user__email="applicant@example.cn")
            inserted.set()
            assert release.wait(60), "the import never waited on the application"

    def release_once_the_import_waits():
        try:
            assert inserted.wait(60)
            wait_for(backends_waiting, timeout=60, message="the import to wait on the application")
        finally:
            release.set()

    def the_import():
        assert inserted.wait(60)
        importing.job_run(job_id=job.pk, confirmed=job.check_digest)  # as the import button confirmed it

    with mock.patch.object(checking, "read_table", wraps=checking.read_table) as reading:
        answers = at_once(applicant, release_once_the_import_waits, the_import, timeout=90)
    assert not [answer for answer in answers if isinstance(answer, BaseException)], answers
    assert reading.call_count == 1  # checked under the lock and again once undone, from one reading of the file

    job.refresh_from_db()
    assert job.state == "checked" and job.rechecked_at is not None
    assert list(Participant.objects.values_list("user__email", flat=True)) == ["applicant@example.cn"]
    assert job.known_rows == 1  # row 3 now updates the applicant
    submit(administrator_client, job_page(administrator_client, job), button="导入")
    job.refresh_from_db()
    assert (job.state, job.created, job.updated) == ("done", 2, 1)


@pytest.mark.django_db
def test_the_command_names_every_row_it_skips(program, tmp_path, capsys):
    from django.core.management import call_command

    ParticipantFactory(user__email="a1@example.cn")
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([HEADER_ZH, *(_lawyer(n) for n in range(3)), _lawyer(9, licence="1")]))
    call_command("import_participants", str(path), "--program", program.slug, "--only-valid")
    captured = capsys.readouterr()
    assert "2 lawyer(s) created, 0 updated, 2 skipped" in captured.out
    assert [line.split(",")[0] for line in captured.err.splitlines()] == ["row 3", "row 5"]
