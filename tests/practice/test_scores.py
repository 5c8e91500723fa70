"""The hearings and the bench's scores as the pages serve them: the order and times of the hearings, the scoring
sheet (bad points refused at their field, nothing saved), the teams kept as scored, a lawyer moved after the
scores keeping what they earned, the results becoming grades of the coursework the case counts as (completion,
transcript), and a hearing's coursework taking nothing handed in."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import Assignment, AssignmentKind, Submission
from participants import services as participant_services
from practice import scoring, services
from practice.models import Member, Score, Side
from tests.forms import find_form, page
from tests.practice.conftest import add_case, places
from tests.support import client_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHEET = {"argument": "18", "evidence": "16.5", "procedure": "15", "language": "17", "teamwork": "14"}  # 80.5


@pytest.fixture
def built(world):
    session, teacher, _lawyers = world
    session.starts_at = datetime(2025, 6, 20, 14, 0, tzinfo=SHANGHAI)
    session.ends_at = session.starts_at + timedelta(hours=2)
    session.save(update_fields=["starts_at", "ends_at"])
    faculty = client_for(teacher.user, "en")
    hearing = Assignment.objects.create(
        program=session.program, session=session, title_zh="模拟法庭成绩", title_en="Mock-court result",
        kind=AssignmentKind.HEARING, required=True, opens_at=session.starts_at, due_at=session.ends_at,
    )  # fmt: skip
    case = add_case(faculty, session, assignment=str(hearing.pk))
    services.build_teams(session, by=teacher.user, seed=5)
    return session, teacher, faculty, case, hearing


def sheet_for(faculty, which, /, **rows):
    """Team `which`'s scoring sheet as served, filled: the `team` row and the `speakers`' rows by participant id."""
    url = reverse("practice:score", args=[which.pk])
    form = find_form(faculty.get(url).content.decode(), button="Save the scores")
    values = {f"team-{criterion}": points for criterion, points in rows.pop("team", {}).items()}
    for pk, points in rows.pop("speakers", {}).items():
        values |= {f"speaker-{pk}-{criterion}": value for criterion, value in points.items()}
    form.fill(**values, **rows)
    return form, url


def session_page(client, session):
    url = reverse("sessions:session_detail", args=[session.program.slug, session.pk])
    return page(client.get(url).content.decode())


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_the_hearings_share_the_session_in_order_and_each_lawyer_sees_theirs(built):
    session, _teacher, faculty, _case, _hearing = built
    found = scoring.hearings(session)
    assert [(h.number, h.starts_at.astimezone(SHANGHAI).strftime("%H:%M")) for h in found] == [
        (1, "14:00"),
        (2, "15:00"),
    ]
    assert [sorted(t.side for t in h.teams) for h in found] == [[Side.CLAIMANT, Side.RESPONDENT]] * 2
    member = (
        Member.objects.select_related("participant__user", "team")
        .filter(session=session, team__side=Side.RESPONDENT, team__number=2)
        .first()
    )
    lawyer = client_for(member.participant.user, "en")
    shown = page(
        lawyer.get(reverse("sessions:session_detail", args=[session.program.slug, session.pk])).content.decode()
    )
    hearing = " ".join(shown.find(**{"data-testid": "my-hearing"}).text.split())
    assert hearing == "No. 2, 15:00–16:00 · against Claimant team 2"
    teams_page = page(faculty.get(reverse("practice:teams", args=[session.pk])).content.decode())
    assert "Hearing 1 · 14:00–15:00" in " ".join(teams_page.text.split())


@pytest.mark.django_db
def test_the_bench_scores_a_team_and_its_speakers_and_the_lawyers_read_their_results(built):
    session, _teacher, faculty, case, hearing = built
    team = case.team_set.get(side=Side.CLAIMANT, number=1)
    members = list(Member.objects.filter(team=team).select_related("participant__user").order_by("pk"))
    speaker, silent = members[0], members[1]
    own = {"argument": "19", "evidence": "18", "procedure": "17", "language": "18", "teamwork": "18"}  # 90
    form, url = sheet_for(faculty, team, team=SHEET, speakers={speaker.participant_id: own}, comment="论证有力")
    assert form.submit(faculty, url).status_code == 302
    assert Score.objects.get(team=team, participant=None).total == Decimal("80.5")
    assert Score.objects.get(team=team, participant=speaker.participant_id).total == Decimal("90")
    assert not Score.objects.filter(participant=silent.participant_id).exists()
    # The results, as grades of the coursework the case counts as: the mean for the speaker, the team's for the rest.
    grades = dict(Submission.objects.filter(assignment=hearing).values_list("participant", "score"))
    assert grades == {m.participant_id: (Decimal("85.3") if m == speaker else Decimal("80.5")) for m in members}
    # The speaker reads it on the session's page, criterion by criterion.
    lawyer = client_for(speaker.participant.user, "en")
    shown = page(
        lawyer.get(reverse("sessions:session_detail", args=[session.program.slug, session.pk])).content.decode()
    )
    result = " ".join(shown.find(**{"data-testid": "my-score"}).text.split())
    assert "Your result: 85.3 / 100" in result and "Argument 18 19" in result and "论证有力" in result
    # And on the transcript, the grade among the sessions.
    xlsx = lawyer.get(reverse("participants:my_transcript", args=[session.program.slug, "xlsx"]))
    rows = list(
        load_workbook(BytesIO(b"".join(xlsx.streaming_content if xlsx.streaming else [xlsx.content]))).active.values
    )
    assert ("Mock-court result", "Coursework (required)", "85.3 / 100, passed") in [tuple(r[1:4]) for r in rows]
    # The grade counts for completion: the coursework required is passed.
    assert participant_services.lawyer_summaries(speaker.participant, [session.program])[session.program.pk][
        "coursework"
    ] == {"set": 1, "passed": 1}
    # The sheet shows what was given when opened again.
    again = find_form(faculty.get(url).content.decode(), button="Save the scores")
    assert again.values()["team-evidence"] == ["16.5"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"team": {**SHEET, "argument": "21"}}, "team-argument", "From 0 to 20 points."),
        ({"team": {**SHEET, "evidence": "十"}}, "team-evidence", "Write a number."),
        ({"team": {**SHEET, "language": ""}}, "team-language", "Give points for every criterion"),
        ({"team": SHEET, "speakers": "half"}, "speaker", "Give points for every criterion"),
    ],
)
def test_bad_points_are_refused_at_their_field_and_nothing_is_saved(built, row, field, message):
    _session, _teacher, faculty, case, hearing = built
    team = case.team_set.get(side=Side.RESPONDENT, number=1)
    first = Member.objects.filter(team=team).order_by("pk").first()
    if row.get("speakers") == "half":
        row = {**row, "speakers": {first.participant_id: {"argument": "15"}}}
        field = f"speaker-{first.participant_id}-evidence"
    form, url = sheet_for(faculty, team, **row)
    response = form.submit(faculty, url)
    assert response.status_code == 200
    feedback = page(response.content.decode()).find(id=f"id_{field}-error")
    assert feedback is not None and message in feedback.text
    assert not Score.objects.exists() and not Submission.objects.filter(assignment=hearing).exists()


@pytest.mark.django_db
def test_scored_teams_stay_as_scored_and_a_lawyer_moved_afterwards_keeps_their_result(built):
    session, teacher, faculty, case, hearing = built
    team = case.team_set.get(side=Side.CLAIMANT, number=1)
    form, url = sheet_for(faculty, team, team=SHEET)
    assert form.submit(faculty, url).status_code == 302
    before = places(session)
    teams_url = reverse("practice:teams", args=[session.pk])
    shown = page(faculty.get(teams_url).content.decode())
    assert shown.find(**{"data-testid": "scored-note"}) is not None and "Draw anew" not in shown.text
    with pytest.raises(services.PracticeRefused, match="stay as they were scored"):
        services.build_teams(session, by=teacher.user)
    assert places(session) == before
    # Moved after the hearing: their result (and grade) is the team's they were scored in.
    member = Member.objects.filter(team=team).first()
    other = case.team_set.get(side=Side.RESPONDENT, number=2)
    services.move(member, other, by=teacher.user)
    member.refresh_from_db()
    results = scoring.results_for(member)
    assert [(r["team"].pk, r["result"]) for r in results] == [(team.pk, Decimal("80.5"))]
    assert Submission.objects.get(assignment=hearing, participant=member.participant_id).score == Decimal("80.5")


@pytest.mark.django_db
def test_a_sheet_of_a_team_that_changed_meanwhile_is_refused_and_saves_nothing(built):
    session, teacher, faculty, case, _hearing = built
    team = case.team_set.get(side=Side.CLAIMANT, number=2)
    form, url = sheet_for(faculty, team, team=SHEET)
    newcomer = Member.objects.filter(session=session).exclude(team=team).first()
    services.move(newcomer, team, by=teacher.user)  # another tab, while the bench was scoring
    response = form.submit(faculty, url)
    assert response.status_code == 200 and "The team changed while you were scoring it" in response.content.decode()
    assert not Score.objects.exists()


@pytest.mark.django_db
def test_a_hearings_coursework_takes_nothing_handed_in(built):
    session, _teacher, _faculty, _case, hearing = built
    lawyer = Member.objects.select_related("participant__user").filter(session=session).first().participant
    client = client_for(lawyer.user, "en")
    url = reverse("assessment:assignment", args=[hearing.pk])
    shown = page(client.get(url).content.decode())
    assert shown.find(**{"data-testid": "scored-at-hearing"}) is not None
    assert shown.find_all("form", enctype="multipart/form-data") == []
    response = client.post(url, {"text": "我的辩护词"})
    assert response.status_code == 200 and not Submission.objects.filter(assignment=hearing).exists()
