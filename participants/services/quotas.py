"""Province quotas of a program: the table administrators read (admitted / quota per province) and every
change to it, for one province, several at once or from a spreadsheet.

A province without a quota (no ProvinceQuota row) has no limit: a new program starts so, admission does
not count its lawyers, and an administrator may return a province to it. 0 means no places at all.
Every change takes the program's row lock, as admission does (services.admit), so an admission racing a
lowered quota is decided after it, never under it; and a quota is never set below the lawyers its
province already has admitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from common.spreadsheets import ImportFileError, normalise_header, read_table, read_upload
from common.text import clean_text, join_names
from sessions.models import Program

from ..models import QUOTA_MAX_SEATS, Admission, Province, ProvinceQuota, QuotaChange
from ..provinces import province_code


# --- reading -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuotaLine:
    """One province of the table: lawyers admitted, and its quota (None: no limit)."""

    province: Province
    admitted: int
    seats: int | None

    @property
    def left(self) -> int | None:
        """Places still free (0 when full or over); None without a limit."""
        return None if self.seats is None else max(self.seats - self.admitted, 0)

    @property
    def over(self) -> int:
        """Lawyers admitted beyond the quota (admitted over it with a recorded reason)."""
        return 0 if self.seats is None else max(self.admitted - self.seats, 0)

    @property
    def full(self) -> bool:
        return self.seats is not None and self.admitted >= self.seats


@dataclass(frozen=True)
class QuotaTable:
    lines: list[QuotaLine]

    @property
    def admitted(self) -> int:
        return sum(line.admitted for line in self.lines)

    @property
    def seats(self) -> int:
        """The places of the provinces that have a quota."""
        return sum(line.seats for line in self.lines if line.seats is not None)

    @property
    def admitted_within_quotas(self) -> int:
        return sum(line.admitted for line in self.lines if line.seats is not None)

    @property
    def left(self) -> int:
        return sum(line.left for line in self.lines if line.left is not None)

    @property
    def with_quota(self) -> int:
        return sum(1 for line in self.lines if line.seats is not None)

    @property
    def without_limit(self) -> int:
        return len(self.lines) - self.with_quota

    @property
    def full(self) -> int:
        return sum(1 for line in self.lines if line.full)


def quota_table(program: Program) -> QuotaTable:
    """Every one of the 34 provinces, in code order, with its admitted lawyers and quota (three queries)."""
    admitted = Admission.objects.admitted_by_province(program)
    seats = dict(ProvinceQuota.objects.filter(program=program).values_list("province_id", "seats"))
    return QuotaTable(
        [
            QuotaLine(province, admitted.get(province.pk, 0), seats.get(province.pk))
            for province in Province.objects.all()
        ]
    )


def quota_label(seats: int | None) -> str:
    return _("no limit") if seats is None else str(seats)


# --- changing ----------------------------------------------------------------------------------------
class QuotaRefused(ValidationError):
    """Quotas that cannot be set, each province with its reason (`by_province`); nothing was changed."""

    def __init__(self, by_province: Mapping[Province, str]):
        self.by_province = dict(sorted(by_province.items(), key=lambda item: item[0].code))
        super().__init__(list(self.by_province.values()))


def check_seats(seats: int | None) -> None:
    if seats is not None and not 0 <= seats <= QUOTA_MAX_SEATS:
        raise ValidationError(_("A quota is a whole number from 0 to %(max)s.") % {"max": QUOTA_MAX_SEATS})


@transaction.atomic
def quotas_set(
    *,
    program: Program,
    seats: Mapping[Province, int | None],
    by: User | None,
    source: str,
    expected: Mapping[Province, int | None] | None = None,
) -> list[QuotaChange]:
    """Set each given province's quota (None: no limit), as one change: all of them or none.

    Refused, naming every province and its numbers, when a quota would fall below the lawyers its
    province has admitted, or (with `expected`, the values the person saw) when someone else changed it
    since. A province whose quota stays as it is is left alone. Returns the changes made, as recorded in
    the history.
    """
    for value in seats.values():
        check_seats(value)
    Program.objects.select_for_update().get(pk=program.pk)  # as admit() takes it: admissions wait for this
    current = {q.province_id: q for q in ProvinceQuota.objects.filter(program=program, province__in=list(seats))}

    def now_of(province: Province) -> int | None:
        quota = current.get(province.pk)
        return None if quota is None else quota.seats

    refusals: dict[Province, str] = {}
    if expected is not None:
        for province, value in seats.items():
            if province in expected and now_of(province) not in (expected[province], value):
                refusals[province] = _(
                    "%(province)s: someone else changed its quota to %(seats)s meanwhile; "
                    "check the new value and enter yours again."
                ) % {"province": province, "seats": quota_label(now_of(province))}
    wanted = {p: value for p, value in seats.items() if value != now_of(p) and p not in refusals}
    admitted = Admission.objects.admitted_by_province(program) if any(v is not None for v in wanted.values()) else {}
    for province, value in wanted.items():
        used = admitted.get(province.pk, 0)
        if value is not None and value < used:
            refusals[province] = ngettext(
                "%(province)s has %(used)s lawyer admitted; the quota cannot be lower than %(used)s.",
                "%(province)s has %(used)s lawyers admitted; the quota cannot be lower than %(used)s.",
                used,
            ) % {"province": province, "used": used}
    if refusals:
        raise QuotaRefused(refusals)

    now, changes = timezone.now(), []
    removed, added, updated = [], [], []
    for province in sorted(wanted, key=lambda p: p.code):
        value, quota, before = wanted[province], current.get(province.pk), now_of(province)
        if value is None:
            removed.append(quota.pk)
        elif quota is None:
            added.append(ProvinceQuota(program=program, province=province, seats=value))
        else:
            quota.seats = value
            updated.append(quota)
        changes.append(
            QuotaChange(
                program=program,
                province=province,
                seats_before=before,
                seats_after=value,
                source=source,
                changed_by=by,
                changed_at=now,
            )
        )
    ProvinceQuota.objects.filter(pk__in=removed).delete()
    ProvinceQuota.objects.bulk_create(added)
    ProvinceQuota.objects.bulk_update(updated, ["seats"])
    return QuotaChange.objects.bulk_create(changes)


def quotas_set_all(
    *, program: Program, seats: int | None, by: User | None, provinces: Iterable[Province] | None = None
) -> list[QuotaChange]:
    """The same quota (None: no limit) for the provinces given, or for all 34."""
    chosen = list(Province.objects.all()) if provinces is None else list(provinces)
    return quotas_set(program=program, seats=dict.fromkeys(chosen, seats), by=by, source=QuotaChange.Source.BULK)


# --- a spreadsheet of quotas -------------------------------------------------------------------------
# Column → the headers that name it (compared after normalise_header).
COLUMNS: dict[str, tuple[str, ...]] = {
    "province": ("省份", "省", "省级行政区", "地区", "province", "region"),
    "seats": ("名额", "配额", "名额数", "quota", "seats", "places"),
}
NO_LIMIT = ("不限", "不限额", "无限制", "no limit", "unlimited")
TOTAL_ROWS = ("合计", "总计", "小计", "total", "sum")  # a sum at the foot of the table, not a province
MAX_ROWS = 200  # 34 provinces, some blank lines and notes: more is not a list of quotas

_HEADER_INDEX = {normalise_header(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet numbers it (the header is row 1)
    column: str  # the header as written in the file
    message: str


class QuotaFileRefused(Exception):
    """Rows of the file that are wrong, each with its row number and reason; nothing was changed."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: p.row)
        super().__init__(f"{len(self.problems)} problem(s)")


