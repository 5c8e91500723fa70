import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from participants import importing
from participants.models import ImportJob, Participant
from tests.factories import ProgramFactory

from .test_import import GOOD, HEADER_ZH, _csv, _xlsx


@pytest.fixture
def program():
    return ProgramFactory(slug="fipr-test")


def _upload(client, program, data, name):
    return client.post(
        reverse("participants:import_upload", args=[program.slug]), {"file": SimpleUploadedFile(name, data)}
    )


@pytest.mark.django_db
def test_administrator_checks_a_gbk_file_sees_row_errors_and_imports_the_valid_rows(administrator_client, program):
    data = _csv([HEADER_ZH, *GOOD, "坏行,,男,12345,某所,广东,深圳,,bad@example.cn,,,"], "gbk")
    response = _upload(administrator_client, program, data, "广东省名单.csv")
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("participants:import_job", args=[job.pk])
    page = administrator_client.get(response["Location"])
    assert (job.total_rows, job.valid_rows) == (3, 2)
    assert job.problems == [{"row": 4, "column": "执业证号", "message": page.context["job"].problems[0]["message"]}]
    assert not Participant.objects.exists()  # checking writes nothing

    administrator_client.post(reverse("participants:import_start", args=[job.pk]))  # all rows: refused
    assert not Participant.objects.exists()
    administrator_client.post(reverse("participants:import_start", args=[job.pk]), {"only_valid": "1"})
    job.refresh_from_db()
    assert (job.state, job.created, job.skipped) == ("done", 2, 1)
    assert Participant.objects.count() == 2
    administrator_client.post(reverse("participants:import_start", args=[job.pk]), {"only_valid": "1"})  # again
    assert Participant.objects.count() == 2


@pytest.mark.django_db
def test_large_files_import_in_the_background_with_progress(administrator_client, program, settings):
    settings.IMPORT_SYNC_ROWS = 1
    rows = [HEADER_ZH.split(",")]
    for n in range(450):
        rows.append(
            [f"律师{n}", "", "男", f"144012018{n:08d}", "某所", "广东", "深圳", "", f"l{n}@example.cn", "", "", ""]
        )
    _upload(administrator_client, program, _xlsx(rows), "big.xlsx")
    job = ImportJob.objects.get()
    administrator_client.post(reverse("participants:import_start", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "checked"  # queued for the worker, which runs:
    importing.job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.created) == ("done", 450)
    status = administrator_client.get(reverse("participants:import_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert status.text.lstrip().startswith('<div id="import-status"')
    importing.job_run(job.pk)  # a second delivery of the task does nothing
    assert Participant.objects.count() == 450


@pytest.mark.django_db
def test_the_upload_page_names_each_column_in_chinese_and_in_english(administrator_client, program):
    response = administrator_client.get(reverse("participants:import_upload", args=[program.slug]))
    columns = dict(response.context["columns"])
    assert columns["执业证号"] == "license_number" and columns["律师事务所"] == "law_firm"
    assert all(english.isascii() for english in columns.values())


@pytest.mark.django_db
def test_unreadable_upload_is_refused_in_the_form(administrator_client, program):
    response = _upload(administrator_client, program, b"\x00\x01binary", "x.csv")
    assert "file" in response.context["form"].errors
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_import_screens_are_for_administrators(lawyer_client, program):
    assert lawyer_client.get(reverse("participants:import_upload", args=[program.slug])).status_code == 403
    assert _upload(lawyer_client, program, _csv([HEADER_ZH, *GOOD]), "x.csv").status_code == 403
