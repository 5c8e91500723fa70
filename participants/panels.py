"""What the session page and the home page show of enrolment (see common/panels.py)."""

from common.panels import Panel
from sessions.models import Program

from .models import Admission, Participant


def session_panels(request, session) -> list[Panel]:
    from .views.lawyer import enrolment_panel_context

    panels = []
    if session.is_run_by(request.user):
        panels.append(Panel("participants/panels/attendance.html", {"session": session}, column="side", order=4))
    if not session.is_required:
        # Their id is all the box needs (one at most; without the default order, which joins the provinces).
        participant = Participant.objects.filter(user=request.user).only("pk").order_by().first()
        if participant is not None:
            # The session page read `session` in this request: its seat count is current.
            context = enrolment_panel_context(request, session, participant=participant, seats_current=True)
            panels.append(Panel("participants/_enrolment_box.html", context, column="side", order=5))
    return panels


def home_panels(request) -> list[Panel]:
    user = request.user
    if user.is_administrator or (user.is_faculty and not user.is_participant):
        return []
    applied = Admission.objects.filter(participant__user=user).values("program_id")
    open_programs = [
        p
        for p in Program.objects.visible_to(user).exclude(pk__in=applied).order_by("-starts_on")[:3]
        if p.accepts_applications
    ]
    panels = []
    if user.is_participant:
        panels.append(Panel("participants/panels/my_program_link.html", {}, column="main", order=5))
    if open_programs:
        panels.append(Panel("participants/panels/apply.html", {"programs": open_programs}, column="main", order=6))
    return panels
