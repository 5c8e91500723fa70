"""A certificate says what it said when issued: the holder's names, the program and its dates, on the public
page and in the PDF, whatever the profile or the program say later; a corrected name reaches it only by a
recorded correction. Its dates are Beijing's; every glyph of every PDF we make comes from an embedded font;
its ZIP names are plain file names; a failed or killed batch leaves no stray file."""

import hashlib
import importlib
import io
import os
import re
import subprocess
import tempfile
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.roles import Role
from certificates import services
from certificates.models import Certificate, CertificateAmendment
from demo.faculty import demo_pdf
from faculty.models import Material, MaterialVersion
from notifications.models import Notification
from participants.services import profiles
from tests.factories import AdmissionFactory, ProgramFactory, UserFactory
from tests.platform.access import expected, routes
from tests.platform.world import ROLES, build_world, kwargs_for
from tests.support import client_for, words


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def program(db):
    return ProgramFactory(
        code="FIPR", min_credit_hours=Decimal("0"), name_zh="2025年涉外知识产权律师培训班",
        name_en="2025 Foreign-related IPR Lawyers Training", starts_on=date(2025, 6, 9), ends_on=date(2025, 10, 31),
    )  # fmt: skip


def _lawyer(program, **fields):
    return AdmissionFactory(program=program, **{f"participant__{k}": v for k, v in fields.items()}).participant


