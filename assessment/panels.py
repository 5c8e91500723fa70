"""What My program and a session's page show of coursework (see common/panels.py)."""

from django.db.models import Count, Q

from common.panels import Panel
from participants.models import EnrolmentState, Participant

from .models import Submission
from .services import may_grade, set_for


def my_program_panels(request, *, seated, admitted) -> list[Panel]:
    """The lawyer's assignments (their programs', and their seated sessions'), each with its state for them."""
    assignments = list(set_for(admitted=admitted, seated=seated).select_related("session").order_by("due_at", "pk"))
    if not assignments:
        return []
    handed_in = {
        s.assignment_id: s
        for s in Submission.objects.filter(assignment__in=assignments, participant__user=request.user).only(
            "assignment_id", "submitted_at", "late", "score"
        )
    }
    rows = [(assignment, handed_in.get(assignment.pk)) for assignment in assignments]
    return [Panel("assessment/panels/my_coursework.html", {"rows": rows}, column="main", order=8)]


def session_panels(request, session) -> list[Panel]:
    """A session's coursework: for its graders, how much waits for a grade; for a lawyer seated in it, a link."""
    assignments = list(
        session.coursework.annotate(ungraded=Count("submissions", filter=Q(submissions__score__isnull=True)))
    )
    if not assignments:
        return []
    grading = [a for a in assignments if may_grade(request.user, a)]
    if grading:
        return [Panel("assessment/panels/session_grading.html", {"assignments": grading}, column="side", order=6)]
    seated = Participant.objects.filter(
        user=request.user, enrolments__session=session, enrolments__state=EnrolmentState.CONFIRMED
    ).exists()
    if seated:
        context = {"assignments": assignments}
        return [Panel("assessment/panels/session_coursework.html", context, column="side", order=6)]
    return []
