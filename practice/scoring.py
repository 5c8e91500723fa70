"""The hearings of a session's cases and the bench's scores (#18).

Each pair of teams (claimant n against respondent n; in a case study, each group) is heard in turn, the session's
time shared evenly among them. The bench scores each team and each lawyer who spoke against the case's rubric
(Criterion, POINTS each); a lawyer's result is their team's score, or the mean of it and their own when they were
scored as a speaker. Scores stay with the team and the lawyer they were given to: once a session's teams are
scored they are no longer rebuilt (services.build_teams), and a lawyer moved afterwards keeps the result they
earned. When the case counts as coursework, each result becomes the lawyer's grade in it (assessment), and so
counts for completion where the program requires it and shows on the transcript.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.services import parse_points, record_result
from participants.models import Participant
from sessions.models import TrainingSession

from .models import POINTS, Case, Criterion, Member, Score, Team
from .services import PracticeRefused, check_may_build

TENTH = Decimal("0.1")


# --- hearings ------------------------------------------------------------------------------------------------
@dataclass
class Hearing:
    """One hearing: its place in the session's order, its time, and the teams heard (a pair, or one group)."""

    number: int
    starts_at: datetime
    ends_at: datetime
    case: Case
    teams: list[Team]

    def opponent_of(self, team: Team) -> Team | None:
        return next((t for t in self.teams if t.pk != team.pk), None)


def hearings(session: TrainingSession, cases: list[Case] | None = None) -> list[Hearing]:
    """The session's hearings in order (case by case, team number by number), its time shared evenly."""
    cases = list(session.cases.order_by("position", "pk")) if cases is None else cases
    teams = {}
    for team in Team.objects.filter(case__in=cases).order_by("number", "side"):
        teams.setdefault((team.case_id, team.number), []).append(team)
    keys = [(case, number) for case in cases for number in range(1, case.teams + 1) if (case.pk, number) in teams]
    if not keys:
        return []
    length = (session.ends_at - session.starts_at) / len(keys)
    return [
        Hearing(i + 1, session.starts_at + i * length, session.starts_at + (i + 1) * length, case, teams[case.pk, n])
        for i, (case, n) in enumerate(keys)
    ]


def hearing_of(team: Team, found: list[Hearing]) -> Hearing | None:
    return next((h for h in found if any(t.pk == team.pk for t in h.teams)), None)


# --- scoring -------------------------------------------------------------------------------------------------
def team_field(criterion: str) -> str:
    return f"team-{criterion}"


def speaker_field(participant_id: int, criterion: str) -> str:
    return f"speaker-{participant_id}-{criterion}"


def _sheet(given: dict, field_of, *, required: bool) -> dict[str, str] | None:
    """One row of the rubric as written: {criterion: points}, None when the row is left empty and may be."""
    written = {c: str(given.get(field_of(c), "") or "").strip() for c in Criterion.values}
    if not any(written.values()) and not required:
        return None
    points = {}
    for criterion, text in written.items():
        field = field_of(criterion)
        if not text:
            raise PracticeRefused({field: _("Give points for every criterion (or, for a speaker, none).")})
        try:
            value = parse_points(text, field)
        except ValidationError as refusal:
            raise PracticeRefused(refusal.message_dict) from None
        if not 0 <= value <= POINTS:
            raise PracticeRefused({field: _("From 0 to %(max)s points.") % {"max": POINTS}})
        points[criterion] = str(value)
    return points


def _total(points: dict[str, str]) -> Decimal:
    return sum((Decimal(v) for v in points.values()), Decimal(0))


def result_of(team_total: Decimal, speaker_total: Decimal | None) -> Decimal:
    """A lawyer's result out of 100: their team's score, or its mean with their own as a speaker."""
    if speaker_total is None:
        return team_total
    return ((team_total + speaker_total) / 2).quantize(TENTH, ROUND_HALF_UP)


@transaction.atomic
def score_team(team: Team, given: dict, *, members: list[int], by, at=None) -> list[Score]:
    """Save the bench's scores of a team: the team's row (every criterion), each speaker's row (every criterion,
    or none: not scored) and a comment, from `given` (the scoring form's fields). `members` are the lawyers the
    bench saw on its form: if the team changed meanwhile (a rebuild, a move), nothing is saved and the refusal
    says so. Each member's result is recorded in the coursework the case counts as."""
    at = at or timezone.now()
    session = TrainingSession.objects.select_for_update().get(pk=team.case.session_id)  # one change at a time
    check_may_build(by, session)
    team = Team.objects.select_related("case__assignment").filter(pk=team.pk).first()
    if team is None:
        raise PracticeRefused(_("This team is no longer in the session: the teams were changed."))
    current = sorted(Member.objects.filter(team=team).values_list("participant_id", flat=True))
    if current != sorted(members):
        raise PracticeRefused(_("The team changed while you were scoring it: check its members and score again."))
    comment = str(given.get("comment", "")).strip()[:2000]
    rows = {None: _sheet(given, team_field, required=True)}
    for pk in current:
        rows[pk] = _sheet(given, lambda c, pk=pk: speaker_field(pk, c), required=False)
    scores = {}
    for pk, points in rows.items():
        if points is None:
            Score.objects.filter(team=team, participant=pk).delete()
            continue
        score, _created = Score.objects.update_or_create(
            team=team,
            participant_id=pk,
            defaults={"points": points, "total": _total(points), "comment": comment if pk is None else "",
                      "members": current if pk is None else [], "scored_by": by, "scored_at": at},
        )  # fmt: skip
        scores[pk] = score
    assignment = team.case.assignment
    if assignment is not None:
        team_total = scores[None].total
        spoke = {pk: s.total for pk, s in scores.items() if pk is not None}
        lawyers = Participant.objects.in_bulk(current)
        for pk in current:
            result = result_of(team_total, spoke.get(pk))
            grade = (result * assignment.max_score / 100).quantize(TENTH, ROUND_HALF_UP)
            note = _("%(case)s · %(team)s: the team %(team_score)s, you %(own)s (out of 100).") % {
                "case": team.case.title, "team": team.name, "team_score": team_total, "own": spoke.get(pk, "—"),
            }  # fmt: skip
            try:
                record_result(assignment=assignment, participant=lawyers[pk], score=grade,
                              comment=note, by=by, at=at)  # fmt: skip
            except ValidationError as refusal:
                raise PracticeRefused(refusal.messages) from None
    return list(scores.values())


def team_scores(session: TrainingSession) -> dict[int, Score]:
    """The teams' own scores (not their speakers'), by team id."""
    return {s.team_id: s for s in Score.objects.filter(team__case__session=session, participant=None)}


def results_for(member: Member) -> list[dict]:
    """What the bench gave a lawyer: for each team they were in when it was scored (theirs, or one they were
    moved from afterwards), the team's score, their own as a speaker, each criterion, and their result."""
    pk = member.participant_id
    session_scores = Score.objects.filter(team__case__session=member.session_id).select_related("team__case")
    spoke, teams = {}, []
    for score in session_scores.filter(Q(participant=None) | Q(participant=pk)).order_by("team", "pk"):
        if score.participant_id == pk:
            spoke[score.team_id] = score
        elif pk in score.members:
            teams.append(score)
    found = []
    for team_score in teams:
        own = spoke.get(team_score.team_id)
        found.append(
            {
                "team": team_score.team,
                "team_score": team_score,
                "own": own,
                "criteria": [
                    (label, team_score.points.get(c), own.points.get(c) if own else None)
                    for c, label in Criterion.choices
                ],
                "result": result_of(team_score.total, own.total if own else None),
            }
        )
    return found
