"""Materials end to end: a faculty member posts two files to a session; a renamed program is refused;
the lawyer with a seat gets one notice (sent by a real Celery worker) and downloads both; a lawyer
without a seat is refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from faculty.models import Material
from notifications.models import Notification
from participants.models import Enrolment, Participant
from sessions.models import Faculty, FacultyAssignment, Program, TrainingSession
from tests.faculty.conftest import EXE, pdf_bytes, png_bytes
from tests.support import wait_for, words

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_faculty_post_materials_and_the_lawyer_with_a_seat_downloads_them(browser, page, demo, worker, tmp_path):
    program = Program.objects.get(slug="fipr-2025")
    start = timezone.now() + timedelta(days=3)
    session = TrainingSession.objects.create(
        program=program, title_zh="跨境数据合规与商业秘密保护（研讨）", title_en="Cross-border data and trade secrets",
        format="seminar", starts_at=start, ends_at=start + timedelta(hours=2),
        online_url="https://meeting.example.org/seminar", capacity=30, credit_hours=2,
    )  # fmt: skip
    FacultyAssignment.objects.create(session=session, faculty=Faculty.objects.get(user__email="faculty@demo.test"))
    lawyer = Participant.objects.get(user__email="lawyer@demo.test")
    Enrolment.objects.create(participant=lawyer, session=session, state="confirmed", confirmed_at=timezone.now())
    outsider = Participant.objects.filter(admissions__program=program).exclude(pk=lawyer.pk).first()
    outsider.user.set_password("outsider-pass-2025")
    outsider.user.is_active = True
    outsider.user.save()
    slides, photo = tmp_path / "课件.pdf", tmp_path / "现场照片.png"
    slides.write_bytes(pdf_bytes("Trade secrets: the slides"))
    photo.write_bytes(png_bytes())
    renamed = tmp_path / "setup.pdf"
    renamed.write_bytes(EXE)

    # The faculty member posts both files at once from the portal.
    sign_in(page, "faculty@demo.test")
    page.goto("/teaching/")
    page.locator(f'.portal-session a[href="/teaching/sessions/{session.pk}/materials/"]').click()
    page.locator("input[name=files]").set_input_files([str(slides), str(photo)])
    page.locator("select[name=visibility]").select_option("enrolled")
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_selector("[data-material]")
    assert page.locator("[data-material]").count() == 2
    screenshot(page, "materials-posted-zh")

    # A program renamed .pdf is refused, naming the file; nothing is stored.
    page.locator("input[name=files]").set_input_files([str(renamed)])
    page.get_by_role("button", name="发布", exact=True).click()
    assert "setup.pdf" in page.locator(".invalid-feedback, .text-danger").first.inner_text()
    assert Material.objects.filter(session=session).count() == 2

    # One notice for the lawyer with a seat, from the worker.
    wait_for(
        lambda: Notification.objects.filter(recipient=lawyer.user, kind="materials_posted").exists(),
        timeout=60,
        message="the materials notice",
    )
    notice = words(Notification.objects.get(recipient=lawyer.user, kind="materials_posted"))
    assert "课件" in notice.body_text and "现场照片" in notice.body_text

    # The lawyer opens the session page and downloads both.
    phone = browser.new_context(
        base_url=page.url.split("/teaching")[0], viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    sign_in(phone, "lawyer@demo.test")
    phone.goto(f"/programs/{program.slug}/sessions/{session.pk}/")
    items = phone.locator("#materials .material-item")
    assert items.count() == 2
    screenshot(phone, "materials-session-phone-zh")
    names = set()
    for n in range(2):
        with phone.expect_download() as download_info:
            items.nth(n).locator("a.btn").click()
        download = download_info.value
        saved = tmp_path / f"got-{n}"
        download.save_as(saved)
        names.add(download.suggested_filename)
        assert saved.read_bytes() in (slides.read_bytes(), photo.read_bytes())
    assert names == {"课件.pdf", "现场照片.png"}

    # A lawyer of the program without a seat is refused the same link.
    other = browser.new_context(base_url=page.url.split("/teaching")[0], locale="zh-CN").new_page()
    sign_in(other, outsider.user.email, "outsider-pass-2025")
    material = Material.objects.filter(session=session).first()
    response = other.goto(f"/materials/{material.pk}/download/")
    assert response.status == 404
    phone.context.close()
    other.context.close()
