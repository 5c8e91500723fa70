"""What the session page and the home page show of enrolment (see accounts/panels.py)."""

from accounts.panels import Panel

from .models import Participant


def session_panels(request, session) -> list[Panel]:
    from .views.lawyer import enrolment_panel_context

    if not Participant.objects.filter(user=request.user).exists() or session.is_required:
        return []
    return [
        Panel("participants/_enrolment_box.html", enrolment_panel_context(request, session), column="side", order=5)
    ]


def home_panels(request) -> list[Panel]:
    if not request.user.is_participant:
        return []
    return [Panel("participants/panels/my_program_link.html", {}, column="main", order=5)]
