"""What a session's page shows of its cases, teams and questions (see common/panels.py)."""

from common.panels import Panel
from participants.models import Participant

from . import questions, scoring, services


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


def question_panels(request, session) -> list[Panel]:
    """A seminar's or forum's question queue: for its moderators, their page and the projector; for a lawyer in the
    room (a seat, or checked in), the page to ask and vote on."""
    if not questions.takes_questions(session) or not request.user.is_authenticated:
        return []
    if services.may_build(request.user, session):
        return [
            Panel("practice/panels/questions.html", {"session": session, "moderator": True}, column="side", order=6)
        ]
    participant = Participant.objects.filter(user=request.user).first()
    if not questions.is_in_room(participant, session):
        return []
    opens, closes = questions.window(session)
    context = {"session": session, "moderator": False, "opens": opens, "closes": closes}
    return [Panel("practice/panels/questions.html", context, column="side", order=6)]


def checkin_panels(request, session) -> list[Panel]:
    """A lawyer just checked in to a seminar or forum: the way to ask the speakers a question."""
    if not questions.takes_questions(session):
        return []
    return [Panel("practice/panels/checked_in_questions.html", {"session": session})]
