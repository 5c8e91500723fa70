"""Lawyer profiles: a lawyer keeps their contact details current; who they are (names, gender, licence, law
firm, province) is the program office's to change, with a reason kept in the history.

The names and firm are printed on certificates, the licence is checked against the bar's register and the
province decides the quota a lawyer is admitted under: a lawyer rewriting them would make a certificate
name someone else, or move themself to another province's places. The office moving an admitted lawyer to
another province counts them against that province's quota, as admission does.

A profile write locks the lawyer's row FOR NO KEY UPDATE: new enrolments, attendances and certificates of the
lawyer (whose foreign-key checks share the row's key) are not held up by it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sessions.models import Program

from ..models import (
    Admission,
    AdmissionState,
    Gender,
    IdentityChange,
    IdentityField,
    Participant,
    Province,
    ProvinceQuota,
)

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
    stored = Participant.objects.select_for_update(no_key=True).get(pk=participant.pk)
    changed = _apply(stored, values, CONTACT_FIELDS)
    stored.full_clean()
    if changed:
        stored.save(update_fields=[*changed, "updated_at"])
    return stored


@transaction.atomic
def participant_update(
    *, participant: Participant, values: dict, by, reason: str = "", quota_override: str = ""
) -> list[IdentityChange]:
    """The program office edits a lawyer's profile. A change of an identity field needs a reason; each one
    is kept (who, when, the field, before, after, why). A move to another province is refused where the lawyer
    is admitted and that province's places are all used, unless `quota_override` gives the reason to go over
    the quota (kept on the admission, as admission keeps it). Returns the changes recorded."""
    province = values.get("province")
    moving = province is not None and province.pk != _province_of(participant.pk)
    # A move counts against the new province's quota in every program the lawyer is admitted to: those programs'
    # rows first, as admission and the quota page take them (then neither decides on the old count), then the
    # lawyer's. Not for any other edit: an import holding a program must not hold up a corrected phone number.
    locked = set(_lock_programs(_admitted_to(participant.pk))) if moving else set()
    stored = Participant.objects.select_for_update(no_key=True).get(pk=participant.pk)
    reason = " ".join(reason.split())[:300]
    history = identity_changes(stored, values, by=by, reason=reason)
    if history and not reason:
        labels = ", ".join(str(IdentityField(change.field).label) for change in history)
        raise ValidationError(
            {"reason": _("Give the reason for changing %(fields)s; it is kept in the history.") % {"fields": labels}}
        )
    if province is not None and province.pk != stored.province_id:
        _count_the_move(stored, province, locked=locked, quota_override=" ".join(quota_override.split())[:300])
    changed = _apply(stored, values, IDENTITY_FIELDS + CONTACT_FIELDS)
    stored.full_clean()
    if changed:
        stored.save(update_fields=[*changed, "updated_at"])
    return IdentityChange.objects.bulk_create(history)


def _province_of(participant_id: int) -> int:
    return Participant.objects.values_list("province_id", flat=True).get(pk=participant_id)


def _admitted_to(participant_id: int) -> list[int]:
    """The programs the lawyer is admitted to."""
    admitted = Admission.objects.filter(participant_id=participant_id, state=AdmissionState.ADMITTED)
    return list(admitted.values_list("program_id", flat=True))


def _lock_programs(ids: list[int]) -> list[int]:
    return list(Program.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _count_the_move(participant: Participant, province: Province, *, locked: set[int], quota_override: str) -> None:
    """The lawyer moves to `province`: in each program they are admitted to, its quota there must have a place
    left, or the move needs a reason to go over it (recorded on the admission; an earlier reason, given for the
    old province, no longer holds)."""
    programs = _admitted_to(participant.pk)
    if set(programs) - locked:  # admitted, or moved by someone else, since the programs were locked
        raise ValidationError(_("The lawyer was changed by someone else meanwhile, so nothing was saved. Save again."))
    quotas = dict(
        ProvinceQuota.objects.filter(program_id__in=programs, province=province).values_list("program_id", "seats")
    )
    # The one count every quota decision uses; a lawyer is admitted to a program or two, so a query each is fine.
    used = {pk: Admission.objects.admitted_by_province(pk).get(province.pk, 0) for pk in quotas}
    full = {pk: seats for pk, seats in quotas.items() if used.get(pk, 0) >= seats}
    if full and not quota_override:
        problems = []
        for program in Program.objects.filter(pk__in=full).order_by("pk"):
            numbers = {"province": province.name, "seats": full[program.pk], "admitted": used.get(program.pk, 0)}
            problems.append(
                _(
                    "%(province)s has used all %(seats)s of its places in “%(program)s” (%(admitted)s admitted). "
                    "Give a reason to go over the quota, or raise the quota first."
                )
                % {**numbers, "program": program.name}
            )
        raise ValidationError({"quota_override": problems})
    admissions = Admission.objects.filter(participant=participant, program_id__in=programs)
    admissions.filter(program_id__in=full).update(quota_override=quota_override)
    admissions.exclude(program_id__in=full).exclude(quota_override="").update(quota_override="")


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
                IdentityChange(
                    participant=participant,
                    field=field,
                    before=before,
                    after=after,
                    reason=reason,
                    source=source,
                    changed_by=by,
                )
            )
    return history
