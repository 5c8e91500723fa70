"""What the import tests share: a provincial list as a spreadsheet, the upload and job pages used as a browser
uses them, and the worker's part of an import run in this process."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from tests.forms import find_form, page

HEADER_ZH = "姓名,姓名拼音,性别,执业证号,律师事务所,省份,城市,手机,邮箱,执业年限,专业领域,外语"
GOOD = [
    "王芳,Wang Fang,女,14401201810123456,广东华商律师事务所,广东省,深圳,13800138000,"
    "wangfang@example.cn,8,专利、商标,英语",
    "李强,Li Qiang,男,11101201510654321,北京天元律师事务所,北京,北京,13900139000,liqiang@example.cn,10,商业秘密,",
]


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def submit(client, answer, *, button: str | None = None, **values):
    """Press the button whose words contain `button` on the page `answer` serves (the only POST form of its
    main part when no button is named), with the form's own values and the files or choices given."""
    form = find_form(answer.text, button=button).fill(**values)
    url = answer.wsgi_request.get_full_path()
    return form.submit(client, url, press=button, headers={"Accept-Language": "zh-hans"})


def upload(client, program, data: bytes, name: str):
    """As a browser does: open the upload page, choose the file in its form, press "Check the file"."""
    answer = client.get(reverse("participants:import_upload", args=[program.slug]))
    return submit(client, answer, file=SimpleUploadedFile(name, data))


def job_page(client, job):
    return client.get(reverse("participants:import_job", args=[job.pk]))


def rows_named(answer) -> dict[int, str]:
    """Row number → the problems the page's table of problems names for it (its cells: row, column, problem)."""
    named: dict[int, str] = {}
    for row in page(answer.text).find("tbody").find_all("tr"):
        number, _column, message = (cell.text for cell in row.find_all("td")[:3])
        named[int(number)] = named.get(int(number), "") + message
    return named


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
