"""What the session page, My program and the faculty portal show of questionnaires (see common/panels.py)."""

from common.panels import Panel
from participants.models import Participant

from . import results, services
from .models import MIN_ANSWERS


def _participant(request):
    if not request.user.is_participant:
        return None
    return Participant.objects.filter(user=request.user).only("pk").order_by().first()


def session_panels(request, session) -> list[Panel]:
    participant = _participant(request)
    if participant is None or not session.has_ended:
        return []
    due = [d for d in services.due_for(participant) if d.session is not None and d.session.pk == session.pk]
    if not due:
        return []
    return [Panel("evaluations/panels/due.html", {"due": due}, column="main", order=10)]


def my_program_panels(request) -> list[Panel]:
    participant = _participant(request)
    if participant is None:
        return []
    due = services.due_for(participant)
    if not due:
        return []
    return [Panel("evaluations/panels/due.html", {"due": due}, column="main", order=3)]


def faculty_portal_panels(request, *, faculty) -> list[Panel]:
    if faculty is None:
        return []
    rows = results.faculty_own(faculty)
    if not rows:
        return []
    context = {"rows": rows, "minimum": MIN_ANSWERS}
    return [Panel("evaluations/panels/faculty_ratings.html", context, column="main", order=40)]