def quotas_import(*, program: Program, uploaded: UploadedFile, by: User | None) -> list[QuotaChange]:
    """Set the quotas a spreadsheet lists (CSV in UTF-8 or GBK, or XLSX; a province column and a quota
    column): every row valid and every quota possible, or nothing is changed. Provinces the file does not
    list keep their quotas. Raises ImportFileError for a file that cannot be read as such a table, and
    QuotaFileRefused naming each bad row."""
    table = read_table(*read_upload(uploaded))
    if not table:
        raise ImportFileError(_("The file is empty."))
    (_header_number, header), body = table[0], table[1:]
    if len(body) > MAX_ROWS:
        raise ImportFileError(
            _("The file has %(rows)s rows; a list of quotas has one row per province.") % {"rows": len(body)}
        )
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, raw in enumerate(header):
        name = _HEADER_INDEX.get(normalise_header(raw))
        if name and name not in columns:
            columns[name], headers[name] = index, clean_text(raw)
    missing = [name for name in COLUMNS if name not in columns]
    if missing:
        expected = join_names("/".join(column_names(name)) for name in missing)
        raise ImportFileError(_("Columns missing from the first row: %(columns)s.") % {"columns": expected})

    provinces = {p.code: p for p in Province.objects.all()}
    problems: list[Problem] = []
    seats: dict[Province, int | None] = {}
    rows_of: dict[Province, int] = {}
    for number, raw in body:
        cell = {name: raw[index] if index < len(raw) else None for name, index in columns.items()}
        name, value = clean_text(cell["province"]), cell["seats"]
        if not name and not clean_text(value):
            continue  # a blank line
        if name.lower() in TOTAL_ROWS:
            continue
        row_problems = []
        province = provinces.get(province_code(name) or "") if name else None
        if not name:
            row_problems.append(Problem(number, headers["province"], _("Required.")))
        elif province is None:
            row_problems.append(
                Problem(number, headers["province"], _("Unknown province “%(value)s”.") % {"value": name})
            )
        elif province in rows_of:
            row_problems.append(
                Problem(
                    number,
                    headers["province"],
                    _("%(province)s is already on row %(row)s.") % {"province": province, "row": rows_of[province]},
                )
            )
        try:
            parsed = parse_seats(value)
        except ValidationError as error:
            row_problems.append(Problem(number, headers["seats"], error.messages[0]))
        if row_problems:
            problems += row_problems
        else:
            seats[province] = parsed
        if province is not None:
            rows_of.setdefault(province, number)
    if problems:
        raise QuotaFileRefused(problems)
    if not seats:
        raise ImportFileError(_("The file lists no province."))
    try:
        return quotas_set(program=program, seats=seats, by=by, source=QuotaChange.Source.IMPORT)
    except QuotaRefused as refused:
        raise QuotaFileRefused(
            [Problem(rows_of[p], headers["seats"], message) for p, message in refused.by_province.items()]
        ) from refused


def parse_seats(value: object) -> int | None:
    """A quota as a spreadsheet writes it: 12, "12", "１２", 12.0, or 不限 / no limit (None)."""
    text = clean_text(value)
    if not text:
        raise ValidationError(_("Empty: write a number, or 不限 (no limit) to remove the quota."))
    if text.lower() in NO_LIMIT:
        return None
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": text})
    if number < 0:
        raise ValidationError(_("“%(value)s”: a quota cannot be negative.") % {"value": text})
    if number > QUOTA_MAX_SEATS:
        raise ValidationError(_("“%(value)s”: a quota is at most %(max)s.") % {"value": text, "max": QUOTA_MAX_SEATS})
    return int(number)


def column_names(name: str) -> tuple[str, str]:
    """A column's Chinese header and its English one, as the page and the messages name it."""
    aliases = COLUMNS[name]
    return aliases[0], next(alias for alias in aliases if alias.isascii())
