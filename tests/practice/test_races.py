"""Two people acting on a session's teams at once, on PostgreSQL with threads: builds of one session take turns
(its row is locked first), so every seated lawyer ends with exactly one place and the lineup is one build's; a
rebuild while the bench scores either finds the teams scored (and leaves them) or changes them before the scores,
which are then refused: a score is always of the lawyers who were in the team."""

from __future__ import annotations

import pytest

from accounts.roles import Role as UserRole
from participants import services as participant_services
from practice import scoring, services
from practice.models import Case, Lineup, Member, Score, Side
from sessions.models import SessionFormat
from tests.factories import (
    AssignmentFactory,
    FacultyFactory,
    ParticipantFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
)
from tests.support import at_once


def mock_court(administrator, lawyers: int):
    """A required mock court with its faculty member and `lawyers` seated (of ten firms)."""
    program = ProgramFactory()
    session = SessionFactory(program=program, is_required=True, format=SessionFormat.MOCK_COURT, capacity=100)
    teacher = FacultyFactory(user=UserFactory(role=UserRole.FACULTY))
    AssignmentFactory(session=session, faculty=teacher)
    for n in range(lawyers):
        lawyer = ParticipantFactory(law_firm=f"律师事务所{n % 10}", years_of_practice=n + 1)
        participant_services.admit(participant=lawyer, program=program, by=administrator)
    return session, teacher


@pytest.mark.django_db(transaction=True)
def test_two_builds_of_one_session_at_once_leave_one_place_a_lawyer(administrator):
    session, teacher = mock_court(administrator, 30)
    services.case_save(Case(session=session, title_zh="跨境专利侵权", dispute="patent", forum="upc", teams=3))

    results = at_once(
        lambda: services.build_teams(session, by=teacher.user, seed=11),
        lambda: services.build_teams(session, by=administrator, seed=22),
    )
    assert all(isinstance(result, Lineup) for result in results), results
    places = list(Member.objects.filter(session=session).values_list("participant", flat=True))
    assert len(places) == len(set(places)) == 30
    lineup = Lineup.objects.get(session=session)
    assert lineup.seed in (11, 22)
    # The places are the last build's: the same draw again changes nothing.
    before = dict(Member.objects.filter(session=session).values_list("participant", "team"))
    services.build_teams(session, by=administrator, seed=lineup.seed)
    assert dict(Member.objects.filter(session=session).values_list("participant", "team")) == before


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_while_the_bench_scores_leaves_each_score_with_the_lawyers_it_was_given_to(administrator):
    session, teacher = mock_court(administrator, 24)
    case = services.case_save(Case(session=session, title_zh="商业秘密", dispute="trade_secret", forum="upc", teams=2))
    services.build_teams(session, by=teacher.user, seed=3)
    team = case.team_set.get(side=Side.CLAIMANT, number=1)
    seen = list(Member.objects.filter(team=team).values_list("participant", flat=True))
    sheet = {f"team-{criterion}": "15" for criterion in ("argument", "evidence", "procedure", "language", "teamwork")}

    results = at_once(
        lambda: services.build_teams(session, by=administrator, seed=4),
        lambda: scoring.score_team(team, sheet, members=seen, by=teacher.user),
    )
    errors = [result for result in results if isinstance(result, Exception)]
    assert all(isinstance(error, services.PracticeRefused) for error in errors), errors
    now_in_team = sorted(Member.objects.filter(team=team).values_list("participant", flat=True))
    score = Score.objects.filter(team=team, participant=None).first()
    if score is None:  # the rebuild came first and changed the team: the sheet of its old members was refused
        assert len(errors) == 1 and now_in_team != sorted(seen)
    else:  # the scores came first: the teams stay as scored
        assert sorted(score.members) == now_in_team == sorted(seen)
