"""The import screens, the import command and the specialties page on SQLite, the embedded database `make run`
uses: run by test_import_sqlite.py in a process of its own (the suite runs on PostgreSQL), never collected alone."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from participants.models import ImportJob, Participant, SpecialtyMerge
from tests.factories import ParticipantFactory, ProgramFactory, SessionFactory
from tests.forms import served_forms

from .support import HEADER_ZH, csv_bytes, submit, upload

CUSTOMS_IP = "知识产权海关保护"


@pytest.mark.django_db
def test_a_list_is_checked_imported_and_its_specialties_merged(administrator_client, tmp_path):
    assert connection.vendor == "sqlite"
    program = ProgramFactory(slug="fipr-embedded")
    required = SessionFactory(program=program, is_required=True)
    known = ParticipantFactory(license_number="14401201800000001", specialties=[CUSTOMS_IP])
    lines = [
        HEADER_ZH,
        f"律师甲,,男,14401201800000001,新律所,广东,深圳,,{known.user.email},5,专利、{CUSTOMS_IP},",
        f"律师乙,,女,14401201800000002,某所,北京,北京,,b@example.cn,3,{CUSTOMS_IP},英语",
    ]

    # Upload, check, import, as the pages serve it.
    answer = upload(administrator_client, program, csv_bytes(lines, "gbk"), "广东省名单.csv")
    job = ImportJob.objects.get()
    page = administrator_client.get(answer["Location"])
    assert (job.state, job.valid_rows, job.known_rows) == ("checked", 2, 1)
    submit(administrator_client, page, button="导入")
    job.refresh_from_db()
    assert (job.state, job.created, job.updated) == ("done", 1, 1), job.error
    assert required.enrolments.count() == 2
    known.refresh_from_db()
    assert (known.law_firm, known.specialties) == ("新律所", ["patents", CUSTOMS_IP])
    history = administrator_client.get(reverse("participants:lawyer_edit", args=[known.pk]))
    assert "省级名单“广东省名单.csv”" in history.text

    # The specialties page counts the value outside the known ones, and merges it as its form sends it.
    url = reverse("participants:specialties")
    listed = administrator_client.get(url)
    assert [(item.value, item.lawyers) for item in listed.context["in_use"]] == [(CUSTOMS_IP, 2)]
    (form,) = [f for f in served_forms(listed.text) if f.values().get("value") == [CUSTOMS_IP]]
    form.fill(into="customs").submit(administrator_client, url)
    assert sorted(Participant.objects.values_list("specialties", flat=True)) == [
        ["customs"],
        ["patents", "customs"],
    ]
    assert SpecialtyMerge.objects.get().lawyers == 2
    assert administrator_client.get(url).context["in_use"] == []

    # The command, writing (it crashed on SQLite), and the pages that count quotas.
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([HEADER_ZH, "律师丙,,男,14401201800000003,某所,广东,深圳,,c@example.cn,,,"]))
    call_command("import_participants", str(path), "--program", program.slug)
    assert Participant.objects.count() == 3
    for name in ("participants:quotas", "participants:admissions"):
        assert administrator_client.get(reverse(name, args=[program.slug])).status_code == 200