def _poppler(tool: str, body: bytes) -> str:
    """What a poppler tool (pdftotext, pdffonts) says of the PDF `body`."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(body)
        file.flush()
        arguments = [tool, file.name, "-"] if tool == "pdftotext" else [tool, file.name]
        return subprocess.run(arguments, capture_output=True, check=True, text=True).stdout


def _pdf_text(certificate) -> str:
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return _poppler("pdftotext", handle.read())


def _verify_page(client, certificate) -> str:
    return client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()


# --- what the certificate says, as issued --------------------------------------------------------------
@pytest.mark.django_db
def test_the_page_and_the_pdf_keep_the_issued_name_and_dates_after_the_profile_and_program_change(
    program, administrator, administrator_client, client
):
    lawyer = _lawyer(program, name_zh="李明", name_latin="Li Ming", law_firm="甲律师事务所")
    certificate = services.issue_certificate(participant=lawyer, program=program, by=administrator)
    serial, code = certificate.serial, certificate.code

    # The office corrects the lawyer's name and firm, and extends and renames the program.
    profiles.participant_update(
        participant=lawyer, values={"name_zh": "李鸣", "name_latin": "Li Mingg", "law_firm": "乙律师事务所"},
        by=administrator, reason="按律协执业信息更正",
    )  # fmt: skip
    program.ends_on, program.name_zh = date(2025, 12, 31), "更名后的培训班"
    program.save()
    services.certificate_rerender(certificate=certificate)  # a new seal, say: the wording stays

    page = _verify_page(client, certificate)
    assert 'data-verdict="valid"' in page and "李明 Li Ming" in page and "李鸣" not in page
    assert "2025年涉外知识产权律师培训班" in page and "更名后的培训班" not in page
    assert "2025年10月31日" in page and "2025年12月31日" not in page
    text = _pdf_text(certificate)
    assert "李明" in text and "Li Ming" in text and "甲律师事务所" in text
    assert "李鸣" not in text and "乙律师事务所" not in text and "更名后的培训班" not in text
    assert "2025年6月9日至10月31日" in text and "9 June to 31 October 2025" in text

    # The office shows the certificate's name differs from the profile's and takes the correction, with a
    # reason; without one it is refused.
    manage = reverse("certificates:manage", args=[program.slug])
    listing = administrator_client.get(manage).content.decode()
    assert f'data-amend="{serial}"' in listing and "李鸣" in listing
    amend = reverse("certificates:amend", args=[certificate.pk])
    administrator_client.post(amend, {"reason": "  "})
    assert not CertificateAmendment.objects.exists() and "李明" in _pdf_text(certificate)
    administrator_client.post(amend, {"reason": "本人申请更正姓名"})
    certificate.refresh_from_db()
    assert (certificate.serial, certificate.code) == (serial, code)
    assert (certificate.holder_name_zh, certificate.holder_name_latin) == ("李鸣", "Li Mingg")
    correction = CertificateAmendment.objects.get(certificate=certificate)
    assert correction.before == {"holder_name_zh": "李明", "holder_name_latin": "Li Ming"}
    assert correction.after == {"holder_name_zh": "李鸣", "holder_name_latin": "Li Mingg"}
    assert (correction.reason, correction.amended_by) == ("本人申请更正姓名", administrator)
    text = _pdf_text(certificate)
    assert "李鸣" in text and "甲律师事务所" in text and "9 June to 31 October 2025" in text  # the name only
    page = _verify_page(client, certificate)
    assert "李鸣 Li Mingg" in page and "更正" in page  # and the page says the name was corrected
    assert f'data-amend="{serial}"' not in administrator_client.get(manage).content.decode()


@pytest.mark.django_db
def test_existing_certificates_take_their_wording_from_the_rows_they_were_drawn_from(program, administrator):
    migration = importlib.import_module("certificates.migrations.0003_issued_wording_and_amendments")
    lawyer = _lawyer(program, name_zh="王芳", name_latin="Wang Fang", law_firm="丙律师事务所")
    certificate = services.issue_certificate(participant=lawyer, program=program, by=administrator)
    blank = dict.fromkeys(["holder_name_zh", "holder_name_latin", "holder_law_firm", "program_name_zh"], "")
    Certificate.objects.filter(pk=certificate.pk).update(**blank, starts_on=date(2000, 1, 1), ends_on=date(2000, 1, 1))
    migration.copy_issued_wording(apps, None)
    certificate.refresh_from_db()
    assert (certificate.holder_name_zh, certificate.holder_name_latin, certificate.holder_law_firm) == (
        "王芳", "Wang Fang", "丙律师事务所",
    )  # fmt: skip
    assert (certificate.program_name_zh, certificate.program_name_en) == (program.name_zh, program.name_en)
    assert (certificate.starts_on, certificate.ends_on, certificate.organisers_zh) == (
        program.starts_on, program.ends_on, program.organisers_zh,
    )  # fmt: skip


@pytest.mark.django_db
def test_the_notice_of_a_certificate_names_the_program_as_the_certificate_does(program, administrator):
    english = _lawyer(program, user=UserFactory(language="en"))
    certificate = services.issue_certificate(participant=english, program=program, by=administrator)
    notice = words(Notification.objects.get(recipient=english.user, kind="certificate_issued"))
    assert "2025 Foreign-related IPR Lawyers Training" in notice.subject
    assert "2025 Foreign-related IPR Lawyers Training" in notice.body_text and certificate.serial in notice.body_text
    # Rendered now, with the program renamed since, it still says what the certificate says.
    program.name_zh, program.name_en = "更名后的培训班", "Renamed training"
    program.save()
    context = {"certificate": certificate, "recipient": english.user, "link": ""}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for template in ("subject.txt", "body.txt", "body.html"):
                text = render_to_string(f"notifications/certificate_issued/{template}", context)
                assert certificate.program_name in text and "enamed" not in text and "更名" not in text, template


# --- dates ----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_issue_date_is_the_day_in_beijing(program, administrator, client):
    certificate = services.issue_certificate(participant=_lawyer(program), program=program, by=administrator)
    # 23:30 UTC on 4 December is 07:30 on 5 December in Beijing.
    Certificate.objects.filter(pk=certificate.pk).update(issued_at=datetime(2025, 12, 4, 23, 30, tzinfo=UTC))
    services.certificate_rerender(certificate=certificate)
    text = _pdf_text(certificate)
    assert "2025年12月5日" in text and "5 December 2025" in text
    assert "12月4日" not in text and "4 December" not in text
    assert "2025年12月5日" in _verify_page(client, certificate)


@pytest.mark.django_db
def test_a_program_across_a_new_year_writes_both_years():
    administrator = UserFactory(role=Role.ADMINISTRATOR)
    program = ProgramFactory(min_credit_hours=Decimal("0"), starts_on=date(2026, 6, 9), ends_on=date(2027, 1, 31))
    certificate = services.issue_certificate(participant=_lawyer(program), program=program, by=administrator)
    text = _pdf_text(certificate)
    assert "2026年6月9日至2027年1月31日" in text
    assert "9 June 2026 to 31 January 2027" in text


# --- fonts ----------------------------------------------------------------------------------------------
def _fonts(body: bytes) -> list[tuple[str, str]]:
    """(font name, embedded?) for every font of the PDF, as pdffonts lists them."""
    lines = _poppler("pdffonts", body).splitlines()
    columns = [match.span() for match in re.finditer(r"-+", lines[1])]  # name, type, encoding, emb, ...
    return [(line[slice(*columns[0])].strip(), line[slice(*columns[3])].strip()) for line in lines[2:]]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# Files every walk must meet, so it cannot pass by finding none: a floor, not the list (the walk finds the rest).
PDF_FLOOR = {
    "certificates:download", "certificates:download_all", "participants:my_transcript",
    "participants:lawyer_transcript", "participants:signin_sheet", "faculty:download", "faculty:version_download",
}  # fmt: skip
# Files served as someone handed them in, not made by us: a lawyer's coursework and a case's files (as its
# faculty posted them) are kept byte for byte.
NOT_OURS = {"assessment:submission_file", "practice:material_file"}


@pytest.mark.django_db
def test_every_pdf_we_make_embeds_every_font():
    """Every URL of the access table, asked by the first person it answers, with the platform's world; each
    answer that is a PDF (or a ZIP of them) has every font embedded. A new PDF is covered without being listed.
    The world's lawyer has a rare name (㛃, CJK Extension A) on their certificate, transcript and the sign-in
    sheet; its materials are the demo's (demo/faculty.py), confidential, so a lawyer's copy is watermarked."""
    world = build_world()
    admin = world.administrator
    profiles.participant_update(
        participant=world.participant, values={"name_zh": "欧阳㛃", "name_latin": "Ouyang Jie-Montgomery"}, by=admin,
        reason="按律协执业信息更正",
    )  # fmt: skip
    services.certificate_amend(certificate=world.certificate, by=admin, reason="本人申请更正姓名")
    for version in MaterialVersion.objects.select_related("material__session__program"):
        body = demo_pdf([version.material.title, "授课课件 · Lecture slides"], world.program.name_zh)
        with version.file.open("wb") as handle:
            handle.write(body)
        MaterialVersion.objects.filter(pk=version.pk).update(size=len(body), sha256=hashlib.sha256(body).hexdigest())
    Material.objects.update(confidential=True)

    made: dict[str, bytes] = {}
    for route in routes():
        if route.is_admin or not route.name or route.name in NOT_OURS:
            continue
        role = next((role for role in ROLES if expected(route, role) == "200"), None)
        if role is None:
            continue
        answer = world.client(role).get(reverse(route.name, kwargs=kwargs_for(world, route.key, route.arguments)))
        body = _body(answer)  # read whatever it is: a file answer holds its file open until then
        assert answer.status_code == 200, route.key
        if answer["Content-Type"] == "application/pdf":
            made[f"{route.key} as {role}"] = body
        elif answer["Content-Type"] == "application/zip":
            archive = zipfile.ZipFile(io.BytesIO(body))
            made |= {f"{route.key} as {role}: {name}": archive.read(name) for name in archive.namelist()}

    assert {kind.split(" as ")[0].split("@")[0] for kind in made} >= PDF_FLOOR, sorted(made)
    for kind, body in made.items():
        fonts = _fonts(body)
        assert body.startswith(b"%PDF") and fonts, kind
        assert all(embedded == "yes" for _name, embedded in fonts), f"{kind}: {fonts}"
    certificate = made["certificates:download as lawyer"]
    assert any("LiberationSerif" in name for name, _ in _fonts(certificate))  # English set as type
    assert "欧阳㛃" in _poppler("pdftotext", certificate)
    assert "欧阳㛃" in _poppler("pdftotext", made["faculty:download as lawyer"])  # the watermark names the reader


# --- the ZIP of a program's certificates ----------------------------------------------------------------
HOSTILE = ["../../x", "/etc/passwd", "a\\b", "..", ".hidden", "C:\\x", "李明/../../etc", "\u202e字\u200b", "长" * 60]


@pytest.mark.django_db
def test_zip_entries_are_plain_file_names_whatever_the_names(administrator, administrator_client):
    program = ProgramFactory(code="../..", min_credit_hours=Decimal("0"))  # a code typed with a path in it
    for name in HOSTILE:
        services.issue_certificate(participant=_lawyer(program, name_zh=name), program=program, by=administrator)
    response = administrator_client.get(reverse("certificates:download_all", args=[program.slug]))
    names = zipfile.ZipFile(io.BytesIO(_body(response))).namelist()
    # A NUL cannot be stored in PostgreSQL; the naming is checked on its own for it.
    names.append(services.archive_name(Certificate(serial="X\x00/../y", number=1, holder_name_zh="a\x00b/..")))
    assert len(names) == len(HOSTILE) + 1 and len(set(names)) == len(names)
    for name in names:
        assert name == os.path.basename(name) and name.endswith(".pdf"), name
        assert not ({"/", "\\", "\x00", ":"} & set(name)) and ".." not in name and not name.startswith("."), name
        assert len(name.encode()) <= 255, name


# --- files of failed and killed batches ------------------------------------------------------------------
def _pdfs_on_disk(settings) -> set[str]:
    root = settings.MEDIA_ROOT
    return {str(path.relative_to(root)) for path in root.rglob("*.pdf")} if root.exists() else set()


@pytest.mark.django_db
def test_a_batch_that_fails_in_its_transaction_leaves_no_file(program, administrator, settings):
    lawyers = [_lawyer(program) for _ in range(3)]
    # The series' second serial is taken already (say, by a certificate imported by hand): the batch's
    # second certificate cannot be saved, after the first one's PDF and row were made.
    elsewhere = ProgramFactory(min_credit_hours=Decimal("0"))
    other = services.issue_certificate(participant=_lawyer(elsewhere), program=elsewhere, by=administrator)
    Certificate.objects.filter(pk=other.pk).update(serial=services.serial_for(program, 2))
    assert _pdfs_on_disk(settings) == {other.pdf.name}
    with pytest.raises(IntegrityError):
        services.issue_batch(program=program, participant_ids=[lawyer.pk for lawyer in lawyers], by=administrator)
    assert not Certificate.objects.filter(program=program).exists()
    assert _pdfs_on_disk(settings) == {other.pdf.name}


@pytest.mark.django_db
def test_a_new_pdf_for_a_certificate_whose_file_was_lost_is_kept(
    program, administrator, django_capture_on_commit_callbacks
):
    """A restore without media: the office re-renders, or corrects the name, exactly to make the PDF again. The
    new file takes the lost one's name; removing "the old file" once committed would remove the new one."""
    certificate = services.issue_certificate(participant=_lawyer(program), program=program, by=administrator)
    holder = client_for(certificate.participant.user)
    download = reverse("certificates:download", args=[certificate.pk])
    storage = certificate.pdf.storage

    def lose_and_remake(remake):
        storage.delete(certificate.pdf.name)
        with django_capture_on_commit_callbacks(execute=True):
            remake()
        certificate.refresh_from_db()
        assert storage.exists(certificate.pdf.name), certificate.pdf.name
        assert _body(holder.get(download)).startswith(b"%PDF")

    lose_and_remake(lambda: services.certificate_rerender(certificate=certificate))
    profiles.participant_update(
        participant=certificate.participant, values={"name_zh": "李鸣"}, by=administrator, reason="按律协执业信息更正"
    )
    lose_and_remake(lambda: services.certificate_amend(certificate=certificate, by=administrator, reason="更正姓名"))
    assert "李鸣" in _pdf_text(certificate)
