"""The question queue in a browser: a lawyer on a phone asks a question and votes for another (the list swapped in
place by htmx); the projector shows the new question after its next poll; the phone page, the moderators' page and
the projector pass axe-core's WCAG 2.1 AA checks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from participants.models import Enrolment, Participant
from practice.models import Question, Vote
from sessions.models import Faculty, FacultyAssignment, Program, TrainingSession

from .axe import assert_accessible
from .conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_a_lawyer_asks_and_votes_from_a_phone_and_the_projector_shows_it(browser, page, demo, live_server):
    program = Program.objects.get(slug="fipr-2025")
    start = timezone.now() - timedelta(minutes=10)
    forum = TrainingSession.objects.create(
        program=program, title_zh="涉外知识产权纠纷应对论坛（加场）", title_en="Forum on foreign-related IP disputes",
        format="forum", starts_at=start, ends_at=start + timedelta(hours=2),
        online_url="https://meeting.example.org/forum", capacity=60, credit_hours=2,
    )  # fmt: skip
    FacultyAssignment.objects.create(session=forum, faculty=Faculty.objects.get(user__email="faculty@demo.test"))
    lawyer = Participant.objects.get(user__email="lawyer@demo.test")
    other = Participant.objects.exclude(pk=lawyer.pk).filter(admissions__program=program).first()
    for seated in (lawyer, other):
        Enrolment.objects.create(participant=seated, session=forum, state="confirmed", confirmed_at=timezone.now())
    theirs = Question.objects.create(session=forum, author=other, text="如何应对美国法院的禁诉令？")

    # The projector first, as the faculty member opens it before the session's questions come in.
    sign_in(page, "faculty@demo.test")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/sessions/{forum.pk}/questions/screen/")
    page.get_by_test_id("screen-questions").wait_for()
    assert_accessible(page, "the projector")

    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    ).new_page()
    sign_in(phone, "lawyer@demo.test")
    phone.goto(f"/sessions/{forum.pk}/questions/")
    assert_accessible(phone, "the lawyer's page")
    phone.locator("textarea[name=text]").fill("跨境证据开示与数据出境合规如何兼顾？")
    phone.locator("main form [type=submit]").first.click()
    phone.wait_for_load_state()
    mine = Question.objects.get(session=forum, author=lawyer)
    assert phone.locator(f"#q{mine.pk}").is_visible()

    # A vote: the button's form is swapped in place (no reload), pressed, with the count.
    button = phone.locator(f"#q{theirs.pk} button")
    assert button.get_attribute("aria-pressed") == "false"
    phone.evaluate("window.__kept = true")  # gone if the page reloads
    button.click()
    phone.locator(f"#q{theirs.pk} button[aria-pressed=true]").wait_for()
    assert phone.evaluate("window.__kept === true")
    assert Vote.objects.filter(question=theirs, participant=lawyer).count() == 1
    assert_accessible(phone, "the lawyer's page after a vote")
    screenshot(phone, "questions-phone")

    # The projector polls: the new question appears without a reload, ranked below the voted one.
    page.get_by_test_id("screen-questions").get_by_text("跨境证据开示与数据出境合规如何兼顾？").wait_for(timeout=12000)
    items = page.get_by_test_id("screen-questions").locator("li")
    assert "如何应对美国法院的禁诉令？" in items.nth(0).inner_text()
    screenshot(page, "questions-projector")

    page.goto(f"/sessions/{forum.pk}/questions/moderate/")
    assert lawyer.name_zh in page.locator(f"#q{mine.pk}").inner_text()
    assert_accessible(page, "the moderators' page")
