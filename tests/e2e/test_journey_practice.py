"""The interactive formats, #18's journey: at a desk the demo faculty member draws the next mock court's teams anew
and moves the demo lawyer to the other side; on a phone the lawyer finds their case, side, role, hearing and
their side's file (never the other side's), then asks a question in a forum that the projector shows; at the
hearing the bench scores the lawyer's team and the lawyer reads the score on the phone.

Screenshots of every step, in Chinese and English: var/journeys/<this test>/.
"""

import pytest

from participants.models import Participant
from practice.models import Case, Member, Score, Side

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
