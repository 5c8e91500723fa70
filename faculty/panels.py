"""What the session page and "My program" show of materials (see common/panels.py)."""

import hashlib

from django.core.cache import cache
from django.db.models import Min, Prefetch, Q
from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.utils import timezone, translation

from common.cache import replace_token, token
from common.panels import Panel
from sessions.models import TrainingSession

from . import services
from .models import Material, MaterialVersion, Visibility

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


MATERIALS_SECONDS = 3600
MATERIALS = "faculty:materials"  # the token the cached panels are keyed by (common.cache)


def my_program_panels(request, *, seated: list[int], admitted: list[int]) -> list[Panel]:
    """Materials of the sessions a lawyer holds a seat in (`seated`, their ids), and those for everyone in the
    programs they are admitted to (`admitted`, their ids): the newest 30, as My program read them.

    The rendered panel is cached, keyed by the lawyer, the language, those ids and a token that every change of a
    material, a version or a session replaces (materials_changed); it expires when the next of the materials in
    its scope is released."""
    user = request.user
    if not user.is_participant:
        return []
    parts = f"{user.pk}:{translation.get_language()}:{token(MATERIALS)}:{sorted(seated)}:{sorted(admitted)}"
    key = f"my-materials:{hashlib.sha256(parts.encode()).hexdigest()}"
    html = cache.get(key)
    if html is None:
        now = timezone.now()
        scope = Material.objects.live().filter(
            Q(session__in=seated, visibility__in=[Visibility.ENROLLED, Visibility.PROGRAM])
            | Q(session__program__in=admitted, visibility=Visibility.PROGRAM)
        )
        materials = _with_latest(
            list(scope.released(now).select_related("session").prefetch_related(LATEST).order_by("-created_at")[:30])
        )
        context = {"materials": materials}
        html = render_to_string("faculty/panels/my_materials.html", context, request) if materials else ""
        coming = scope.filter(release_at__gt=now).aggregate(first=Min("release_at"))["first"]
        seconds = MATERIALS_SECONDS if coming is None else min(MATERIALS_SECONDS, (coming - now).total_seconds())
        if seconds >= 1:
            cache.set(key, html, int(seconds))
    if not html:
        return []
    return [Panel("faculty/panels/my_materials.html", column="main", order=30, html=html)]


def materials_changed(**kwargs) -> None:
    """A material, a version or a session was saved or deleted: the cached panels are read afresh."""
    replace_token(MATERIALS)


def connect() -> None:
    for model in (Material, MaterialVersion, TrainingSession):
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(materials_changed, sender=model, dispatch_uid=f"my-materials-{model.__name__}-{name}")


def _with_latest(materials: list[Material]) -> list[Material]:
    for material in materials:
        material.latest = material.latest_versions[0] if material.latest_versions else None
        material.kind = services.kind_label(material.latest.content_type) if material.latest else ""
    return [m for m in materials if m.latest]
