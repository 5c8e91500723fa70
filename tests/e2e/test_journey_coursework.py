"""Coursework from a phone to a desk and back: the demo lawyer hands in the program's required reflection essay on
a phone (a text and a PDF) from My program; the office names the demo faculty member a grader; the faculty member
finds it under Grading at a desk and grades it; the lawyer reads the grade on the phone. A real Celery worker
sends the notices.

Screenshots of every step, in Chinese and English: var/journeys/<this test>/.
"""

import pytest

from assessment.models import Submission
from participants.models import Participant
from sessions.models import Program
from tests.faculty.conftest import pdf_bytes

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_lawyer_hands_in_on_a_phone_and_the_faculty_member_grades_it_at_a_desk(journey, demo, worker):
    live = Program.objects.get(slug="fipr-live")
    lawyer = Participant.objects.get(user__email="lawyer@demo.test")
    essay = live.coursework.get(kind="reflection")
    assert essay.required  # the completion rule asks for it (tests/assessment/test_completion.py)

    # 1. On the phone: My program lists the essay to do; the lawyer writes a few lines and attaches a PDF.
    phone = journey.open(phone=True)
    sign_in(phone, "lawyer@demo.test")
    phone.goto("/my/program/")
    panel = phone.locator("#coursework")
    assert "待完成" in panel.inner_text()
    journey.step(phone, "my-coursework", show="#coursework")
    panel.get_by_role("link", name=essay.title_zh).tap()
    phone.locator("[name=text]").fill("通过本次培训，我系统学习了涉外知识产权纠纷的应对策略。")
    phone.locator("[name=file]").set_input_files(
        {"name": "心得体会.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("reflection")}
    )
    journey.step(phone, "hand-in")
    phone.get_by_role("button", name="提交", exact=True).tap()
    phone.wait_for_selector(".alert-success")
    assert "心得体会.pdf" in phone.get_by_test_id("handed-in").inner_text()
    journey.step(phone, "handed-in")
    submission = Submission.objects.get(assignment=essay, participant=lawyer)

    # 2. The office names the demo faculty member a grader of the essay.
    office = journey.open()
    sign_in(office, "admin@demo.test")
    office.goto(f"/manage/programs/{live.slug}/assignments/{essay.pk}/")
    grader = office.locator("[name=graders] option", has_text="faculty@demo.test").get_attribute("value")
    office.locator("[name=graders]").select_option([grader])
    office.get_by_role("button", name="保存作业").click()
    office.wait_for_selector(".alert-success")

    # 3. At a desk, the faculty member finds it under Grading and grades it.
    desk = journey.open()
    sign_in(desk, "faculty@demo.test")
    desk.goto("/grading/")
    desk.get_by_role("link", name=essay.title_zh).click()
    journey.step(desk, "queue")
    desk.get_by_role("link", name=f"评分 {lawyer.name_zh}").click()
    desk.locator("[name=score]").fill("88")
    desk.locator("[name=comment]").fill("结合实务，体会深入。")
    journey.step(desk, "grade")
    desk.get_by_role("button", name="保存评分").click()
    desk.wait_for_selector(".alert-success")
    submission.refresh_from_db()
    assert submission.score == 88 and submission.passed

    # 4. Back on the phone: the grade and the comment; My program shows the score.
    phone.reload()
    grade = phone.get_by_test_id("grade").inner_text()
    assert "88" in grade and "合格" in grade and "结合实务" in grade
    journey.step(phone, "graded", show='[data-testid="grade"]')
    phone.goto("/my/program/")
    assert "88 / 100" in phone.locator("#coursework").inner_text()
