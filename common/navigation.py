"""The main navigation: each app names its own screens (its AppConfig's `navigation()`), and the menu shows
those the signed-in person's roles open, in order. The shell knows no app; an app's screens arrive with it."""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    label: Promise
    url_name: str
    icon: str
    roles: frozenset[str]  # accounts.roles.Role values
    menu: str = ""  # "manage": inside the administrators' "Manage" menu rather than on the bar
    order: int = 50


@cache
def nav_items() -> tuple[NavItem, ...]:
    """Every app's entries, in order (app configs do not change once Django has started)."""
    found = [item for config in apps.get_app_configs() for item in getattr(config, "navigation", tuple)()]
    return tuple(sorted(found, key=lambda item: (item.menu, item.order)))


def items_for(user, current_path: str) -> list[dict]:
    roles = user.roles if user.is_authenticated else frozenset()
    items = []
    for item in nav_items():
        if not roles & item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": active, "menu": item.menu})
    return items
