"""The interactive formats, #18's journey: at a desk the demo faculty member draws the next mock court's teams anew
and moves the demo lawyer to the other side; on a phone the lawyer finds their case, side, role, hearing and
their side's file (never the other side's); at the hearing the bench scores the lawyer's team and the lawyer reads
the score on the phone; then, in a forum under way, the lawyer asks a question and votes for another's from the
phone (the list swapped in place), the projector shows it at its next poll, and the moderators see who asked.

Screenshots of every step, in Chinese and English: var/journeys/<this test>/.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from participants.models import Enrolment, Participant
from practice.models import Case, Member, Question, Score, Side, Vote
from sessions.models import Faculty, FacultyAssignment, Program, TrainingSession

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def test_teams_are_built_and_adjusted_a_lawyer_reads_their_place_asks_and_is_scored(journey, demo):
    lawyer = Participant.objects.get(user__email="lawyer@demo.test")
    case = Case.objects.select_related("session__program").get(session__program__slug="fipr-live", in_english=True)
    court = case.session
    session_url = f"/programs/{court.program.slug}/sessions/{court.pk}/"

    # 1. At a desk, the faculty member on the bench draws the teams anew.
    desk = journey.open()
    sign_in(desk, "faculty@demo.test")
    desk.goto(session_url)
    desk.get_by_role("link", name="组建队伍").click()
    desk.get_by_role("button", name="重新抽签组队").click()
    desk.wait_for_selector(".alert-success")
    journey.step(desk, "teams-drawn", url=f"/sessions/{court.pk}/teams/")
    place = Member.objects.select_related("team").get(session=court, participant=lawyer)
    other_side = Side.RESPONDENT if place.team.side == Side.CLAIMANT else Side.CLAIMANT
    target = case.team_set.get(side=other_side, number=1)

    # 2. They move the demo lawyer to the other side's first team: the place is locked there.
    desk.get_by_role("link", name=f"调整 {lawyer.name_zh}").click()
    desk.locator("[name=team]").select_option(str(target.pk))
    journey.step(desk, "move")
    desk.get_by_role("button", name="调整队伍").click()
    desk.wait_for_selector(".alert-success")
    place.refresh_from_db()
    assert place.team == target and place.locked

    # 3. On the phone: the lawyer's case, side, role, hearing, and their side's file only.
    phone = journey.open(phone=True)
    sign_in(phone, "lawyer@demo.test")
    phone.goto(session_url)
    mine = phone.get_by_test_id("my-place").inner_text()
    assert target.get_side_display() in mine and "庭审" in mine
    files = phone.get_by_test_id("my-case-files").inner_text()
    own_file = case.materials.get(side=other_side)
    their_file = case.materials.exclude(side="").exclude(side=other_side).get()
    assert own_file.title in files and their_file.title not in files
    journey.step(phone, "my-team", show="#my-team")
    assert phone.request.get(f"/cases/materials/{own_file.pk}/").status == 200
    assert phone.request.get(f"/cases/materials/{their_file.pk}/").status == 404  # no one learns it exists

    # 4. At the hearing, the bench scores the lawyer's team and the lawyer as a speaker.
    desk.goto(f"/teams/{target.pk}/score/")
    criteria = ("argument", "evidence", "procedure", "language", "teamwork")
    for criterion, points in zip(criteria, (17, 16, 15, 18, 16), strict=True):
        desk.locator(f"[name=team-{criterion}]").fill(str(points))
        desk.locator(f"[name=speaker-{lawyer.pk}-{criterion}]").fill(str(points + 1))
    desk.locator("[name=comment]").fill("论证清晰，英语表达流畅。")
    journey.step(desk, "score-sheet")
    desk.get_by_role("button", name="保存评分").click()
    desk.wait_for_selector(".alert-success")
    assert Score.objects.get(team=target, participant=None).total == 82

    # 5. The lawyer reads the score on the phone: the team's 82, their own 87, their result 84.5.
    phone.reload()
    score = phone.get_by_test_id("my-score").inner_text()
    assert "84.5 / 100" in score and "论证清晰" in score
    journey.step(phone, "my-score", show='[data-testid="my-score"]')

    # 6. A forum under way (added for the test: the demo's forums are past or to come), the lawyer and another
    #    seated; the faculty member opens its projector before the questions come in.
    program = Program.objects.get(slug="fipr-2025")
    start = timezone.now() - timedelta(minutes=10)
    forum = TrainingSession.objects.create(
        program=program, title_zh="涉外知识产权纠纷应对论坛（加场）", title_en="Forum on foreign-related IP disputes",
        format="forum", starts_at=start, ends_at=start + timedelta(hours=2),
        online_url="https://meeting.example.org/forum", capacity=60, credit_hours=2,
    )  # fmt: skip
    FacultyAssignment.objects.create(session=forum, faculty=Faculty.objects.get(user__email="faculty@demo.test"))
    other = Participant.objects.exclude(pk=lawyer.pk).filter(admissions__program=program).first()
    for seated in (lawyer, other):
        Enrolment.objects.create(participant=seated, session=forum, state="confirmed", confirmed_at=timezone.now())
    theirs = Question.objects.create(session=forum, author=other, text="如何应对美国法院的禁诉令？")
    desk.set_viewport_size({"width": 1366, "height": 768})
    desk.goto(f"/sessions/{forum.pk}/questions/screen/")
    desk.get_by_test_id("screen-questions").wait_for()

    # 7. On the phone: the lawyer asks, without their name to the room, and votes for the other question in place.
    phone.goto(f"/sessions/{forum.pk}/questions/")
    phone.locator("textarea[name=text]").fill("跨境证据开示与数据出境合规如何兼顾？")
    phone.locator("[name=anonymous]").check()
    journey.step(phone, "ask")
    phone.locator("main form [type=submit]").first.tap()
    phone.locator("main li", has_text="跨境证据开示与数据出境合规如何兼顾？").wait_for()
    mine = Question.objects.get(session=forum, author=lawyer)
    assert mine.anonymous and phone.locator(f"#q{mine.pk}").is_visible()
    phone.evaluate("window.__kept = true")  # gone if the page reloads
    phone.locator(f"#q{theirs.pk} button").tap()
    phone.locator(f"#q{theirs.pk} button[aria-pressed=true]").wait_for()
    assert phone.evaluate("window.__kept === true")
    assert Vote.objects.filter(question=theirs, participant=lawyer).count() == 1
    journey.step(phone, "asked-and-voted")

    # 8. The projector picks the question up at its next poll, "Anonymous", below the voted one.
    shown = desk.get_by_test_id("screen-questions")
    shown.get_by_text("跨境证据开示与数据出境合规如何兼顾？").wait_for(timeout=12_000)
    assert "如何应对美国法院的禁诉令？" in shown.locator("li").nth(0).inner_text()
    assert lawyer.name_zh not in shown.inner_text()
    journey.step(desk, "projector", wait_for='[data-testid="screen-questions"]')

    # 9. The moderators' page names who asked.
    desk.goto(f"/sessions/{forum.pk}/questions/moderate/")
    assert lawyer.name_zh in desk.locator(f"#q{mine.pk}").inner_text()
    journey.step(desk, "moderate")
