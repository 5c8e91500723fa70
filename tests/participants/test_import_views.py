import re
from html.parser import HTMLParser

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


class ServedForms(HTMLParser):
    """The POST forms of a page's main part as a browser would send them: the action, each field's value
    as served (hidden and text inputs, ticked boxes, the selected option), the submit button's text."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self._form = self._select = self._button = self._textarea = None
        self._main = "<main" not in html  # an htmx fragment is all main part
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self._main = True
        elif tag == "form" and self._main:
            self._form = {"action": attrs.get("action") or "", "method": attrs.get("method", "get"), "data": {}}
            self._form["button"] = ""
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attrs.get("type") == "submit":  # its name and value are sent when pressed
            self._form["button"] += attrs.get("value", "")
            if attrs.get("name"):
                self._form["data"][attrs["name"]] = attrs.get("value", "")
        elif tag == "input" and attrs.get("name") and attrs.get("type") not in ("file", "checkbox", "radio"):
            self._form["data"][attrs["name"]] = attrs.get("value") or ""
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio") and "checked" in attrs:
            self._form["data"].setdefault(attrs["name"], []).append(attrs.get("value", "on"))
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self._form["data"][self._textarea] = ""
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and ("selected" in attrs or self._select not in self._form["data"]):
            self._form["data"][self._select] = attrs.get("value", "")
        elif tag == "button":
            self._button = True

    def handle_endtag(self, tag):
        if tag == "main":
            self._main = False
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "button":
            self._button = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._button and self._form is not None:
            self._form["button"] += data.strip()
        elif self._textarea and self._form is not None:
            self._form["data"][self._textarea] += data

    def find(self, button: str = "") -> dict:
        found = [f for f in self.forms if f["method"].lower() == "post" and button in f["button"]]
        assert len(found) == 1, f"one POST form with a button saying {button!r}: {[f['button'] for f in self.forms]}"
        return found[0]


def submit(client, page, *, button: str = "", url: str = "", **values):
    """Press the button of the form `page` serves, sending its own values (and the files or choices given)."""
    form = ServedForms(page.text).find(button)
    return client.post(form["action"] or url, {**form["data"], **values}, headers={"Accept-Language": "zh-hans"})


def run_as_worker(callbacks) -> None:
    """Run what a request queued for after its commit, as the worker would: the real task with the
    arguments queued (Celery's eager mode, no broker)."""
    from trainingprog.celery import app

    app.conf.task_always_eager = True
    try:
        for callback in callbacks:
            callback()
    finally:
        app.conf.task_always_eager = False


def _upload(client, program, data, name):
    """As a browser does: open the upload page, choose the file in its form, press "Check the file"."""
    url = reverse("participants:import_upload", args=[program.slug])
    return submit(client, client.get(url), url=url, file=SimpleUploadedFile(name, data))


@pytest.mark.django_db
def test_administrator_checks_a_gbk_file_sees_row_errors_and_imports_the_valid_rows(administrator_client, program):
    data = _csv([HEADER_ZH, *GOOD, "坏行,,男,12345,某所,广东,深圳,,bad@example.cn,,,"], "gbk")
    response = _upload(administrator_client, program, data, "广东省名单.csv")
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
    _upload(administrator_client, program, _xlsx(rows), "big.xlsx")
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
    response = _upload(administrator_client, program, b"\x00\x01binary", "x.csv")
    assert "file" in response.context["form"].errors
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_import_screens_are_for_administrators(lawyer_client, program):
    assert lawyer_client.get(reverse("participants:import_upload", args=[program.slug])).status_code == 403
    upload = SimpleUploadedFile("x.csv", _csv([HEADER_ZH, *GOOD]))
    response = lawyer_client.post(reverse("participants:import_upload", args=[program.slug]), {"file": upload})
    assert response.status_code == 403 and not ImportJob.objects.exists()
