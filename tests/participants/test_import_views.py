import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from participants import importing
from participants.models import ImportJob, Participant
from tests.factories import ProgramFactory

from .support import GOOD, HEADER_ZH, csv_bytes, run_as_worker, submit, upload, xlsx_bytes


@pytest.fixture
def program():
    return ProgramFactory(slug="fipr-test")


@pytest.mark.django_db
def test_administrator_checks_a_gbk_file_sees_row_errors_and_imports_the_valid_rows(administrator_client, program):
    data = csv_bytes([HEADER_ZH, *GOOD, "坏行,,男,12345,某所,广东,深圳,,bad@example.cn,,,"], "gbk")
    response = upload(administrator_client, program, data, "广东省名单.csv")
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("participants:import_job", args=[job.pk])
    page = administrator_client.get(response["Location"])
    assert (job.total_rows, job.valid_rows) == (3, 2)
    assert job.problems == [{"row": 4, "column": "执业证号", "code": "licence_format", "params": {"value": "12345"}}]
    assert "“12345”不是有效的执业证号" in page.text
    assert not Participant.objects.exists()  # checking writes nothing

    start = reverse("participants:import_start", args=[job.pk])
    administrator_client.post(start, {"check": job.check_digest})  # all rows: refused
    assert not Participant.objects.exists()
    submit(administrator_client, page, button="仅导入")
    job.refresh_from_db()
    assert (job.state, job.created, job.skipped) == ("done", 2, 1)
    assert Participant.objects.count() == 2
    submit(administrator_client, page, button="仅导入")  # again, from the same page
    assert Participant.objects.count() == 2


@pytest.mark.django_db
def test_large_files_import_in_the_background_with_progress(
    administrator_client, program, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_SYNC_ROWS = 1
    rows = [HEADER_ZH.split(",")]
    for n in range(450):
        rows.append(
            [f"律师{n}", "", "男", f"144012018{n:08d}", "某所", "广东", "深圳", "", f"l{n}@example.cn", "", "", ""]
        )
    upload(administrator_client, program, xlsx_bytes(rows), "big.xlsx")
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks() as queued:
        submit(administrator_client, administrator_client.get(reverse("participants:import_job", args=[job.pk])))
    job.refresh_from_db()
    assert job.state == "queued" and len(queued) == 1  # queued for the worker; the page says so, and polls
    waiting = administrator_client.get(reverse("participants:import_job", args=[job.pk]))
    assert "等待后台任务开始导入" in waiting.text and 'hx-trigger="every 3s"' in waiting.text
    assert "导入450名律师" not in waiting.text  # no second start meanwhile
    run_as_worker(queued)
    job.refresh_from_db()
    assert (job.state, job.created) == ("done", 450)
    status = administrator_client.get(reverse("participants:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert re.match(r'\s*<div\s+id="import-status"', status.text)
    run_as_worker(queued)  # a second delivery of the task does nothing
    importing.job_run(job_id=job.pk, confirmed=job.check_digest)
    assert Participant.objects.count() == 450


@pytest.mark.django_db
def test_the_upload_page_names_each_column_in_chinese_and_in_english(administrator_client, program):
    response = administrator_client.get(reverse("participants:import_upload", args=[program.slug]))
    columns = dict(response.context["columns"])
    assert columns["执业证号"] == "license_number" and columns["律师事务所"] == "law_firm"
    assert all(english.isascii() for english in columns.values())


@pytest.mark.django_db
def test_unreadable_upload_is_refused_in_the_form(administrator_client, program):
    response = upload(administrator_client, program, b"\x00\x01binary", "x.csv")
    assert "file" in response.context["form"].errors
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_import_screens_are_for_administrators(lawyer_client, program):
    assert lawyer_client.get(reverse("participants:import_upload", args=[program.slug])).status_code == 403
    file = SimpleUploadedFile("x.csv", csv_bytes([HEADER_ZH, *GOOD]))
    response = lawyer_client.post(reverse("participants:import_upload", args=[program.slug]), {"file": file})
    assert response.status_code == 403 and not ImportJob.objects.exists()
