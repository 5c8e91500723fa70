"""Lawyer profiles: a lawyer keeps their contact details current; who they are (names, gender, licence, law
firm, province) is the program office's to change, with a reason kept in the history.

The names and firm are printed on certificates, the licence is checked against the bar's register and the
province decides the quota a lawyer is admitted under: a lawyer rewriting them would make a certificate
name someone else, or move themself to another province's places.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Gender, IdentityChange, IdentityField, Participant, Province

IDENTITY_FIELDS: tuple[str, ...] = tuple(IdentityField.values)
CONTACT_FIELDS: tuple[str, ...] = ("city", "mobile", "years_of_practice", "languages", "specialties")


def _stored(field: str, value) -> str:
    """The value as the history keeps it: a province by its code, empty for none."""
    if isinstance(value, Province):
        return value.code
    return "" if value is None else str(value)


def shown(field: str, value: str, provinces: dict[str, Province]) -> str:
    """A history value as a person reads it, in the reader's language."""
    if field == IdentityField.PROVINCE and value in provinces:
        return provinces[value].name
    if field == IdentityField.GENDER and value in Gender.values:
        return str(Gender(value).label)
    return value


def _apply(participant: Participant, values: dict, fields: tuple[str, ...]) -> list[str]:
    changed = [field for field in fields if field in values and getattr(participant, field) != values[field]]
    for field in changed:
        setattr(participant, field, values[field])
    return changed


@transaction.atomic
def participant_contact_update(*, participant: Participant, values: dict) -> Participant:
    """Save a lawyer's own change of their contact details; any other value in `values` is ignored."""
    stored = Participant.objects.select_for_update().get(pk=participant.pk)
    changed = _apply(stored, values, CONTACT_FIELDS)
    stored.full_clean()
    if changed:
        stored.save(update_fields=[*changed, "updated_at"])
    return stored


@transaction.atomic
def participant_update(*, participant: Participant, values: dict, by, reason: str = "") -> list[IdentityChange]:
    """The program office edits a lawyer's profile. A change of an identity field needs a reason; each one
    is kept (who, when, the field, before, after, why). Returns the changes recorded."""
    stored = Participant.objects.select_for_update().get(pk=participant.pk)
    reason = " ".join(reason.split())[:300]
    history = identity_changes(stored, values, by=by, reason=reason)
    if history and not reason:
        labels = ", ".join(str(IdentityField(change.field).label) for change in history)
        raise ValidationError(
            {"reason": _("Give the reason for changing %(fields)s; it is kept in the history.") % {"fields": labels}}
        )
    changed = _apply(stored, values, IDENTITY_FIELDS + CONTACT_FIELDS)
    stored.full_clean()
    if changed:
        stored.save(update_fields=[*changed, "updated_at"])
    return IdentityChange.objects.bulk_create(history)


def identity_changes(
    participant: Participant,
    values: dict,
    *,
    by,
    reason: str,
    source: str = IdentityChange.Source.OFFICE,
    province_codes: dict[int, str] | None = None,
) -> list[IdentityChange]:
    """The history rows (unsaved) for the identity fields `values` would change on `participant`: for the
    office's edit and for a provincial list that names a lawyer already on record (`source`; its reason is the
    list's file name). `province_codes` (province id → code), given by an import, saves a query per lawyer."""
    history = []
    for field in IDENTITY_FIELDS:
        if field not in values:
            continue
        if field == IdentityField.PROVINCE:  # compared by key: no query for the lawyer's province
            before, after = participant.province_id, getattr(values[field], "pk", values[field])
            if before == after:
                continue
            codes = province_codes or dict(Province.objects.filter(pk__in=[before, after]).values_list("pk", "code"))
            before, after = codes.get(before, ""), codes.get(after, "")
        else:
            before, after = _stored(field, getattr(participant, field)), _stored(field, values[field])
        if before != after:
            history.append(
                IdentityChange(participant=participant, field=field, before=before, after=after, reason=reason,
                               source=source, changed_by=by)
            )  # fmt: skip
    return history
