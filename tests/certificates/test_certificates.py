"""Certificates: issued once with a gapless serial, a PDF with the Chinese name and a working QR code,
public verification, revocation."""

import re
import subprocess
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation

from certificates import services
from certificates.models import Certificate, CertificateDesign
from notifications.models import Notification
from tests.factories import AdmissionFactory, ProgramFactory
from tests.support import client_for


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def program(db):
    return ProgramFactory(code="FIPR", min_credit_hours=Decimal("0"))  # no required session: all complete


def _lawyer(program, **fields):
    return AdmissionFactory(program=program, **{f"participant__{k}": v for k, v in fields.items()}).participant


def _text(certificate, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    with certificate.pdf.open("rb") as handle:
        path.write_bytes(handle.read())
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_issuing_makes_one_certificate_with_the_next_serial_and_a_pdf(program, administrator, tmp_path):
    first, second = _lawyer(program, name_zh="李明"), _lawyer(program)
    certificate = services.issue_certificate(participant=first, program=program, by=administrator)
    assert certificate.serial == "FIPR-2025-0001" and re.fullmatch(r"[0-9a-f]{40}", certificate.code)
    assert services.issue_certificate(participant=first, program=program, by=administrator).pk == certificate.pk
    assert services.issue_certificate(participant=second, program=program, by=administrator).serial == "FIPR-2025-0002"
    text = _text(certificate, tmp_path)
    assert "李明" in text and "FIPR-2025-0001" in text and first.license_number not in text
    assert Notification.objects.filter(recipient=first.user, kind="certificate_issued").count() == 1


@pytest.mark.django_db
def test_the_qr_code_on_the_page_opens_the_verification_url(program, administrator, tmp_path):
    certificate = services.issue_certificate(participant=_lawyer(program), program=program, by=administrator)
    pdf = tmp_path / "c.pdf"
    with certificate.pdf.open("rb") as handle:
        pdf.write_bytes(handle.read())
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "page.png")], capture_output=True, text=True)
    assert decoded.stdout.strip() == services.verify_url(certificate.code)


@pytest.mark.django_db
def test_rare_characters_and_very_long_names_are_in_the_pdf(program, administrator, tmp_path):
    lawyer = _lawyer(
        program, name_zh="王㛃䶮", name_latin="Wang Xiyan Alexandrina Maximiliana Montgomery-Smith",
        law_firm="北京市某某某某知识产权与涉外商事争议解决及合规咨询服务合伙律师事务所深圳分所（特殊普通合伙）",
    )  # fmt: skip
    text = _text(services.issue_certificate(participant=lawyer, program=program, by=administrator), tmp_path)
    assert "王㛃䶮" in text and "Montgomery-Smith" in text and "特殊普通合伙" in text.replace("\n", "")


@pytest.mark.django_db
def test_only_admitted_lawyers_meeting_the_rule_unless_a_reason_is_given(program, administrator):
    stranger = AdmissionFactory(state="applied").participant
    with translation.override("en"), pytest.raises(services.CertificateRefused, match="not admitted"):
        services.issue_certificate(participant=stranger, program=program, by=administrator)
    strict = ProgramFactory(min_credit_hours=Decimal("10"))
    short = _lawyer(strict)
    with translation.override("en"), pytest.raises(services.CertificateRefused, match="give the reason"):
        services.issue_certificate(participant=short, program=strict, by=administrator)
    certificate = services.issue_certificate(
        participant=short, program=strict, by=administrator, override_reason="  病假，补课已完成 "
    )
    assert certificate.override_reason == "病假，补课已完成"
    assert Certificate.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_never_repeats_or_skips_a_number(administrator):
    program = ProgramFactory(code="FIPR", min_credit_hours=Decimal("0"))
    lawyers = [_lawyer(program) for _ in range(12)]
    errors = []

    def issue(lawyer):
        try:
            for _ in range(2):  # each task runs twice, as a redelivered task would
                services.issue_certificate(participant=lawyer, program=program, by=administrator)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(lawyer,)) for lawyer in lawyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Certificate.objects.values_list("number", flat=True)) == list(range(1, 13))


@pytest.mark.django_db
def test_the_command_issues_to_everyone_who_completed(program):
    for _ in range(3):
        _lawyer(program)
    call_command("issue_certificates", "--program", program.slug, verbosity=0)
    call_command("issue_certificates", "--program", program.slug, verbosity=0)  # again: nothing new
    assert Certificate.objects.filter(program=program).count() == 3


