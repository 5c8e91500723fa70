"""A faculty member's whole program, on a desk: the office adds his e-mail and invites him; he sets a
password, finds his sessions, posts his materials (and a corrected version) before today's seminar,
puts the check-in code on the projector and marks the roster at the door. A real Celery worker mails
the invitation and announces the materials.

Screenshots of every step, in Chinese and English: var/journeys/<this test>/.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from faculty.models import Material
from participants.models import Attendance, Enrolment
from sessions.models import Faculty
from tests.faculty.conftest import docx_bytes, pdf_bytes
from tests.support import wait_for

from .conftest import link_in_mail, sign_in

pytestmark = pytest.mark.e2e

EMAIL = "ho.chihang@hku.example.hk"


def test_a_faculty_member_teaches_a_session(journey, demo, worker, mailbox, tmp_path):
    person = Faculty.objects.get(slug="ho-chi-hang")
    # Today is the day of his latest seminar: it starts in ten minutes and has not been held yet.
    seminar = person.assignments.filter(session__format="seminar").latest("session__starts_at").session
    seminar.starts_at = timezone.now() + timedelta(minutes=10)
    seminar.ends_at = seminar.starts_at + timedelta(hours=2)
    seminar.save(update_fields=["starts_at", "ends_at"])
    Attendance.objects.filter(session=seminar).delete()
    seated = list(
        Enrolment.objects.confirmed()
        .filter(session=seminar)
        .select_related("participant")
        .order_by("participant__name_latin")
    )

    # The office records his e-mail address and invites him to sign in.
    office = journey.open()
    sign_in(office, "admin@demo.test")
    office.goto("/manage/faculty/")
    office.get_by_role("link", name="何志恒").click()
    office.locator("[name=email]").fill(EMAIL)
    office.get_by_role("button", name="保存").click()
    office.wait_for_selector(".alert-success")
    office.locator("tr", has_text="何志恒").get_by_role("button", name="邀请登录").click()
    office.wait_for_selector(".alert-success")

    # 1. His invitation: he chooses a password and lands on his home page.
    page = journey.open()
    page.goto(link_in_mail(mailbox, EMAIL, "/accounts/activate/"))
    assert "授课专家" in page.locator("main").inner_text()
    journey.step(page, "invitation")
    page.locator("[name=password1]").fill("Evidence-HKU-2026")
    page.locator("[name=password2]").fill("Evidence-HKU-2026")
    page.get_by_role("button", name="激活账号").click()
    page.wait_for_selector(".alert-success")
    journey.step(page, "home")

    # 2. My teaching: today's seminar first, with who holds a seat; the sessions already taught below.
    page.get_by_role("link", name="我的授课").first.click()
    upcoming = page.locator(".portal-session").first
    assert seminar.title_zh in upcoming.inner_text()
    assert f"{len(seated)}名律师" in upcoming.inner_text()
    journey.step(page, "my-teaching")

    # 3. Materials before the seminar: slides and a worksheet at once, for the lawyers with a seat.
    slides, worksheet = tmp_path / "证据规则-课件.pdf", tmp_path / "证据清单练习.docx"
    slides.write_bytes(pdf_bytes("Evidence in foreign-related IP litigation: the slides"))
    worksheet.write_bytes(docx_bytes())
    upcoming.get_by_role("link", name="课程资料").click()
    page.locator("input[name=files]").set_input_files([str(slides), str(worksheet)])
    page.locator("[name=description]").fill("课前请通读第3–5页，并完成练习中的证据清单。")
    page.locator("select[name=visibility]").select_option("enrolled")
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_selector("[data-material]")
    assert page.locator("[data-material]").count() == 2
    journey.step(page, "materials-posted")

    # 4. A corrected version of the slides replaces the first; both versions are kept.
    corrected = tmp_path / "证据规则-课件（修订）.pdf"
    corrected.write_bytes(pdf_bytes("Evidence in foreign-related IP litigation: the slides, corrected", pages=3))
    item = page.locator("[data-material]", has_text="证据规则-课件")
    item.locator("input[name=file]").set_input_files(str(corrected))
    item.get_by_role("button", name="上传新版本").click()
    page.wait_for_selector("[data-material] >> text=v2")
    assert Material.objects.get(session=seminar, title="证据规则-课件").versions.count() == 2
    journey.step(page, "materials-new-version")

    # The worker announces them to the lawyers with a seat (the demo's lawyers have no active accounts to
    # be told; the lawyer's journey reads such a notice).
    wait_for(
        lambda: not Material.objects.filter(session=seminar, announced_at__isnull=True).exists(),
        timeout=60,
        message="the worker to announce the materials",
    )

    # 5. At the door: the check-in screen for the projector ...
    page.goto(f"/sessions/{seminar.pk}/attendance/screen/")
    page.locator(".checkin-qr-box").wait_for()
    journey.step(page, "checkin-screen", wait_for=".checkin-qr-box")

    # 6. ... and the roster: one present, one late, one excused with a reason, then everyone else.
    page.goto(f"/sessions/{seminar.pk}/attendance/")
    early, late, excused = (s.participant for s in seated[:3])
    page.locator(f'#lawyer-{early.pk} button[hx-vals*="present"]').click()
    page.wait_for_selector(f'#lawyer-{early.pk}[data-status="present"]')
    page.locator(f'#lawyer-{late.pk} button[hx-vals*="late"]').click()
    page.wait_for_selector(f'#lawyer-{late.pk}[data-status="late"]')
    page.once("dialog", lambda dialog: dialog.accept("出庭冲突，已提前请假"))
    page.locator(f'#lawyer-{excused.pk} button[hx-vals*="excused"]').click()
    page.wait_for_selector(f'#lawyer-{excused.pk}[data-status="excused"]')
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="全部出席").click()
    page.wait_for_selector(f'#lawyer-{seated[-1].participant.pk}[data-status="present"]')
    records = Attendance.objects.filter(session=seminar)
    assert records.count() == len(seated)
    assert records.get(participant=late).status == "late"
    assert records.get(participant=excused).note == "出庭冲突，已提前请假"
    journey.step(page, "roster-marked")
