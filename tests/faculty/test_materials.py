"""Session materials: checked uploads, versions, who may download what, watermarks and the notices."""

import hashlib
import re
import subprocess
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation

from faculty import services
from faculty.models import Material, MaterialVersion
from notifications.models import Notification
from participants.models import Enrolment
from tests import clock
from tests.factories import AdmissionFactory, AssignmentFactory, FacultyFactory, ProgramFactory, SessionFactory
from tests.support import client_for, words

from .conftest import EXE, docx_bytes, pdf_bytes, png_bytes, upload


@pytest.fixture
def session(db):
    return SessionFactory(program=ProgramFactory())


@pytest.fixture
def teaching(faculty_member, session):
    AssignmentFactory(session=session, faculty=FacultyFactory(user=faculty_member))
    return session


@pytest.fixture
def seated(lawyer, session):
    participant = AdmissionFactory(
        program=session.program, participant__user=lawyer, participant__name_zh="李明"
    ).participant
    Enrolment.objects.create(participant=participant, session=session, state="confirmed", created_by=lawyer)
    return participant


def _post(client, session, *files, **fields):
    data = {"language": "zh", "visibility": "enrolled", "title": "", "description": "", **fields, "files": list(files)}
    url = reverse("faculty:session_materials", args=[session.pk])
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")  # the refusals are matched in English


def _status(client, url) -> int:
    """GET and read to the end: a file response holds its file open until it is read."""
    response = client.get(url)
    _drain(response)
    return response.status_code


def _drain(response) -> bytes:
    # The test client closes a streamed response (and its file) once the content is read.
    return b"".join(response.streaming_content) if response.streaming else response.content