# --- verification and revocation ----------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.clock_edges
def test_the_public_page_says_valid_then_revoked_and_shows_no_private_data(program, administrator, client):
    lawyer = _lawyer(program, name_zh="李明", mobile="13912345678")
    certificate = services.issue_certificate(participant=lawyer, program=program, by=administrator)
    url = reverse("certificates:verify", args=[certificate.code])
    page = client.get(url).content.decode()
    assert 'data-verdict="valid"' in page and "李明" in page and certificate.serial in page
    for private in (lawyer.license_number, lawyer.mobile, lawyer.user.email):
        assert private not in page
    services.certificate_revoke(certificate=certificate, by=administrator, reason="材料不实")
    page = client.get(url).content.decode()
    assert 'data-verdict="revoked"' in page
    with translation.override("en"), pytest.raises(services.CertificateRefused, match="already revoked"):
        services.certificate_revoke(certificate=certificate, by=administrator, reason="again")
    with pytest.raises(services.CertificateRefused):
        services.certificate_revoke(certificate=_issued(program, administrator), by=administrator, reason="  ")


def _issued(program, by):
    return services.issue_certificate(participant=_lawyer(program), program=program, by=by)


@pytest.mark.django_db
def test_unknown_malformed_and_enumerated_codes(program, administrator, client):
    certificate = _issued(program, administrator)
    for code in ("0" * 40, "not-a-code", certificate.code[:-1] + "x", "<script>"):
        response = client.get(reverse("certificates:verify", args=[code]))
        assert response.status_code == 404 and 'data-verdict="unknown"' in response.content.decode()
    assert client.get(reverse("certificates:verify_form"), {"code": f" {certificate.code.upper()} "}).status_code == 302


@pytest.mark.django_db
def test_look_ups_are_rate_limited(client, settings):
    answers = [client.get(reverse("certificates:verify", args=["0" * 40])).status_code for _ in range(32)]
    assert answers[:30] == [404] * 30 and answers[-1] == 429
    settings.CERTIFICATE_VERIFICATIONS_PER_MINUTE = 40  # an office checking a list from one address
    assert client.get(reverse("certificates:verify", args=["0" * 40])).status_code == 404


@pytest.mark.django_db
def test_the_holder_and_administrators_download_others_do_not(program, administrator, lawyer, other_lawyer):

    certificate = services.issue_certificate(
        participant=_lawyer(program, user=lawyer), program=program, by=administrator
    )
    url = reverse("certificates:download", args=[certificate.pk])

    def status(user):
        response = client_for(user).get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        return response.status_code

    assert (status(lawyer), status(administrator), status(other_lawyer)) == (200, 200, 404)


