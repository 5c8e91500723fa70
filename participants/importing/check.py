"""Checking a provincial list: every row, what is wrong with it by column (a problem is a code with parameters,
rendered in the language of whoever reads it), and the lawyer on record each valid row updates."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.spreadsheets import ImportFileError, normalise_header, read_table
from common.text import clean_text, join_names
from sessions.models import Program

from ..models import Admission, AdmissionState, Participant, Province, ProvinceQuota
from ..provinces import province_code, province_name
from ..services import specialties

# Field → the headers that name it (compared after normalise_header).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name_zh": ("姓名", "name"),
    "name_latin": ("姓名拼音", "拼音", "name_latin", "latin name", "name (latin)"),
    "gender": ("性别", "gender"),
    "license_number": ("执业证号", "律师执业证号", "license_number", "licence number", "license number"),
    "law_firm": ("律师事务所", "律所", "law_firm", "law firm"),
    "province": ("省份", "省", "province"),
    "city": ("城市", "city"),
    "mobile": ("手机", "手机号", "手机号码", "mobile"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail"),
    "years_of_practice": ("执业年限", "years_of_practice", "years of practice"),
    "specialties": ("专业领域", "specialties"),
    "languages": ("外语", "languages"),
}
REQUIRED = ("name_zh", "license_number", "law_firm", "province", "email")
GENDERS = {"男": "male", "male": "male", "m": "male", "女": "female", "female": "female", "f": "female"}
LIST_SEPARATORS = re.compile(r"[,，、;；/|]+")

# What can be wrong with a row, by code; each message's parameters are stored with the problem.
MESSAGES = {
    "required": gettext_lazy("Required."),
    "too_long": gettext_lazy("Longer than %(limit)s characters."),
    "licence_format": gettext_lazy("“%(value)s” is not a 17-digit licence number."),
    "licence_repeated": gettext_lazy("The same licence number as row %(row)s."),
    "province_unknown": gettext_lazy("Unknown province “%(value)s”."),
    "email_format": gettext_lazy("“%(value)s” is not an e-mail address."),
    "email_repeated": gettext_lazy("The same e-mail address as row %(row)s."),
    "email_taken": gettext_lazy("%(email)s already belongs to another account."),
    "mobile_format": gettext_lazy("“%(value)s” is not a mobile number."),
    "gender": gettext_lazy("Write 男/女 or male/female."),
    "years": gettext_lazy("“%(value)s” is not a number of years."),
    "quota_full": gettext_lazy("%(province)s has no places left (%(seats)s)."),
    specialties.TOO_LONG: gettext_lazy("A specialty longer than %(limit)s characters: “%(value)s”."),
    specialties.NOT_TEXT: gettext_lazy(
        "“%(value)s” cannot be kept as a specialty: write it in letters, digits and punctuation, not starting "
        "with = + - or @."
    ),
    specialties.TOO_MANY: gettext_lazy("More than %(limit)s specialties."),
}


def column_names() -> list[tuple[str, str]]:
    """Each column's Chinese header and its English one (the first name in Latin letters), as a list's help shows."""
    return [(names[0], next(n for n in names if n.isascii())) for names in COLUMNS.values()]


def _param(name: str, value: object) -> object:
    return province_name(value) if name == "province" and isinstance(value, str) else value  # stored as its code


def render(code: str, params: dict) -> str:
    """The message for a problem's code and parameters, in the current language."""
    return str(MESSAGES[code]) % {name: _param(name, value) for name, value in params.items()}


@dataclass(frozen=True)
class Problem:
    column: str  # the column's header as the file writes it
    code: str  # a key of MESSAGES
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return render(self.code, self.params)

    def __str__(self) -> str:
        return f"{self.column}: {self.message}"


def problem_message(stored: dict) -> str:
    """A stored problem ({"row", "column", "code", "params"}) in the reader's language; a job stored
    before problems had codes keeps its message as written."""
    if stored.get("code") in MESSAGES:
        try:
            return render(stored["code"], stored.get("params") or {})
        except (KeyError, TypeError, ValueError):  # parameters that no longer fit the message
            pass
    return str(stored.get("message") or stored.get("code") or "")


