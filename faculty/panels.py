"""What the session page and "My program" show of materials (see common/panels.py)."""

from django.db.models import Prefetch, Q

from common.panels import Panel
from sessions.models import TrainingSession

from . import services
from .models import ADMITTED, SEATED, Material, MaterialVersion, Visibility

LATEST = Prefetch("versions", queryset=MaterialVersion.objects.order_by("-number"), to_attr="latest_versions")


def session_panels(request, session) -> list[Panel]:
    manage = session.is_run_by(request.user)
    # Most sessions have nothing a reader could open: one plain query says so (asking what this reader may open
    # costs three, and as much Python as the rest of the page).
    for_readers = Material.objects.filter(session=session).live().released().exclude(visibility=Visibility.STAFF)
    if not manage and not for_readers.exists():
        return []
    materials = list(services.readable_by(request.user, session).prefetch_related(LATEST))
    if not materials and not manage:
        return []
    context = {"session": session, "materials": _with_latest(materials), "manage": manage}
    return [Panel("faculty/panels/session_materials.html", context, column="main", order=20)]


def my_program_panels(request) -> list[Panel]:
    """Materials of the sessions a lawyer holds a seat in, and those for everyone in their programs."""
    user = request.user
    if not user.is_participant:
        return []
    seated = TrainingSession.objects.filter(enrolments__participant__user=user, enrolments__state=SEATED)
    admitted = TrainingSession.objects.filter(
        program__admissions__participant__user=user, program__admissions__state=ADMITTED
    )
    materials = (
        Material.objects.live()
        .released()
        .filter(
            Q(session__in=seated, visibility__in=[Visibility.ENROLLED, Visibility.PROGRAM])
            | Q(session__in=admitted, visibility=Visibility.PROGRAM)
        )
        .select_related("session")
        .prefetch_related(LATEST)
        .order_by("-created_at")[:30]
    )
    materials = _with_latest(list(materials))
    if not materials:
        return []
    return [Panel("faculty/panels/my_materials.html", {"materials": materials}, column="main", order=30)]


def _with_latest(materials: list[Material]) -> list[Material]:
    for material in materials:
        material.latest = material.latest_versions[0] if material.latest_versions else None
        material.kind = services.kind_label(material.latest.content_type) if material.latest else ""
    return [m for m in materials if m.latest]
