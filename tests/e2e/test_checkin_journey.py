"""QR check-in end to end: the projector shows a code, a phone reads it, the roster and the lawyer's
completion figures follow; an expired code is refused."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from participants import services
from participants.models import Attendance, Enrolment, Participant
from sessions.models import Faculty, FacultyAssignment, Program, TrainingSession

from .conftest import SCREENSHOTS, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_a_lawyer_checks_in_by_scanning_the_projected_qr_code(browser, page, demo, live_server):
    program = Program.objects.get(slug="fipr-2025")
    start = timezone.now() - timedelta(minutes=3)
    session = TrainingSession.objects.create(
        program=program, title_zh="涉外知识产权纠纷模拟法庭（补充场）", title_en="Mock court (extra sitting)",
        format="mock_court", is_required=True, starts_at=start, ends_at=start + timedelta(hours=2),
        online_url="https://meeting.example.org/court", capacity=60, credit_hours=3,
    )  # fmt: skip
    FacultyAssignment.objects.create(session=session, faculty=Faculty.objects.get(user__email="faculty@demo.test"))
    lawyer = Participant.objects.get(user__email="lawyer@demo.test")
    Enrolment.objects.create(participant=lawyer, session=session, state="confirmed", confirmed_at=timezone.now())

    # The lawyer's figures before: this required session not attended yet.
    completion = services.Completion(program)
    attended, total = completion.of(lawyer).attended_required, completion.required_total
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    ).new_page()
    sign_in(phone, "lawyer@demo.test")
    phone.goto("/my/program/")
    # The demo lawyer is in two programs: the figures of this one.
    figures = phone.locator(".list-group-item", has_text=program.name_zh).get_by_test_id("attended")
    before = figures.inner_text()
    assert before.startswith(f"{attended} / {total}")

    # Faculty open the roster at the door and, in another tab, the check-in screen for the projector.
    sign_in(page, "faculty@demo.test")
    page.goto(f"/sessions/{session.pk}/attendance/")
    row = page.locator(f"#lawyer-{lawyer.pk}")
    assert row.get_attribute("data-status") == "none"
    projector = page.context.new_page()
    projector.set_viewport_size({"width": 1366, "height": 768})
    projector.goto(f"/sessions/{session.pk}/attendance/screen/")
    qr = projector.locator(".checkin-qr-box")
    qr.wait_for()
    screenshot(projector, "checkin-screen-zh")
    image = SCREENSHOTS / "checkin-qr.png"
    qr.screenshot(path=image)
    decoded = subprocess.run(["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=True)
    url = decoded.stdout.strip()
    assert url.startswith(f"{live_server.url}/checkin/{session.pk}/")

    # The phone opens what the camera read: checked in.
    phone.goto(url)
    phone.wait_for_selector('[data-state="present"]')
    screenshot(phone, "checkin-done-phone-zh")
    assert Attendance.objects.get(participant=lawyer, session=session).method == "qr"

    # The roster at the door shows it without a reload (it refreshes itself every ten seconds).
    page.wait_for_selector(f'#lawyer-{lawyer.pk}[data-status="present"]', timeout=15_000)
    assert "1" in page.locator("#attendance-count").inner_text()
    screenshot(page, "attendance-roster-zh")

    # A code forwarded after it expired is refused, and changes nothing.
    stale = services.checkin_token(session, timezone.now() - timedelta(minutes=2))
    phone.goto(f"/checkin/{session.pk}/{stale}/")
    assert "过期" in phone.locator(".alert-danger").inner_text()
    assert Attendance.objects.filter(session=session).count() == 1

    # And the lawyer's completion figures count the session.
    phone.goto("/my/program/")
    assert figures.inner_text().startswith(f"{attended + 1} / {total}")
    screenshot(phone, "my-program-completion-phone-zh")
    phone.context.close()

    # The office sees everyone's completion; those who can no longer complete are highlighted.
    office = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    admin = office.new_page()
    sign_in(admin, "admin@demo.test")
    admin.goto("/manage/programs/fipr-2025/completion/?outcome=at_risk")
    assert admin.locator("tr.outcome-at_risk").count() > 0
    screenshot(admin, "completion-at-risk-zh")
    admin.goto("/manage/programs/fipr-2025/attendance/")
    assert session.title_zh in admin.locator("main").inner_text()
    screenshot(admin, "attendance-report-zh")
    office.close()
