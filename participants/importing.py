"""Importing provincial lists of lawyers: CSV (UTF-8 with or without BOM, GBK/GB18030) or XLSX,
headers in Chinese or English. `parse` checks every row and says what is wrong by row and column;
`apply` writes nothing unless every row is valid, or the caller chose to import only the valid rows.

A problem is a code with parameters (rendered in the language of whoever reads it, not of whoever
uploaded the file). An import job writes only what its administrator was shown: the file is checked
again at writing time, and if the lawyers on record changed meanwhile, nothing is written and the
fresh check is shown for the administrator to confirm again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.templatetags.ui import join_names
from sessions.models import Program

from . import specialties
from .models import Admission, AdmissionState, IdentityChange, ImportJob, Participant, Province, ProvinceQuota
from .profiles import identity_changes
from .provinces import PROVINCES, province_code

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
# Why a job stopped without writing, by code (ImportJob.error).
FAILURES = {
    "unreadable": gettext_lazy("The stored file can no longer be read; upload it again."),
    "rows_invalid": gettext_lazy("The file has rows with errors; fix them, or import only the valid rows."),
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why."""


class ChangedMeanwhile(Exception):
    """A lawyer the check found on record is gone by the time of writing: the check no longer holds."""


def _param(name: str, value: object) -> object:
    if name == "province":  # stored as its code, named in the reader's language
        names = {code: (full, english) for code, full, _short, english in PROVINCES}
        if value in names:
            return names[value][1] if translation.get_language() == "en" else names[value][0]
    return value


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


def failure_message(error: str) -> str:
    return str(FAILURES[error]) if error in FAILURES else error


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


def normalise(text: object) -> str:
    """Full-width letters and digits to half-width, stray spaces (inside too, for numbers) trimmed."""
    return unicodedata.normalize("NFKC", "" if text is None else str(text)).strip()


def normalise_header(text: object) -> str:
    return re.sub(r"[\s_*（）()]+", " ", normalise(text).lower()).strip()


