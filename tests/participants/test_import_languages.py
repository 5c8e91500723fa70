"""Import problems are stored as codes with parameters and shown in the language of whoever reads them:
a job checked by a Chinese-speaking administrator reads in English for an English-speaking one."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from participants import importing
from participants.models import ImportJob, Province, ProvinceQuota
from tests.factories import ParticipantFactory, ProgramFactory, UserFactory
from tests.support import client_for

from .support import HEADER_ZH, csv_bytes, upload


@pytest.fixture
def program():
    program = ProgramFactory(slug="fipr-test")
    ProvinceQuota.objects.create(program=program, province=Province.objects.get(code="44"), seats=1)
    return program


def _reader(language: str):
    return client_for(UserFactory(role=Role.ADMINISTRATOR), language)


ROWS = [
    "王芳,,女,14401201810123456,某所,广东,深圳,,wang@example.cn,,,",
    "李强,,男,12345,某所,北京,北京,,li@example.cn,,,",  # row 3: the licence
    "赵敏,,女,14401201810123457,某所,广东,深圳,,zhao@example.cn,,,",  # row 4: Guangdong's one place is taken
    "钱七,,男,14401201810123458,某所,火星,,,taken@example.cn,,,",  # row 5: the province and the address
]
IN_ENGLISH = {
    3: ["“12345” is not a 17-digit licence number."],
    4: ["Guangdong has no places left (1)."],
    5: ["Unknown province “火星”.", "taken@example.cn already belongs to another account."],
}
IN_CHINESE = {
    3: ["“12345”不是有效的执业证号（须为17位数字）。"],
    4: ["广东省名额已满（共1个）。"],
    5: ["无法识别的省份“火星”。", "taken@example.cn已被其他账号使用。"],
}


@pytest.mark.django_db
def test_two_administrators_read_one_jobs_problems_each_in_their_own_language(administrator_client, program):
    ParticipantFactory(user__email="taken@example.cn")
    upload(administrator_client, program, csv_bytes([HEADER_ZH, *ROWS], "gbk"), "名单.csv")  # checked in Chinese
    job = ImportJob.objects.get()
    assert {p["code"] for p in job.problems} == {"licence_format", "quota_full", "province_unknown", "email_taken"}
    assert all("message" not in p for p in job.problems)  # codes and parameters, no rendered text

    for language, expected in (("en", IN_ENGLISH), ("zh-hans", IN_CHINESE)):
        page = _reader(language).get(reverse("participants:import_job", args=[job.pk]))
        shown: dict[int, list[str]] = {}
        for problem in page.context["problems"]:
            shown.setdefault(problem["row"], []).append(problem["message"])
        assert shown == expected, language
        assert all(message in page.text for messages in expected.values() for message in messages)

    download = _reader("en").get(reverse("participants:import_job", args=[job.pk]), {"export": "csv"})
    text = download.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Row,Column,Problem"
    assert "3,执业证号,“12345” is not a 17-digit licence number." in text  # the column as the file names it


@pytest.mark.django_db
def test_jobs_stored_before_problems_had_codes_still_read_as_they_were_written(program, administrator):
    job = ImportJob.objects.create(
        program=program,
        uploaded_by=administrator,
        original_name="旧名单.csv",
        total_rows=2,
        valid_rows=1,
        problems=[{"row": 3, "column": "执业证号", "message": "“123”不是有效的执业证号（须为17位数字）。"}],
        state=ImportJob.State.FAILED,
        error="导入失败：旧的消息",
    )
    page = _reader("en").get(reverse("participants:import_job", args=[job.pk]))
    assert page.status_code == 200
    assert "“123”不是有效的执业证号（须为17位数字）。" in page.text and "导入失败：旧的消息" in page.text
    # and a stored code whose parameters no longer fit its message falls back to the stored text
    assert importing.problem_message({"code": "licence_format", "params": {}, "message": "旧"}) == "旧"
    assert importing.problem_message({"code": "no_such_code", "params": {}}) == "no_such_code"


@pytest.mark.django_db
def test_why_an_import_stopped_is_read_in_the_readers_language(administrator_client, program):
    upload(administrator_client, program, csv_bytes([HEADER_ZH, ROWS[0]]), "名单.csv")
    job = ImportJob.objects.get()
    job.file.delete(save=False)  # the stored file is lost (a wiped volume)
    importing.job_start(job=job, only_valid=False, confirmed=job.check_digest)
    job.refresh_from_db()
    assert (job.state, job.error) == ("failed", "unreadable")
    english = _reader("en").get(reverse("participants:import_job", args=[job.pk]))
    assert "The stored file can no longer be read; upload it again." in english.text
    chinese = _reader("zh-hans").get(reverse("participants:import_job", args=[job.pk]))
    assert "已保存的文件无法再读取，请重新上传。" in chinese.text
