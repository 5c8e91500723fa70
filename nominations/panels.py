"""What the office's page of a lawyer shows of their nominations (see common/panels.py)."""

from django.db.models import Prefetch

from common.panels import Panel

from .models import Nomination, NominationChange


def lawyer_panels(request, participant) -> list[Panel]:
    """Each province's nomination of the lawyer, newest first, with every step of it: the history behind their
    admission (nominated, returned with the office's reason, approved, substituted)."""
    steps = NominationChange.objects.select_related("changed_by")
    nominations = list(
        Nomination.objects.filter(participant=participant)
        .select_related("program", "province")
        .prefetch_related(Prefetch("changes", queryset=steps))
        .order_by("-created_at", "-pk")
    )
    if not nominations:
        return []
    return [Panel("nominations/panels/lawyer_history.html", {"nominations": nominations}, column="main", order=20)]
