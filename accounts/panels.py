"""Home-page panels contributed by the apps above accounts, which accounts cannot import.

An app's AppConfig may define `home_panels(request) -> list[Panel]`; the home page shows them in
order, in the main column or the side column.
"""

from dataclasses import dataclass, field

from django.apps import apps


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    column: str = "main"  # or "side"
    order: int = 50


def panels_for(request) -> dict[str, list[Panel]]:
    found: list[Panel] = []
    for config in apps.get_app_configs():
        contribute = getattr(config, "home_panels", None)
        if contribute is not None:
            found.extend(contribute(request))
    found.sort(key=lambda panel: panel.order)
    return {
        "main": [p for p in found if p.column == "main"],
        "side": [p for p in found if p.column == "side"],
    }