@dataclass
class Row:
    number: int  # as the spreadsheet numbers it (the header is row 1)
    values: dict[str, object]
    errors: list[Problem] = field(default_factory=list)
    existing: int | None = None  # the participant this row updates
    new_specialties: list[str] = field(default_factory=list)  # values outside the known ones, kept as written

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class Report:
    rows: list[Row]
    headers: dict[str, str]  # field → header as written in the file
    unknown_columns: list[str]

    @property
    def valid_rows(self) -> list[Row]:
        return [r for r in self.rows if r.valid]

    @property
    def invalid_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.valid]

    @property
    def all_valid(self) -> bool:
        return all(r.valid for r in self.rows)

    @property
    def new_specialties(self) -> dict[str, int]:
        """Each specialty outside the known ones that valid rows name → in how many rows."""
        return dict(Counter(value for row in self.valid_rows for value in row.new_specialties))

    @property
    def digest(self) -> str:
        """A fingerprint of what the check found: each row's problems and the lawyer it updates. Two
        checks of one file with equal digests would write the same rows the same way."""
        found = [(r.number, r.existing, [(p.column, p.code, p.params) for p in r.errors]) for r in self.rows]
        return hashlib.sha256(json.dumps(found, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


_HEADER_INDEX = {normalise_header(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


@dataclass
class Table:
    """A list as its file gives it: each row cleaned, with the problems the file alone shows (a value missing or
    malformed, a licence number or an address given twice). Checked against the records as often as need be
    (`check_table`), without reading the file again."""

    rows: list[Row]
    headers: dict[str, str]
    unknown_columns: list[str]


def parse(data: bytes, filename: str, program: Program) -> Report:
    """Read and check a list for `program`; raises ImportFileError if the file as a whole cannot be read."""
    return check_table(read(data, filename), program)


def read(data: bytes, filename: str) -> Table:
    """Read a list and clean its rows; raises ImportFileError if the file as a whole cannot be read."""
    table = read_table(data, filename)
    if not table:
        raise ImportFileError(_("The file is empty."))
    (_header_number, header), body = table[0], table[1:]
    if len(body) > settings.IMPORT_MAX_ROWS:
        raise ImportFileError(
            _("The file has %(rows)s rows; at most %(limit)s can be imported at once.")
            % {"rows": len(body), "limit": settings.IMPORT_MAX_ROWS}
        )
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    unknown = []
    for index, raw in enumerate(header):
        name = _HEADER_INDEX.get(normalise_header(raw))
        if name and name not in headers:
            columns[index], headers[name] = name, clean_text(raw)
        elif clean_text(raw):
            unknown.append(clean_text(raw))
    missing = [name for name in REQUIRED if name not in headers]
    if missing:
        expected = join_names(f"{COLUMNS[name][0]}/{COLUMNS[name][1]}" for name in missing)
        raise ImportFileError(_("Columns missing from the first row: %(columns)s.") % {"columns": expected})

    rows = [Row(number=n, values={columns[i]: cell for i, cell in enumerate(raw) if i in columns}) for n, raw in body]
    provinces = {p.code: p for p in Province.objects.all()}
    for row in rows:
        _clean_row(row, headers, provinces)
    seen_licence: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    for row in rows:
        licence, email = row.values.get("license_number"), row.values.get("email")
        if licence:
            if licence in seen_licence:
                first = seen_licence[licence]
                row.errors.append(Problem(headers["license_number"], "licence_repeated", {"row": first}))
            seen_licence.setdefault(licence, row.number)
        if email:
            if email in seen_email:
                row.errors.append(Problem(headers["email"], "email_repeated", {"row": seen_email[email]}))
            seen_email.setdefault(email, row.number)
    return Table(rows=rows, headers=headers, unknown_columns=unknown)


def check_table(table: Table, program: Program) -> Report:
    """Check a list read by `read` against the records as they are now: the lawyer on record each row updates, the
    addresses other accounts hold, the program's quotas. A fresh report each time; `table` stays as it was read."""
    rows = [Row(r.number, r.values, list(r.errors), new_specialties=r.new_specialties) for r in table.rows]
    headers = table.headers
    licences = [r.values.get("license_number") for r in rows if r.values.get("license_number")]
    existing = dict(Participant.objects.filter(license_number__in=licences).values_list("license_number", "pk"))
    emails = [r.values["email"] for r in rows if r.values.get("email")]
    # Each address already in use → the licence of the lawyer whose account it is (None: not a lawyer's).
    owners = dict(get_user_model().objects.filter(email__in=emails).values_list("email", "participant__license_number"))
    for row in rows:
        licence, email = row.values.get("license_number"), row.values.get("email")
        row.existing = existing.get(licence) if licence else None
        if email and email in owners and owners[email] != licence:  # someone else's account, not this lawyer's
            row.errors.append(Problem(headers["email"], "email_taken", {"email": email}))
    _check_quotas(rows, headers, program)
    return Report(rows=rows, headers=headers, unknown_columns=table.unknown_columns)


def _clean_row(row: Row, headers: dict[str, str], provinces: dict[str, Province]) -> None:
    values, clean = row.values, {}

    def error(name: str, code: str, **params) -> None:
        # A value quoted back is cut short: a whole 100,000-character cell would be kept with every problem.
        params = {k: v[:60] + "…" if isinstance(v, str) and len(v) > 61 else v for k, v in params.items()}
        row.errors.append(Problem(headers.get(name, name), code, params))

    for name in COLUMNS:
        clean[name] = clean_text(values.get(name))
    for name in REQUIRED:
        if not clean[name]:
            error(name, "required")
    licence = clean["license_number"].replace(" ", "")
    if licence and not re.fullmatch(r"\d{17}", licence):
        error("license_number", "licence_format", value=clean["license_number"])
    code = province_code(clean["province"]) if clean["province"] else None
    if clean["province"] and code is None:
        error("province", "province_unknown", value=clean["province"])
    email = clean["email"].lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            error("email", "email_format", value=clean["email"])
        else:  # a valid address may run to 320 characters, longer than the accounts keep
            limit = get_user_model()._meta.get_field("email").max_length
            if len(email) > limit:
                error("email", "too_long", limit=limit)
    mobile = re.sub(r"[ -]+", "", clean["mobile"])
    if mobile and not re.fullmatch(r"\+?\d{6,15}", mobile):
        error("mobile", "mobile_format", value=clean["mobile"])
    gender = GENDERS.get(clean["gender"].lower()) if clean["gender"] else ""
    if gender is None:
        error("gender", "gender")
    years = None
    if clean["years_of_practice"]:
        try:
            years = int(float(clean["years_of_practice"]))
            if not 0 <= years <= 70:
                raise ValueError
        except (ValueError, OverflowError):  # not a number, or infinity ("inf", "1e400")
            error("years_of_practice", "years", value=clean["years_of_practice"])
    # An open vocabulary: a value outside the known ones is kept as written, unless it cannot be a name.
    try:
        held = specialties.resolve_all(LIST_SEPARATORS.split(clean["specialties"]))
    except specialties.SpecialtyRefused as refusal:
        error("specialties", refusal.code, **refusal.params)
        held = []
    row.new_specialties = [value for value in held if not specialties.is_known(value)]
    for name, limit in (("name_zh", 60), ("name_latin", 100), ("law_firm", 200), ("city", 60), ("languages", 120)):
        if len(clean[name]) > limit:
            error(name, "too_long", limit=limit)
    row.values = {
        **clean,
        "license_number": licence,
        "province": provinces.get(code) if code else None,
        "email": email,
        "mobile": mobile,
        "gender": gender or "",
        "years_of_practice": years,
        "specialties": held,
    }


def _check_quotas(rows: list[Row], headers: dict[str, str], program: Program) -> None:
    """Row by row, in the list's order: a lawyer the list admits takes a place in their province, and a lawyer
    already admitted whom the list moves to another province leaves a place in the old one and takes one in the
    new (admission over a quota needs a reason, which a list cannot give)."""
    quotas = dict(ProvinceQuota.objects.filter(program=program).values_list("province_id", "seats"))
    if not quotas:
        return
    admitted = Counter(Admission.objects.admitted_by_province(program))
    # The admitted lawyers the list names → the province they are admitted under.
    named = [row.existing for row in rows if row.existing]
    held_in = dict(
        Admission.objects.filter(program=program, state=AdmissionState.ADMITTED, participant__in=named).values_list(
            "participant_id", "participant__province_id"
        )
    )
    for row in rows:
        province = row.values.get("province")
        if not row.valid or province is None:
            continue
        before = held_in.get(row.existing) if row.existing else None
        if before == province.pk:
            continue  # admitted there already
        if province.pk in quotas and admitted[province.pk] >= quotas[province.pk]:
            row.errors.append(
                Problem(headers["province"], "quota_full", {"province": province.code, "seats": quotas[province.pk]})
            )
            continue
        admitted[province.pk] += 1
        if before is not None:
            admitted[before] -= 1
