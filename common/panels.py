"""Page panels contributed by the apps above the page's own app, which it cannot import.

An app's AppConfig may define `home_panels(request)` (the home page), `session_panels(request,
session)` (a session's page), `my_program_panels(request, *, seated, admitted)` (My program: the ids of the
lawyer's seated sessions and admitted programs, which the page has read already) or `lawyer_panels(request,
participant)` (the office's page of a lawyer) or `faculty_portal_panels(request, *, faculty)` (the faculty portal: the
person's Faculty profile, or None) or `checkin_panels(request, session)` (a lawyer just checked in: what to do next
in the room), returning Panels shown in order in the main or the side column.
A panel whose app cached it rendered comes with its `html`.
"""

from dataclasses import dataclass, field, replace

from django.apps import apps
from django.template.loader import render_to_string


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    column: str = "main"  # or "side"
    order: int = 50
    html: str = ""  # filled by collect_panels, unless the app has it already (from its cache)


def collect_panels(hook: str, request, **kwargs) -> dict[str, list[Panel]]:
    """Panels from every app whose AppConfig has `hook` (e.g. "home_panels", "session_panels")."""
    found: list[Panel] = []
    for config in apps.get_app_configs():
        contribute = getattr(config, hook, None)
        if contribute is not None:
            found.extend(contribute(request, **kwargs))
    found.sort(key=lambda panel: panel.order)
    found = [p if p.html else replace(p, html=render_to_string(p.template, p.context, request)) for p in found]
    return {
        "main": [p for p in found if p.column == "main"],
        "side": [p for p in found if p.column == "side"],
    }
