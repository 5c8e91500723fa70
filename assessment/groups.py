"""Work a group hands in once for all its members (#18: a case study's group report).

Assessment knows no groups: an app above it that makes them says which group a lawyer hands an assignment in
with, through its AppConfig's `submission_group(assignment, participant)`, returning a Group or None (the
AppConfig registry of DESIGN.md's layers, as the page panels of common/panels.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class Group:
    key: str  # the same for the group's members and no other group's, e.g. "team:12"
    name: str  # as a person reads it
    members: tuple[int, ...]  # the participants' ids, the lawyer asked about among them


def group_of(assignment, participant) -> Group | None:
    """The group `participant` hands `assignment` in with, if an app puts them in one."""
    for config in apps.get_app_configs():
        find = getattr(config, "submission_group", None)
        group = find(assignment, participant) if find is not None else None
        if group is not None:
            return group
    return None
