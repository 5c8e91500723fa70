"""What the home page shows of programs and sessions (see common/panels.py)."""

from django.utils import timezone

from common.panels import Panel

from . import timetable
from .models import Program, ProgramStatus, TrainingSession


def home_panels(request) -> list[Panel]:
    user = request.user
    programs = list(
        Program.objects.visible_to(user)
        .exclude(status=ProgramStatus.CLOSED)
        .prefetch_related("topics")
        .order_by("-starts_on")[:3]
    )
    panels = [Panel("sessions/panels/programs.html", {"programs": programs}, column="side", order=10)]
    profile = getattr(user, "faculty_profile", None) if user.is_faculty else None
    if profile is not None:
        taught = (
            TrainingSession.objects.visible_to(user)
            .filter(assignments__faculty=profile)
            .select_related("program", "venue", "topic")
            .prefetch_related(timetable.ASSIGNMENTS)
        )
        rows = timetable.rows(taught.filter(ends_at__gte=timezone.now()).order_by("starts_at")[:6])
        if not rows:  # a program that has ended: show what they taught
            rows = timetable.rows(taught.order_by("-starts_at")[:6])
        panels.append(Panel("sessions/panels/my_sessions.html", {"rows": rows, "profile": profile}, order=5))
    return panels