def _read(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def _stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- uploading ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_faculty_post_two_files_at_once(teaching, faculty_client, faculty_member, _media):
    content = pdf_bytes()
    response = _post(faculty_client, teaching, upload("案例材料.pdf", content), upload("证据照片.png", png_bytes()))
    assert response.status_code == 302
    materials = {m.title: m for m in Material.objects.all()}
    assert set(materials) == {"案例材料", "证据照片"}
    version = materials["案例材料"].versions.get()
    assert (version.number, version.original_name, version.content_type) == (1, "案例材料.pdf", "application/pdf")
    assert version.sha256 == hashlib.sha256(content).hexdigest() and version.size == len(content)
    assert "案例材料" not in version.file.name and version.file.name.endswith(".pdf")  # our name on disk
    assert version.uploaded_by == faculty_member
    assert len(_stored_files(_media)) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("setup.pdf", EXE, "not a PDF"),
        ("slides.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "not a PDF"),
        ("empty.pdf", b"", "empty"),
        ("notes.pdf", docx_bytes(), "Word"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(teaching, faculty_client, _media, name, content, says):
    response = _post(faculty_client, teaching, upload("good.png", png_bytes()), upload(name, content))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("files", []))
    assert says in errors
    assert not Material.objects.exists() and _stored_files(_media) == []


@pytest.mark.django_db
def test_names_with_paths_or_control_characters(teaching, faculty_member, faculty_client, _media):
    """Django's upload parser keeps only the last part of a path and drops control characters; a
    caller of the service that passes such a name anyway is refused."""
    for name, says in (("bad\x07name.pdf", "control characters"), ("..\\..\\evil.pdf", "may not contain")):
        with translation.override("en"), pytest.raises(services.MaterialRefused, match=says):
            services.material_upload(session=teaching, files=[upload(name, pdf_bytes())], by=faculty_member)
    assert not Material.objects.exists() and _stored_files(_media) == []
    _post(faculty_client, teaching, upload("..\\..\\bad\x07name.pdf", pdf_bytes()))
    assert MaterialVersion.objects.get().original_name == "badname.pdf"


@pytest.mark.django_db
def test_an_oversized_file_is_refused(teaching, faculty_client, settings, _media):
    settings.MATERIAL_MAX_BYTES = 1000
    response = _post(faculty_client, teaching, upload("big.pdf", pdf_bytes(pages=8)))
    assert "the limit is" in " ".join(response.context["form"].errors["files"])
    assert not Material.objects.exists() and _stored_files(_media) == []


@pytest.mark.django_db
def test_a_real_word_document_is_taken(teaching, faculty_member):
    (material,) = services.material_upload(
        session=teaching, files=[upload("判决书.docx", docx_bytes())], by=faculty_member
    )
    assert material.versions.get().content_type.endswith("wordprocessingml.document")


@pytest.mark.django_db
def test_faculty_cannot_post_to_anothers_session(teaching, faculty_client, faculty_member, _media):
    other = SessionFactory(program=teaching.program)
    response = _post(faculty_client, other, upload("a.pdf", pdf_bytes()))
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.material_upload(session=other, files=[upload("a.pdf", pdf_bytes())], by=faculty_member)
    assert not Material.objects.exists() and _stored_files(_media) == []


@pytest.mark.django_db
def test_a_new_upload_is_a_new_version_and_earlier_ones_stay_for_administrators(
    teaching, faculty_member, faculty_client, administrator_client, seated, lawyer_client
):
    (material,) = services.material_upload(
        session=teaching, files=[upload("v1.pdf", pdf_bytes("one"))], by=faculty_member
    )
    response = faculty_client.post(
        reverse("faculty:material_version", args=[material.pk]), {"file": upload("v2.pdf", pdf_bytes("two"))}
    )
    assert response.status_code == 302
    first, second = material.versions.order_by("number")
    assert (first.number, second.number) == (1, 2)
    download = lawyer_client.get(reverse("faculty:download", args=[material.pk]))
    assert _drain(download) == _read(second.file)
    old = reverse("faculty:version_download", args=[first.pk])
    assert _status(lawyer_client, old) == 403 and _status(faculty_client, old) == 403
    assert _status(administrator_client, old) == 200


@pytest.mark.django_db
def test_deleting_hides_from_lawyers_and_keeps_for_administrators(
    teaching, faculty_member, faculty_client, seated, lawyer_client, administrator_client
):
    (material,) = services.material_upload(session=teaching, files=[upload("a.pdf", pdf_bytes())], by=faculty_member)
    faculty_client.post(reverse("faculty:material_delete", args=[material.pk]))
    material.refresh_from_db()
    assert material.deleted_at and material.deleted_by == faculty_member
    assert _status(lawyer_client, reverse("faculty:download", args=[material.pk])) == 404
    version = material.versions.get()
    assert _status(administrator_client, reverse("faculty:version_download", args=[version.pk])) == 200


# --- reading ------------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.clock_edges
def test_who_may_download(teaching, faculty_member, seated, lawyer_client, other_lawyer, client):
    def post(name, **f):
        return services.material_upload(session=teaching, files=[upload(name, pdf_bytes())], by=faculty_member, **f)[0]

    enrolled = post("enrolled.pdf")
    everyone = post("program.pdf", visibility="program")
    staff = post("staff.pdf", visibility="staff")
    later = post("solution.pdf", release_at=timezone.now() + timedelta(days=1))
    url = lambda m: reverse("faculty:download", args=[m.pk])  # noqa: E731
    assert [_status(lawyer_client, url(m)) for m in (enrolled, everyone, staff, later)] == [200, 200, 404, 404]
    AdmissionFactory(program=teaching.program, participant__user=other_lawyer)  # admitted, no seat

    admitted = client_for(other_lawyer)
    assert [_status(admitted, url(m)) for m in (enrolled, everyone)] == [404, 200]
    assert _status(client, url(enrolled)) == 302  # anonymous: sign in first
    assert _status(lawyer_client, reverse("faculty:download", args=[999999])) == 404


@pytest.mark.django_db
def test_downloads_are_attachments_with_the_original_name(teaching, faculty_member, seated, lawyer_client, settings):
    (material,) = services.material_upload(
        session=teaching, files=[upload("案例 材料.pdf", pdf_bytes())], by=faculty_member
    )
    response = lawyer_client.get(reverse("faculty:download", args=[material.pk]))
    _drain(response)
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and "filename*=utf-8''" in response["Content-Disposition"].lower()
    )
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"
    settings.MATERIAL_X_ACCEL_PREFIX = "/protected-media/"
    response = lawyer_client.get(reverse("faculty:download", args=[material.pk]))
    assert response["X-Accel-Redirect"] == "/protected-media/" + material.versions.get().file.name


@pytest.mark.django_db
def test_confidential_pdfs_carry_the_readers_name_and_the_original_stays(
    teaching, faculty_member, seated, lawyer_client, tmp_path
):
    content = pdf_bytes("Case file")
    (material,) = services.material_upload(
        session=teaching, files=[upload("保密案卷.pdf", content)], by=faculty_member, confidential=True
    )
    response = lawyer_client.get(reverse("faculty:download", args=[material.pk]))
    path = tmp_path / "stamped.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    tail = seated.license_number[-4:]
    # The line under each page reads whole; the diagonal ones across it come out of pdftotext in pieces.
    assert text.count("李明 · ") == 2 and text.count(tail) > 2 + 2
    assert "Case file (1)" in text and "Case file (2)" in text
    assert _read(material.versions.get().file) == content


# --- notices ------------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.clock_edges
def test_files_posted_together_make_one_notice_per_lawyer(teaching, faculty_member, seated, other_lawyer):
    materials = services.material_upload(
        session=teaching, files=[upload("一.pdf", pdf_bytes()), upload("二.png", png_bytes())], by=faculty_member
    )
    AdmissionFactory(program=teaching.program, participant__user=other_lawyer)  # admitted without a seat
    assert services.announce([m.pk for m in materials]) == 1
    notice = words(Notification.objects.get(kind="materials_posted"))
    assert notice.recipient == seated.user and "一" in notice.body_text and "二" in notice.body_text
    assert services.announce([m.pk for m in materials]) == 0  # announced once
    services.version_add(material=materials[0], upload=upload("一.pdf", pdf_bytes("v2")), by=faculty_member)
    assert services.announce([materials[0].pk]) == 1  # a new version is news again
    later = services.material_upload(
        session=teaching, files=[upload("答案.pdf", pdf_bytes())], by=faculty_member,
        release_at=timezone.now() + timedelta(hours=2),
    )  # fmt: skip
    assert services.announce([later[0].pk]) == 0  # not before its release
    Material.objects.filter(pk=later[0].pk).update(release_at=timezone.now() - timedelta(minutes=1))
    assert services.announce_released() == 1


# --- the portal ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_portal_lists_own_sessions_and_the_roster_has_no_licence_numbers(teaching, faculty_client, seated):
    page = faculty_client.get(reverse("faculty:portal")).content.decode()
    assert teaching.title_zh in page and "广东" in page
    english = faculty_client.get(reverse("faculty:portal"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Guangdong" in english and "广东" not in english
    response = faculty_client.get(reverse("faculty:roster", args=[teaching.pk, "csv"]))
    body = response.content.decode("utf-8-sig")
    assert "李明" in body and seated.license_number not in body
    other = SessionFactory(program=teaching.program)
    assert faculty_client.get(reverse("faculty:roster", args=[other.pk, "csv"])).status_code == 403


@pytest.mark.django_db
def test_faculty_edit_their_profile_and_photo(teaching, faculty_client, faculty_member):
    data = {"title_zh": "教授", "bio_zh": "长期从事知识产权研究。", "languages": "中文, English"}
    bad = faculty_client.post(reverse("faculty:profile"), {**data, "photo": upload("me.png", b"not an image")})
    assert bad.status_code == 200 and "photo" in bad.context["form"].errors
    faculty_client.post(reverse("faculty:profile"), {**data, "photo": upload("me.png", png_bytes())})
    person = faculty_member.faculty_profile
    person.refresh_from_db()
    assert person.title_zh == "教授" and person.photo
    photo = faculty_client.get(reverse("sessions:faculty_photo", args=[person.slug]))
    assert _drain(photo) == png_bytes() and photo["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_my_program_lists_a_lawyers_materials_and_follows_every_change(teaching, faculty_member, seated, lawyer_client):
    """The panel is cached (faculty/panels.py): each change a lawyer would see shows at once, or at its moment."""

    def shown() -> list[str]:
        page = lawyer_client.get(reverse("participants:my_program"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        items = re.findall(r'<div class="small text-body-secondary">(.*?)</div>', page, re.S)
        return [" ".join(item.split()) for item in items if "PDF" in item]

    def post(title, **fields):
        files = [upload(f"{title}.pdf", pdf_bytes())]
        return services.material_upload(session=teaching, files=files, by=faculty_member, title=title, **fields)[0]

    assert shown() == []
    slides = post("Slides")
    assert len(shown()) == 1 and shown()[0].startswith(f"{teaching.title_en} · PDF")
    post("Solution", release_at=timezone.now() + timedelta(hours=2))
    post("Everyone", visibility="program")
    assert len(shown()) == 2  # the solution is not out yet
    services.version_add(material=slides, upload=upload("v2.pdf", pdf_bytes()), by=faculty_member)
    assert any("version 2" in item for item in shown())
    teaching.title_en = "Mock court, renamed"
    teaching.save()
    assert all(item.startswith("Mock court, renamed · PDF") for item in shown())
    with clock.at(timezone.now() + timedelta(hours=3)):
        assert len(shown()) == 3  # released: the cached panel ended at that moment
    services.material_delete(material=slides, by=faculty_member)
    assert len(shown()) == 1  # the solution is out only from its moment on; the slides are gone
    post("Handout")
    assert len(shown()) == 2
    Enrolment.objects.filter(participant=seated).update(state="cancelled")  # seats change without a signal
    assert len(shown()) == 1  # admitted to the program still: the material for everyone stays
    with translation.override("zh-hans"):
        page = lawyer_client.get(reverse("participants:my_program"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert teaching.title_zh in page and "Everyone" in page