# --- the office's screen ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_office_screen_issue_all_zip_seal_and_revoke(program, administrator_client, lawyer_client, tmp_path):
    import io
    import zipfile

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from certificates.models import IssueJob

    lawyers = [_lawyer(program) for _ in range(3)]
    url = reverse("certificates:manage", args=[program.slug])
    assert lawyer_client.get(url).status_code == 403
    assert administrator_client.get(url).status_code == 200
    administrator_client.post(reverse("certificates:issue_all", args=[program.slug]))
    job = IssueJob.objects.get()
    assert sorted(job.participant_ids) == sorted(p.pk for p in lawyers)
    assert services.job_progress(job) == (0, 3)  # the tasks run after commit, in a worker
    for lawyer in lawyers:  # what the worker's task does, lawyer by lawyer
        services.issue_certificate(participant=lawyer, program=program, by=None)
    assert services.job_progress(job) == (3, 3)
    finished = administrator_client.get(reverse("certificates:job_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'data-finished="yes"' in finished.content.decode() and finished["HX-Refresh"] == "true"

    response = administrator_client.get(reverse("certificates:download_all", args=[program.slug]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == 3 and all(name.endswith(".pdf") for name in archive.namelist())

    design = reverse("certificates:design", args=[program.slug])
    administrator_client.post(design, {"seal": SimpleUploadedFile("seal.png", b"<svg onload=alert(1)>")})
    assert not CertificateDesign.objects.filter(program=program).exclude(seal="").exists()
    buffer = io.BytesIO()
    Image.new("RGBA", (200, 200), (200, 20, 20, 160)).save(buffer, format="PNG")
    administrator_client.post(design, {"seal": SimpleUploadedFile("seal.png", buffer.getvalue())})
    program.refresh_from_db()
    assert program.certificate_design.seal

    certificate = Certificate.objects.first()
    administrator_client.post(reverse("certificates:revoke", args=[certificate.pk]), {"reason": ""})
    certificate.refresh_from_db()
    assert certificate.revoked_at is None  # no reason: refused
    administrator_client.post(
        reverse("certificates:revoke", args=[certificate.pk]), HTTP_HX_REQUEST="true", HTTP_HX_PROMPT="材料不实"
    )
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "材料不实"
    old_sha = certificate.sha256
    administrator_client.post(reverse("certificates:rerender", args=[certificate.pk]))
    certificate.refresh_from_db()
    assert certificate.sha256 != old_sha and certificate.serial.endswith("0001")  # a new file, the same serial


@pytest.mark.django_db
def test_a_pasted_link_verifies_and_two_programs_with_one_code_keep_their_serials_apart(program, administrator, client):
    certificate = _issued(program, administrator)
    link = services.verify_url(certificate.code)
    response = client.get(reverse("certificates:verify_form"), {"code": link})
    assert response.status_code == 302 and response["Location"].endswith(f"/{certificate.code}/")
    assert (
        client.get(reverse("certificates:verify_form"), {"code": "https://x/certificates/verify/nothing/"}).status_code
        == 302
    )
    cohort = ProgramFactory(code="FIPR", min_credit_hours=Decimal("0"))  # the same code and year
    other = services.issue_certificate(participant=_lawyer(cohort), program=cohort, by=administrator)
    assert other.serial == f"FIPR{cohort.pk}-2025-0001" and other.serial != certificate.serial


@pytest.mark.django_db
def test_a_batch_task_run_twice_makes_each_certificate_once_and_drops_the_ineligible(program, administrator):
    from certificates.models import IssueJob
    from certificates.tasks import issue_certificates

    lawyers = [_lawyer(program) for _ in range(4)]
    job = IssueJob.objects.create(program=program, participant_ids=[p.pk for p in lawyers], requested_by=administrator)
    lawyers[3].admissions.update(state="withdrawn")  # no longer admitted since the job was queued
    kwargs = {
        "participant_ids": job.participant_ids,
        "program_id": program.pk,
        "by_id": administrator.pk,
        "job_id": job.pk,
    }
    assert issue_certificates(**kwargs) == 3
    assert issue_certificates(**kwargs) == 0  # delivered again: nothing new
    job.refresh_from_db()
    assert Certificate.objects.count() == 3 and services.job_progress(job) == (3, 3)


@pytest.mark.django_db
def test_very_long_names_stay_inside_the_frame(program, administrator, tmp_path):
    lawyer = _lawyer(
        program,
        name_zh="欧阳司马慕容诸葛㛃䶮",
        name_latin="Ouyang Simamurong Zhugexiyan Alexandrina Maximiliana Montgomery",
        law_firm="北京市某某某某知识产权与涉外商事争议解决及合规咨询服务暨国际仲裁与跨境数据合规研究合伙律师事务所"
        "粤港澳大湾区深圳前海蛇口自由贸易试验片区分所（特殊普通合伙）",
    )  # fmt: skip
    certificate = services.issue_certificate(participant=lawyer, program=program, by=administrator)
    pdf = tmp_path / "c.pdf"
    with certificate.pdf.open("rb") as handle:
        pdf.write_bytes(handle.read())
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))
    boxes = [(float(a), float(b)) for a, b in re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', html)]
    frame = 14 / 25.4 * 72  # the inner (gold) rule, 14 mm from the edge
    assert boxes and all(frame < x_min and x_max < width - frame for x_min, x_max in boxes)
    assert "Montgomery" in html and "特殊普通合伙" in html.replace("\n", "")


@pytest.mark.django_db
def test_my_program_shows_a_lawyers_certificates_from_issue_to_revocation(
    program, administrator, lawyer, lawyer_client
):
    """The panel is cached (certificates/panels.py): an issue or a revocation shows at once, in either language."""
    url = reverse("participants:my_program")

    def page(language="en"):
        return lawyer_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    participant = _lawyer(program, user=lawyer)
    assert 'id="certificates"' not in page()
    certificate = services.issue_certificate(participant=participant, program=program, by=administrator)
    shown = page()
    assert certificate.serial in shown and "Download (PDF)" in shown and "Revoked" not in shown
    assert certificate.serial in page("zh-hans") and "下载" in page("zh-hans")
    services.certificate_revoke(certificate=certificate, by=administrator, reason="材料不实")
    shown = page()
    assert "Revoked" in shown and "Download (PDF)" not in shown
