"""A lawyer answers a questionnaire on a phone, in under a minute: from My program, one page, ratings as a row of
buttons; the office then reads the results (each figure below five answers held back) with their charts.

Screenshots of every step, in Chinese and English: var/journeys/<this test>/.
"""

import pytest

from evaluations.models import Answered, Response
from participants.models import Participant
from sessions.models import Program

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def test_a_lawyer_answers_a_questionnaire_on_a_phone_and_the_office_reads_the_results(journey, demo):
    live = Program.objects.get(slug="fipr-live")
    lawyer = Participant.objects.get(user__email="lawyer@demo.test")
    sheets = Response.objects.count()

    phone = journey.open(phone=True)
    sign_in(phone, "lawyer@demo.test")
    phone.goto("/my/program/")
    panel = phone.locator("#questionnaires")
    panel.wait_for()
    journey.step(phone, "my-program", show="#questionnaires")
    panel.locator("a").first.click()
    phone.wait_for_selector("form .rating-row")
    journey.step(phone, "questionnaire")

    # Every rating: the fourth button of its row (a tap on its label); the first choice of each single choice.
    for row in phone.locator(".rating-row").all():
        row.locator("label").nth(3).tap()
    for group in phone.locator("fieldset").all():
        radios = group.locator("input[type=radio]:not(.btn-check)")
        if radios.count():
            group.locator(".form-check-label").first.tap()
    phone.get_by_role("button", name="提交答卷").tap()
    phone.wait_for_selector(".alert-success")
    journey.step(phone, "answered", url="/my/program/")
    assert Response.objects.count() == sheets + 1
    assert Answered.objects.filter(participant=lawyer).count() == 1

    # The office reads the results of a session with answers enough, its charts drawn beside their tables.
    office = journey.open()
    sign_in(office, "admin@demo.test")
    questionnaire = live.questionnaires.get(kind="session")
    office.goto(f"/manage/programs/{live.slug}/questionnaires/{questionnaire.pk}/results/")
    journey.step(office, "results")
    assert "答卷少于 5 份" in office.locator("main").inner_text()  # the session below the threshold
    busiest = Response.objects.filter(questionnaire=questionnaire).values_list("session", flat=True).order_by("session")
    counts = {}
    for session_id in busiest:
        counts[session_id] = counts.get(session_id, 0) + 1
    session_id = max(counts, key=counts.get)
    office.goto(f"/manage/programs/{live.slug}/questionnaires/{questionnaire.pk}/results/?session={session_id}")
    office.wait_for_selector(".chart svg")
    journey.step(office, "session-results", wait_for=".chart svg")
