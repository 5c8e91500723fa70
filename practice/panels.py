"""What a session's page shows of its cases and teams (see common/panels.py)."""

from common.panels import Panel
from participants.models import Participant

from . import scoring, services


def session_panels(request, session) -> list[Panel]:
    """For those who build the teams, a way to them; for a lawyer with a place, their case, side, team, role,
    hearing, teammates (whose contact only their team sees) and, once the bench has scored, their scores."""
    if not services.holds_cases(session) or not request.user.is_authenticated:
        return []
    if services.may_build(request.user, session):
        context = {"session": session, "cases": session.cases.count()}
        return [Panel("practice/panels/builder.html", context, column="side", order=5)]
    participant = Participant.objects.filter(user=request.user).first()
    member = participant and services.place_of(participant, session)
    if not member:
        return []
    hearing = scoring.hearing_of(member.team, scoring.hearings(session))
    context = {
        "member": member,
        "hearing": hearing,
        "opponent": hearing and hearing.opponent_of(member.team),
        "results": scoring.results_for(member),
        "case": member.team.case,
        "teammates": services.teammates(member),
        "materials": services.materials_for(member),
    }
    return [Panel("practice/panels/my_place.html", context, column="main", order=5)]
