"""Writing a checked list: lawyers created or updated, admitted to the program and seated in its required
sessions, inside one transaction under the import lock. Set-based: new accounts, lawyers and admissions by COPY
(common/bulk.py) in batches of BATCH rows, the progress reported after each; then the seats of every lawyer of the
list in one statement (seat_in_required), and their stored progress (the new lawyers' computed once: they are
alike).

Lock order, as every writer keeps it (participants/services.py): the import lock and the program's row, then the
program's required sessions, then the lawyers' rows, each kind in primary-key order.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from accounts.services import invitation_send, users_add_role
from common.bulk import insert_new
from common.tasks import enqueue
from sessions.models import Program, SessionStatus, TrainingSession

from ..models import Admission, AdmissionState, IdentityChange, Participant, Province
from ..services.admission import seat_in_required
from ..services.profiles import CONTACT_FIELDS, IDENTITY_FIELDS, identity_changes
from ..services.progress import refresh as progress_refresh
from ..services.progress import refresh_new as progress_refresh_new
from .check import Report, Row

logger = logging.getLogger(__name__)

# What a list says about a lawyer: who they are and how to reach them; the licence number is how rows are matched
# with the lawyers on record, never written over.
PROFILE_FIELDS: tuple[str, ...] = tuple(f for f in (*IDENTITY_FIELDS, *CONTACT_FIELDS) if f != "license_number")
BATCH = 500
IMPORT_LOCK = zlib.crc32(b"participants.import")  # PostgreSQL's advisory-lock key of every import
ROWS_INVALID = gettext_lazy("The file has rows with errors; fix them, or import only the valid rows.")


class ChangedMeanwhile(Exception):
    """A lawyer the check found on record is gone by the time of writing: the check no longer holds."""


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    new_user_ids: list[int] = field(default_factory=list)


def lock_for_import(program: Program, *, wait: bool = True) -> bool:
    """Take what an import holds until its transaction ends, in the order every writer keeps: the import lock (one
    import writes at a time: two lists may name the same lawyer), the program's row (admissions and quota changes
    wait, as they count its quotas), then its scheduled required sessions (where the import seats its lawyers),
    before any lawyer's row. Call inside a transaction.

    With `wait=False` (a web request, which must not hang on a long import in the worker), returns False at once
    if another import holds the lock. On SQLite, the embedded database, the transaction already holds the one write
    lock from its start (transaction_mode IMMEDIATE), so there is no import lock to take: it waits for the other.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
            else:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [IMPORT_LOCK])
                if not cursor.fetchone()[0]:
                    return False
    Program.objects.select_for_update().filter(pk=program.pk).exists()
    required = program.sessions.filter(is_required=True, status=SessionStatus.SCHEDULED)
    list(TrainingSession.objects.select_for_update().filter(pk__in=required).order_by("pk").values_list("pk"))
    return True


