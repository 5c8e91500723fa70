"""The main navigation: one list, each entry naming the roles that see it.

Later apps add their screens here by URL name, so the menu stays in one place.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import Role


@dataclass(frozen=True)
class NavItem:
    label: Promise
    url_name: str
    icon: str
    roles: frozenset[str]
    menu: str = ""  # "manage": inside the administrators' "Manage" menu rather than on the bar


NAV_ITEMS = (
    NavItem(_("Home"), "home", "house", frozenset(Role.values)),
    NavItem(_("My program"), "participants:my_program", "journal-check", frozenset({Role.PARTICIPANT})),
    NavItem(_("My teaching"), "faculty:portal", "easel", frozenset({Role.FACULTY})),
    NavItem(_("Timetable"), "sessions:program_list", "calendar3-week", frozenset(Role.values)),
    NavItem(_("Faculty"), "sessions:faculty_directory", "person-video3", frozenset(Role.values)),
    NavItem(_("Programs and sessions"), "manage:program_list", "kanban", frozenset({Role.ADMINISTRATOR}), "manage"),
    NavItem(_("Venues"), "manage:venue_list", "geo-alt", frozenset({Role.ADMINISTRATOR}), "manage"),
    NavItem(_("Faculty profiles"), "manage:faculty_list", "person-gear", frozenset({Role.ADMINISTRATOR}), "manage"),
    NavItem(_("People"), "accounts:user_list", "people", frozenset({Role.ADMINISTRATOR}), "manage"),
    NavItem(_("Specialties in use"), "participants:specialties", "tags", frozenset({Role.ADMINISTRATOR}), "manage"),
    NavItem(_("E-mail outbox"), "notifications:outbox", "envelope-paper", frozenset({Role.ADMINISTRATOR}), "manage"),
)


def items_for(user, current_path: str) -> list[dict]:
    roles = user.roles if user.is_authenticated else frozenset()
    items = []
    for item in NAV_ITEMS:
        if not roles & item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": active, "menu": item.menu})
    return items