_HEADER_INDEX = {normalise_header(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


# --- reading ----------------------------------------------------------------------------------
def read_table(data: bytes, filename: str) -> list[tuple[int, list[object]]]:
    """The rows that hold anything, each with its number as the spreadsheet shows it (a blank line still
    counts, so "row 12" is the twelfth row the person sees, whatever is blank above it)."""
    return [(number, row) for number, row in enumerate(_read_rows(data, filename), start=1) if _filled(row)]


def _filled(row: list[object]) -> bool:
    return any(normalise(cell) for cell in row)


def _read_rows(data: bytes, filename: str) -> list[list[object]]:
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)s MB; split it into smaller lists.")
            % {"limit": settings.IMPORT_MAX_BYTES // 1024 // 1024}
        )
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    return _read_csv(data)


def _read_xlsx(data: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    # A damaged or foreign file fails deep inside openpyxl in many ways (a bad zip, broken XML, a
    # missing part, no sheet at all); each means the same to the person uploading it.
    except Exception as error:
        raise ImportFileError(_("This is not a readable Excel (.xlsx) file.")) from error


def _read_csv(data: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 reads everything GBK and GB2312 write
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly any byte string
        raise ImportFileError(_("The file's characters could not be read; save it as UTF-8 or GBK CSV, or as XLSX."))
    if "\x00" in text:
        raise ImportFileError(_("This does not look like a CSV file (it holds binary data)."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="": line breaks inside quoted cells stay, and old Mac files (CR only) still split into rows.
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return list(reader)
    except csv.Error as error:  # a cell longer than the csv module takes, or a stray quote or NUL
        raise ImportFileError(
            _("Line %(line)s cannot be read as CSV (a cell is too long or badly quoted); save the file again.")
            % {"line": reader.line_num}
        ) from error


# --- checking ---------------------------------------------------------------------------------
def parse(data: bytes, filename: str, program: Program) -> Report:
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
            columns[index], headers[name] = name, normalise(raw)
        elif normalise(raw):
            unknown.append(normalise(raw))
    missing = [name for name in REQUIRED if name not in headers]
    if missing:
        expected = join_names(f"{COLUMNS[name][0]}/{COLUMNS[name][1]}" for name in missing)
        raise ImportFileError(_("Columns missing from the first row: %(columns)s.") % {"columns": expected})

    rows = [Row(number=n, values={columns[i]: cell for i, cell in enumerate(raw) if i in columns}) for n, raw in body]
    _check_rows(rows, headers, program)
    return Report(rows=rows, headers=headers, unknown_columns=unknown)


def _check_rows(rows: list[Row], headers: dict[str, str], program: Program) -> None:
    provinces = {p.code: p for p in Province.objects.all()}
    for row in rows:
        _clean_row(row, headers, provinces)

    licences = [r.values.get("license_number") for r in rows if r.values.get("license_number")]
    existing = dict(Participant.objects.filter(license_number__in=licences).values_list("license_number", "pk"))
    emails = [str(r.values.get("email", "")).lower() for r in rows if r.values.get("email")]
    # Each address already in use → the licence of the lawyer whose account it is (None: not a lawyer's).
    owners = dict(get_user_model().objects.filter(email__in=emails).values_list("email", "participant__license_number"))

    seen_licence: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    for row in rows:
        licence, email = row.values.get("license_number"), row.values.get("email")
        if licence:
            if licence in seen_licence:
                first = seen_licence[licence]
                row.errors.append(Problem(headers["license_number"], "licence_repeated", {"row": first}))
            seen_licence.setdefault(licence, row.number)
            row.existing = existing.get(licence)
        if email:
            if email in seen_email:
                row.errors.append(Problem(headers["email"], "email_repeated", {"row": seen_email[email]}))
            seen_email.setdefault(email, row.number)
            if email in owners and owners[email] != licence:  # someone else's account, not this lawyer's
                row.errors.append(Problem(headers["email"], "email_taken", {"email": email}))
    _check_quotas(rows, headers, program)


def _clean_row(row: Row, headers: dict[str, str], provinces: dict[str, Province]) -> None:
    values, clean = row.values, {}

    def error(name: str, code: str, **params) -> None:
        # A value quoted back is cut short: a whole 100,000-character cell would be kept with every problem.
        params = {k: v[:60] + "…" if isinstance(v, str) and len(v) > 61 else v for k, v in params.items()}
        row.errors.append(Problem(headers.get(name, name), code, params))

    for name in COLUMNS:
        clean[name] = normalise(values.get(name))
    for name in REQUIRED:
        if not clean[name]:
            error(name, "required")
    licence = re.sub(r"\s+", "", clean["license_number"])
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
    mobile = re.sub(r"[\s-]+", "", clean["mobile"])
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
    quotas = {q.province_id: q.seats for q in ProvinceQuota.objects.filter(program=program)}
    if not quotas:
        return
    admitted = Counter(
        Admission.objects.filter(program=program, state=AdmissionState.ADMITTED).values_list(
            "participant__province_id", flat=True
        )
    )
    already = set(
        Admission.objects.filter(program=program, state=AdmissionState.ADMITTED).values_list(
            "participant_id", flat=True
        )
    )
    for row in rows:
        province = row.values.get("province")
        if not row.valid or province is None or province.pk not in quotas or row.existing in already:
            continue
        admitted[province.pk] += 1
        if admitted[province.pk] > quotas[province.pk]:
            row.errors.append(
                Problem(headers["province"], "quota_full", {"province": province.code, "seats": quotas[province.pk]})
            )


# --- writing ----------------------------------------------------------------------------------
@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    new_user_ids: list[int] = field(default_factory=list)


PROFILE_FIELDS = [
    "name_zh", "name_latin", "gender", "law_firm", "province", "city", "mobile", "years_of_practice",
    "specialties", "languages",
]  # fmt: skip
BATCH = 500


def apply(report: Report, program: Program, *, by, source: str, only_valid: bool = False, progress=None) -> Outcome:
    """Write the rows: every one, or (with `only_valid`) the valid ones; refuse if any is invalid otherwise.

    Lawyers are matched by licence number (updated, not duplicated; a change of a name, firm or province
    is kept in their history, the list `source` named as its reason), admitted to the program, and
    new accounts are returned for invitation (sent afterwards, in the background). Written in
    batches with bulk statements, inside one transaction: all of it lands, or none.
    """
    if not report.all_valid and not only_valid:
        raise ValidationError(str(FAILURES["rows_invalid"]), code="rows_invalid")
    rows = report.valid_rows
    outcome = Outcome(skipped=len(report.rows) - len(rows))
    reason = (_("Provincial list “%(file)s”") % {"file": source})[:300]
    with transaction.atomic():
        lock_for_import(program)
        for start in range(0, len(rows), BATCH):
            _apply_batch(rows[start : start + BATCH], program, by, outcome, reason=reason)
            if progress:
                progress(min(start + BATCH, len(rows)), len(rows))
    return outcome


_IMPORT_LOCK = zlib.crc32(b"participants.import")


def lock_for_import(program: Program) -> None:
    """One import writes at a time (two lists may name the same lawyer), and admissions to the program
    wait for it (they lock the program too, to count its quotas); held until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])
    Program.objects.select_for_update().filter(pk=program.pk).exists()


def _apply_batch(rows: list[Row], program: Program, by, outcome: Outcome, *, reason: str) -> None:
    from django.contrib.auth.hashers import make_password

    User = get_user_model()
    # As the check found them: a lawyer written meanwhile by someone else makes an insert fail (and the
    # whole import undone) rather than be taken over.
    known = Participant.objects.in_bulk([r.existing for r in rows if r.existing])
    if len(known) < len({r.existing for r in rows if r.existing}):
        raise ChangedMeanwhile
    fresh = [r for r in rows if not r.existing]
    unusable = make_password(None)
    new_users = User.objects.bulk_create(
        [
            User(email=r.values["email"], full_name=r.values["name_zh"], is_active=False, password=unusable)
            for r in fresh
        ]
    )
    outcome.new_user_ids += [u.pk for u in new_users]
    users = {u.email: u for u in new_users}
    created = Participant.objects.bulk_create(
        [
            Participant(
                user=users[r.values["email"]],
                license_number=r.values["license_number"],
                **{name: r.values[name] for name in PROFILE_FIELDS},
            )
            for r in fresh
        ]
    )
    updated, history = [], []
    for row in rows:
        if row.existing:
            participant = known[row.existing]
            # A cell left empty (or a column the list lacks) keeps what is on record rather than erasing it.
            given = {name: row.values[name] for name in PROFILE_FIELDS if row.values[name] not in ("", None, [])}
            history += identity_changes(participant, given, by=by, reason=reason)
            for name, value in given.items():
                setattr(participant, name, value)
            updated.append(participant)
    Participant.objects.bulk_update(updated, PROFILE_FIELDS)
    IdentityChange.objects.bulk_create(history)
    outcome.created += len(created)
    outcome.updated += len(updated)

    everyone = created + updated
    admissions = {a.participant_id: a for a in Admission.objects.filter(program=program, participant__in=everyone)}
    now = timezone.now()
    Admission.objects.bulk_create(
        [
            Admission(participant=p, program=program, state=AdmissionState.ADMITTED, decided_by=by, decided_at=now)
            for p in everyone
            if p.pk not in admissions
        ]
    )
    changed = [a for a in admissions.values() if a.state != AdmissionState.ADMITTED]
    for admission in changed:
        admission.state, admission.reason, admission.decided_by, admission.decided_at = (
            AdmissionState.ADMITTED, "", by, now
        )  # fmt: skip
    Admission.objects.bulk_update(changed, ["state", "reason", "decided_by", "decided_at"])
    _after_admission(program, everyone)


def _after_admission(program: Program, participants: list[Participant]) -> None:
    """What admission brings, in bulk: the lawyer role, and seats in every required session."""
    from django.contrib.auth.models import Group

    from accounts.roles import Role
    from sessions.models import SessionStatus

    from .services import seat_in_required

    Group.objects.get(name=Role.PARTICIPANT).user_set.add(*[p.user_id for p in participants])
    required = program.sessions.filter(is_required=True, status=SessionStatus.SCHEDULED)
    seat_in_required(
        session_ids=list(required.values_list("pk", flat=True)), participant_ids=[p.pk for p in participants], by=None
    )


def queue_invitations(user_ids: list[int], *, by=None) -> None:
    """Once the import commits, invite its new accounts in the background (a broker outage only
    delays them: the accounts stay inactive until invited, and the import can be run again)."""
    import logging

    from .tasks import import_send_invitations

    def send():
        try:
            import_send_invitations.delay(user_ids=user_ids, invited_by_id=getattr(by, "pk", None))
        except Exception:  # noqa: BLE001 - the broker is down; nothing is lost but time
            logging.getLogger(__name__).warning("import: invitations for %s account(s) not queued", len(user_ids))

    if user_ids:
        transaction.on_commit(send)


# --- import jobs (the screens) ----------------------------------------------------------------
def _progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def job_progress(job) -> int:
    """Rows written so far: kept in the cache while the import's transaction is still open."""
    from django.core.cache import cache

    return cache.get(_progress_key(job.pk), job.progress)


def job_create(*, program: Program, uploaded, by) -> ImportJob:
    """Check an uploaded file and keep it for the import; raises ImportFileError if unreadable."""
    import uuid
    from pathlib import PurePath

    from django.core.files.base import ContentFile

    if uploaded.size > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)s MB; split it into smaller lists.")
            % {"limit": settings.IMPORT_MAX_BYTES // 1024 // 1024}
        )
    data = uploaded.read()
    name = PurePath(uploaded.name or "list").name[-200:]
    report = parse(data, name, program)
    job = ImportJob(program=program, uploaded_by=by, original_name=name)
    _keep_check(job, report)
    suffix = ".xlsx" if data[:4] == b"PK\x03\x04" else ".csv"
    job.file.save(f"{uuid.uuid4().hex}{suffix}", ContentFile(data), save=False)
    job.save()
    return job


def _keep_check(job: ImportJob, report: Report) -> None:
    """What the check found, as the administrator will be shown it: every problem (each skipped row
    is named), the specialties kept as written, and the check's digest."""
    job.total_rows = len(report.rows)
    job.valid_rows = len(report.valid_rows)
    job.known_rows = sum(1 for row in report.valid_rows if row.existing)
    job.problems = [
        {"row": row.number, "column": problem.column, "code": problem.code, "params": problem.params}
        for row in report.invalid_rows
        for problem in row.errors
    ]
    job.new_specialties = [{"value": value, "rows": rows} for value, rows in report.new_specialties.items()]
    job.unknown_columns = report.unknown_columns
    job.check_digest = report.digest


def job_start(*, job: ImportJob, only_valid: bool, confirmed: str) -> None:
    """Write a checked file: small ones now, large ones in the background (with a progress bar).

    `confirmed` is the digest of the check the administrator saw: if the file has been checked again
    since (the page they confirmed from is out of date), nothing starts.
    """
    from .tasks import import_run

    if job.state != ImportJob.State.CHECKED:
        raise ValidationError(_("This file has already been imported."))
    if confirmed != job.check_digest:
        raise ValidationError(_("This file has been checked again since that page was shown; review the result."))
    if job.problems and not only_valid:
        raise ValidationError(str(FAILURES["rows_invalid"]))
    ImportJob.objects.filter(pk=job.pk).update(only_valid=only_valid)
    if job.valid_rows <= settings.IMPORT_SYNC_ROWS:
        job_run(job.pk, confirmed=confirmed)
    else:
        transaction.on_commit(lambda: import_run.delay(job_id=job.pk, confirmed=confirmed))


def job_run(job_id: int, *, confirmed: str) -> None:
    """Import a checked file once (a second run finds it claimed and does nothing).

    The job is claimed only while its check is still the one confirmed: a second click racing a first
    one that found the check stale cannot write the fresh result nobody has read. The file is checked
    again inside the writing transaction, under the import lock; if the result differs from the one
    confirmed (another import, an application or an admission changed the lawyers on record), nothing
    is written and the job shows the fresh check instead.
    """
    from django.core.cache import cache

    claim = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.CHECKED, check_digest=confirmed)
    if not claim.update(state=ImportJob.State.RUNNING):
        return
    job = ImportJob.objects.select_related("program", "uploaded_by").get(pk=job_id)
    try:
        try:
            with transaction.atomic():
                lock_for_import(job.program)
                report = _check_again(job)
                if report.digest != job.check_digest:
                    _show_fresh_check(job, report)
                    return
                outcome = apply(
                    report,
                    job.program,
                    by=job.uploaded_by,
                    source=job.original_name,
                    only_valid=job.only_valid,
                    progress=lambda done, total: cache.set(_progress_key(job_id), done, 3600),
                )
                ImportJob.objects.filter(pk=job_id).update(
                    state=ImportJob.State.DONE,
                    progress=outcome.created + outcome.updated,
                    created=outcome.created,
                    updated=outcome.updated,
                    skipped=outcome.skipped,
                )
                queue_invitations(outcome.new_user_ids, by=job.uploaded_by)
        except (IntegrityError, ChangedMeanwhile):
            # Someone else wrote a lawyer of the file (an application) between the check and the write:
            # all of it was undone. Check again, in a transaction of its own.
            with transaction.atomic():
                lock_for_import(job.program)
                _show_fresh_check(job, _check_again(job))
    except (ImportFileError, OSError, ValidationError) as error:
        code = error.code if isinstance(error, ValidationError) else "unreadable"
        ImportJob.objects.filter(pk=job_id).update(
            state=ImportJob.State.FAILED, error=code if code in FAILURES else "unreadable"
        )
    finally:
        cache.delete(_progress_key(job_id))


def _show_fresh_check(job: ImportJob, report: Report) -> None:
    """Nothing written: the job is checked again, to be confirmed anew from the fresh result."""
    _keep_check(job, report)
    job.state, job.rechecked_at = ImportJob.State.CHECKED, timezone.now()
    job.save()


def _check_again(job: ImportJob) -> Report:
    with job.file.open("rb") as handle:
        return parse(handle.read(), job.original_name, job.program)