def apply(
    *,
    report: Report,
    program: Program,
    by: User | None,
    source: str,
    only_valid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Write the rows of a list checked for `program` (named `source`), under the import lock: every row, or (with
    `only_valid`) the valid ones; refused (ValidationError "rows_invalid") if any is invalid otherwise.

    Lawyers are matched by licence number (updated, not duplicated; a change of a name, firm or province is kept in
    their history, the list named as its reason), admitted to the program, and new accounts are returned for
    invitation (sent afterwards, in the background). All of it lands, or none.
    """
    with transaction.atomic():
        lock_for_import(program)
        return write_rows(
            report=report, program=program, by=by, source=source, only_valid=only_valid, progress=progress
        )


def write_rows(
    *,
    report: Report,
    program: Program,
    by: User | None,
    source: str,
    only_valid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """apply(), for a caller that holds lock_for_import already (it checked the list under it)."""
    if not report.all_valid and not only_valid:
        raise ValidationError(str(ROWS_INVALID), code="rows_invalid")
    rows = report.valid_rows
    outcome = Outcome(skipped=len(report.rows) - len(rows))
    known = _lock_lawyers(row.existing for row in rows if row.existing)
    codes = dict(Province.objects.values_list("pk", "code"))
    created: list[int] = []
    updated: list[int] = []
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        new, on_record = _write_batch(batch, program, by, outcome, known=known, source=source, codes=codes)
        created += new
        updated += on_record
        if progress and start + BATCH < len(rows):
            progress(start + BATCH, len(rows))
    # Every lawyer of the list at once, in SQL: 10,000 lawyers take 170,000 seats in a program of 17.
    required = program.sessions.filter(is_required=True, status=SessionStatus.SCHEDULED)
    seat_in_required(
        session_ids=list(required.values_list("pk", flat=True)), participant_ids=created + updated, by=None
    )
    # The lawyers on record counted from their rows; the new ones have no attendance and, all alike, the seats
    # just given: one's figures are everyone's.
    progress_refresh(program, updated)
    progress_refresh_new(program, created)
    if progress:
        progress(len(rows), len(rows))
    return outcome


def _lock_lawyers(ids: Iterable[int]) -> dict[int, Participant]:
    """The lawyers the list updates, read afresh and row-locked in primary-key order (in chunks, in that order):
    a lawyer's or the office's change committed meanwhile is what the import compares with, and one made from now
    on waits for the import. A lawyer gone since the check makes the check void."""
    wanted = sorted(set(ids))
    known: dict[int, Participant] = {}
    for start in range(0, len(wanted), 2000):
        chunk = wanted[start : start + 2000]
        known.update(
            (p.pk, p) for p in Participant.objects.select_for_update(no_key=True).filter(pk__in=chunk).order_by("pk")
        )
    if len(known) < len(wanted):
        raise ChangedMeanwhile
    return known


def _write_batch(
    rows: list[Row],
    program: Program,
    by: User | None,
    outcome: Outcome,
    *,
    known: dict[int, Participant],
    source: str,
    codes: dict[int, str],
) -> tuple[list[int], list[int]]:
    """Write a batch of rows: new lawyers and their accounts, changes to those on record, and admission (with the
    lawyer role); returns the lawyers admitted, new and on record, to be seated in the required sessions."""
    UserModel = get_user_model()
    # A lawyer written meanwhile by someone else (an application) makes an insert fail, and the whole import
    # undone, rather than be taken over.
    fresh = [r for r in rows if not r.existing]
    unusable = make_password(None)
    new_users = insert_new(
        UserModel,
        [
            UserModel(email=r.values["email"], full_name=r.values["name_zh"], is_active=False, password=unusable)
            for r in fresh
        ],
    )
    outcome.new_user_ids += [u.pk for u in new_users]
    users = {u.email: u for u in new_users}
    created = insert_new(
        Participant,
        [
            Participant(
                user=users[r.values["email"]],
                license_number=r.values["license_number"],
                **{name: r.values[name] for name in PROFILE_FIELDS},
            )
            for r in fresh
        ],
    )
    updated, history = [], []
    by_fields: dict[tuple[str, ...], list[Participant]] = {}
    now = timezone.now()
    for row in rows:
        if not row.existing:
            continue
        participant = known[row.existing]
        updated.append(participant)
        # A cell left empty (or a column the list lacks) keeps what is on record rather than erasing it; only what
        # the list changes is written, so nothing else anyone saved is written back.
        given = {name: row.values[name] for name in PROFILE_FIELDS if row.values[name] not in ("", None, [])}
        changed = tuple(name for name, value in given.items() if _differs(participant, name, value))
        if not changed:
            continue
        history += identity_changes(
            participant,
            given,
            by=by,
            reason=source[:300],
            source=IdentityChange.Source.LIST,
            province_codes=codes,
        )
        for name in changed:
            setattr(participant, name, given[name])
        participant.updated_at = now
        by_fields.setdefault(changed, []).append(participant)
    for fields, participants in by_fields.items():
        Participant.objects.bulk_update(participants, [*fields, "updated_at"])
    IdentityChange.objects.bulk_create(history)
    outcome.created += len(created)
    outcome.updated += len(updated)

    everyone = created + updated
    admissions = {a.participant_id: a for a in Admission.objects.filter(program=program, participant__in=everyone)}
    insert_new(
        Admission,
        [
            Admission(participant=p, program=program, state=AdmissionState.ADMITTED, decided_by=by, decided_at=now)
            for p in everyone
            if p.pk not in admissions
        ],
    )
    changed_admissions = [a for a in admissions.values() if a.state != AdmissionState.ADMITTED]
    for admission in changed_admissions:
        admission.state = AdmissionState.ADMITTED
        admission.reason = ""
        admission.decided_by = by
        admission.decided_at = now
    Admission.objects.bulk_update(changed_admissions, ["state", "reason", "decided_by", "decided_at"])
    users_add_role(user_ids=[p.user_id for p in everyone], role=Role.PARTICIPANT)
    return [p.pk for p in created], [p.pk for p in updated]


def _differs(participant: Participant, name: str, value: object) -> bool:
    if name == "province":  # compared by key: no query for the lawyer's province
        return participant.province_id != value.pk
    return getattr(participant, name) != value


def queue_invitations(user_ids: list[int], *, by: User | None = None) -> None:
    """Once the import commits, invite its new accounts in the background (a broker outage only
    delays them: the accounts stay inactive until invited, and the import can be run again)."""
    if user_ids:
        enqueue("participants.tasks.import_send_invitations", user_ids=user_ids, invited_by_id=getattr(by, "pk", None))


def invitations_send(*, user_ids: list[int], invited_by_id: int | None) -> int:
    """In the worker: invite the accounts an import created. Accounts active or invited already are skipped, so
    a task that runs twice sends each invitation once; returns how many were sent."""
    invited_by = User.objects.filter(pk=invited_by_id).first()
    sent = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=False, invitations__isnull=True):
        invitation_send(user=user, role=Role.PARTICIPANT, invited_by=invited_by)
        sent += 1
    logger.info("import: %s invitation(s) sent", sent)
    return sent
