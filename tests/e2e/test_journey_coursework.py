"""Assessment and evaluation, #17's journey: the demo lawyer hands in the program's required reflection essay on a
phone (a text and a PDF) from My program; the office names the demo faculty member a grader; the faculty member
finds it under Grading at a desk and grades it; the lawyer reads the grade on the phone and sees their completion
figures change (the required coursework passed), then answers a session's questionnaire in a few taps; the office
reads the results (each figure below five answers held back) with their charts. A real Celery worker sends the
notices.

Screenshots of every step, in Chinese and English: var/journeys/<this test>/.
"""

from collections import Counter

import pytest

from assessment.models import Submission
from evaluations.models import Answered, Response
from participants.models import Participant
from sessions.models import Program
from tests.faculty.conftest import pdf_bytes

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_lawyer_hands_in_on_a_phone_is_graded_at_a_desk_and_answers_a_questionnaire(journey, demo, worker):
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
    assert phone.get_by_test_id("coursework-passed").inner_text() == "0 / 1"  # the completion figures: not yet
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
    assert phone.get_by_test_id("coursework-passed").inner_text() == "1 / 1"
    journey.step(phone, "completion", show='[data-testid="completion"]')

    # 5. Still on the phone, the lawyer answers a session's questionnaire from My program: one page, each rating
    # a row of buttons (the fourth tapped), the first choice of each single choice.
    sheets = Response.objects.count()
    questionnaires = phone.locator("#questionnaires")
    journey.step(phone, "questionnaires", show="#questionnaires")
    questionnaires.locator("a").first.tap()
    phone.wait_for_selector("form .rating-row")
    journey.step(phone, "questionnaire")
    for row in phone.locator(".rating-row").all():
        row.locator("label").nth(3).tap()
    for group in phone.locator("fieldset").all():
        if group.locator("input[type=radio]:not(.btn-check)").count():
            group.locator(".form-check-label").first.tap()
    phone.get_by_role("button", name="提交答卷").tap()
    phone.wait_for_selector(".alert-success")
    journey.step(phone, "answered", url="/my/program/")
    assert Response.objects.count() == sheets + 1
    assert Answered.objects.filter(participant=lawyer).count() == 1

    # 6. The office reads the results: a session below five answers is held back; one with enough, charted.
    questionnaire = live.questionnaires.get(kind="session")
    results = f"/manage/programs/{live.slug}/questionnaires/{questionnaire.pk}/results/"
    office.goto(results)
    journey.step(office, "results")
    assert "答卷少于 5 份" in office.locator("main").inner_text()
    answered = Counter(Response.objects.filter(questionnaire=questionnaire).values_list("session", flat=True))
    busiest, answers = answered.most_common(1)[0]
    assert answers >= 5
    office.goto(f"{results}?session={busiest}")
    office.wait_for_selector(".chart svg")
    journey.step(office, "session-results", wait_for=".chart svg")
