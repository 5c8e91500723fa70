"""Lawyers' specialties, an open vocabulary. The known ones (models.Specialty) have codes and translated
labels; a provincial list may name others (知识产权海关保护, IP customs protection), which are kept on
the lawyer as written, normalised, and shown as written in both languages. Administrators see the
other values in use and may merge one into a known specialty or into another value.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from common.text import clean_text

from ..models import Participant, Specialty, SpecialtyMerge

MAX_LENGTH = 60  # longer than any real name ("Intellectual property customs protection" is 40)
MAX_PER_LAWYER = 20
FORMULA_STARTS = ("=", "+", "-", "@")  # a spreadsheet would run such a cell as a formula
# Other names of the known specialties, as provincial lists write them.
ALIASES: dict[str, str] = {
    "专利": "patents",
    "商标": "trademarks",
    "著作权": "copyright",
    "版权": "copyright",
    "商业秘密": "trade_secrets",
    "不正当竞争": "unfair_competition",
    "反不正当竞争": "unfair_competition",
    "许可": "licensing",
    "许可与交易": "licensing",
    "海关": "customs",
    "海关保护": "customs",
    "国际仲裁": "arbitration",
    "仲裁": "arbitration",
}
# Why a value is refused: codes of importing.MESSAGES, whose parameters name the value (cut short) or the limit.
TOO_LONG, NOT_TEXT, TOO_MANY = "specialty_too_long", "specialty_not_text", "specialties_too_many"


class SpecialtyRefused(ValueError):
    """A value that cannot be kept as a specialty: `code` and `params` say why (importing renders them)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@functools.cache
def _index() -> dict[str, str]:
    """Every name of a known specialty, case-folded → its code: the code, both labels, the aliases."""
    index = {}
    for code, _label in Specialty.choices:
        names = [code, code.replace("_", " "), *(label_in(code, language) for language in ("zh-hans", "en"))]
        index.update({name.casefold(): code for name in names})
    index.update({alias.casefold(): code for alias, code in ALIASES.items()})
    return index


def label_in(code: str, language: str) -> str:
    with translation.override(language):
        return str(Specialty(code).label)


def resolve(text: object) -> str:
    """The value to store for a specialty written `text`: a known one's code, or else the text itself,
    as a person reads it (clean_text); "" for a blank. Raises SpecialtyRefused for what cannot be a specialty's name."""
    value = clean_text(text)
    if not value:
        return ""
    code = _index().get(value.casefold())
    if code:
        return code
    shown = value if len(value) <= 20 else value[:20] + "…"
    if len(value) > MAX_LENGTH:
        raise SpecialtyRefused(TOO_LONG, value=shown, limit=MAX_LENGTH)
    # Letters, digits, marks, spaces and punctuation: names, not markup (<>), formulas or pictures.
    if value.startswith(FORMULA_STARTS) or any(unicodedata.category(ch)[0] in "SC" for ch in value):
        raise SpecialtyRefused(NOT_TEXT, value=shown)
    return value


def resolve_all(texts) -> list[str]:
    """resolve() for each, blanks and repeats (ignoring case) left out, in order."""
    values, seen = [], set()
    for text in texts:
        value = resolve(text)
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            values.append(value)
    if len(values) > MAX_PER_LAWYER:
        raise SpecialtyRefused(TOO_MANY, limit=MAX_PER_LAWYER)
    return values


_KNOWN = frozenset(Specialty.values)  # Specialty.values builds a list at each call: an import asks 20,000 times


def is_known(value: str) -> bool:
    return value in _KNOWN


def label(value: str) -> str:
    """A known specialty's label in the current language; any other value as written."""
    return str(Specialty(value).label) if is_known(value) else value


@dataclass(frozen=True)
class Known:
    code: str
    name_zh: str
    name_en: str
    aliases: list[str]


def known() -> list[Known]:
    """The known specialties with their names in both languages and the other names the import accepts."""
    return [
        Known(
            code=code,
            name_zh=label_in(code, "zh-hans"),
            name_en=label_in(code, "en"),
            aliases=[alias for alias, target in ALIASES.items() if target == code],
        )
        for code in Specialty.values
    ]


@dataclass(frozen=True)
class InUse:
    value: str
    lawyers: int


def unknown_in_use() -> list[InUse]:
    """Each value outside the known specialties that some lawyer carries, with how many carry it, the
    most carried first. One query, however many lawyers; on PostgreSQL it counts them itself."""
    if connection.vendor != "postgresql":  # the embedded database: every lawyer's list, counted here
        counts = Counter(
            value
            for held in Participant.objects.values_list("specialties", flat=True)
            for value in dict.fromkeys(held if isinstance(held, list) else [])
            if isinstance(value, str) and not is_known(value)
        )
        return [InUse(value, lawyers) for value, lawyers in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    table = Participant._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT value, COUNT(*) FROM {table} AS lawyer, jsonb_array_elements_text(
                    CASE jsonb_typeof(lawyer.specialties) WHEN 'array' THEN lawyer.specialties ELSE '[]' END
                ) AS value
                WHERE NOT value = ANY(%s) GROUP BY value ORDER BY COUNT(*) DESC, value""",  # noqa: S608 - our table
            [Specialty.values],
        )
        return [InUse(value, lawyers) for value, lawyers in cursor.fetchall()]


@transaction.atomic
def specialty_merge(*, value: str, into: str, by) -> SpecialtyMerge:
    """Every lawyer carrying `value` carries `into` instead (once, where `value` stood), in one
    transaction; the merge is recorded with who made it and when. `into` is a known specialty (its code
    or any of its names) or another value; merging a value into itself is refused."""
    try:
        into = resolve(into)
    except SpecialtyRefused:
        into = ""
    if not into:
        raise ValidationError(_("Choose a specialty to merge “%(value)s” into.") % {"value": value})
    if value == into:
        raise ValidationError(_("Choose another specialty to merge “%(value)s” into.") % {"value": value})
    if is_known(value):
        message = _("“%(value)s” is a known specialty; only other values can be merged.")
        raise ValidationError(message % {"value": value})
    carriers = _carriers(value)
    for lawyer in carriers:
        merged = []
        for held in lawyer.specialties:
            held = into if held == value else held
            if held not in merged:
                merged.append(held)
        lawyer.specialties = merged
    Participant.objects.bulk_update(carriers, ["specialties"], batch_size=500)
    merge = SpecialtyMerge(value=value, into=into, lawyers=len(carriers), merged_by=by)
    merge.full_clean()
    merge.save()
    return merge


def _carriers(value: str) -> list[Participant]:
    """The lawyers carrying `value`, row-locked in primary-key order. PostgreSQL finds them by the JSON array's
    containment; the embedded database (which has no such look-up, and locks the whole database for a write
    anyway) reads every lawyer's list."""
    lawyers = Participant.objects.select_for_update().order_by("pk")
    if connection.vendor == "postgresql":
        return list(lawyers.filter(specialties__contains=[value]))
    return [lawyer for lawyer in lawyers if isinstance(lawyer.specialties, list) and value in lawyer.specialties]
