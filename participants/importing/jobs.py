"""Import jobs, the screens' side of an import: a file checked at upload (the preview), then written once, small
ones in the web request and large ones in the background, with progress.

A job writes only what its administrator was shown: the file is checked again at writing time, under the import
lock, and if the lawyers on record changed meanwhile, nothing is written and the fresh check is shown to confirm
again. Whatever stops a job after it was claimed gives it back to the administrator, saying why (`FAILURES`):
nothing is ever left "importing" with nobody importing it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from common.spreadsheets import ImportFileError, is_xlsx, read_upload
from common.tasks import enqueue
from sessions.models import Program

from ..models import ImportJob
from .check import Report, Table, check_table, parse, read
from .write import ROWS_INVALID, ChangedMeanwhile, lock_for_import, queue_invitations, write_rows

logger = logging.getLogger(__name__)

# Why a job stopped without writing, was given back to be started again, or waits (ImportJob.error), by code.
FAILURES = {
    "unreadable": gettext_lazy("The stored file can no longer be read; upload it again."),
    "rows_invalid": ROWS_INVALID,
    "interrupted": gettext_lazy(
        "The last attempt to import this file was interrupted before it finished, and nothing was written. "
        "Import it again."
    ),
    "not_started": gettext_lazy(
        "The background worker did not start this import, and nothing was written. Import it again."
    ),
    "not_queued": gettext_lazy(
        "The background worker could not be reached, and nothing was written. Import it again in a moment."
    ),
    "busy": gettext_lazy("Another list is being imported; this one starts as soon as it is finished."),
}


class _Busy(Exception):
    """Another import holds the lock, and this one must not wait for it (a web request)."""


def failure_message(error: str) -> str:
    return str(FAILURES[error]) if error in FAILURES else error


def _progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def job_progress(job: ImportJob) -> int:
    """Rows written so far: kept in the cache while the import's transaction is still open."""
    return cache.get(_progress_key(job.pk), job.progress)


def job_create(*, program: Program, uploaded: UploadedFile, by: User | None) -> ImportJob:
    """Check an uploaded file and keep it for the import; raises ImportFileError if unreadable."""
    data, name = read_upload(uploaded)
    report = parse(data, name, program)
    job = ImportJob(program=program, uploaded_by=by, original_name=name, state_changed_at=timezone.now())
    _keep_check(job, report)
    suffix = ".xlsx" if is_xlsx(data) else ".csv"
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
    """Write a checked file: small ones now, large ones in the background (with a progress bar); a small one that
    finds another import writing goes to the background too, rather than keep the administrator waiting.

    `confirmed` is the digest of the check the administrator saw: if the file has been checked again
    since (the page they confirmed from is out of date), nothing starts.
    """
    if job.state in (ImportJob.State.QUEUED, ImportJob.State.RUNNING):
        raise ValidationError(_("This file is being imported."))
    if job.state != ImportJob.State.CHECKED:
        raise ValidationError(_("This file has already been imported."))
    if confirmed != job.check_digest:
        raise ValidationError(_("This file has been checked again since that page was shown; review the result."))
    if job.problems and not only_valid:
        raise ValidationError(str(FAILURES["rows_invalid"]))
    if job.valid_rows <= settings.IMPORT_SYNC_ROWS:
        ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKED).update(only_valid=only_valid)
        job_run(job_id=job.pk, confirmed=confirmed, wait=False)
        return
    queued = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKED, check_digest=confirmed).update(
        state=ImportJob.State.QUEUED, only_valid=only_valid, error="", state_changed_at=timezone.now()
    )
    if queued:
        _queue_task(job.pk, confirmed)


def _queue_task(job_id: int, confirmed: str) -> None:
    """Hand a queued job to the worker once the transaction commits; if the broker cannot take it, the job is
    given back at once (the administrator starts it again later) rather than left waiting for a task that will
    never come."""
    enqueue(
        "participants.tasks.import_run",
        job_id=job_id,
        confirmed=confirmed,
        on_failure=partial(_give_back, job_id, ImportJob.State.QUEUED, "not_queued"),
    )


def job_run(*, job_id: int, confirmed: str, wait: bool = True) -> None:
    """Import a checked file once (a second run finds it claimed and does nothing).

    The job is claimed only while its check is still the one confirmed: a second click racing a first
    one that found the check stale cannot write the fresh result nobody has read. The file is checked
    again inside the writing transaction, under the import lock; if the result differs from the one
    confirmed (another import, an application or an admission changed the lawyers on record), nothing
    is written and the job shows the fresh check instead.

    With `wait=False` (the web request), a job that finds another import writing is queued to the worker.
    Any other failure gives the job back, its check intact, saying that nothing was written.
    """
    claimed = ImportJob.objects.filter(
        pk=job_id, state__in=(ImportJob.State.CHECKED, ImportJob.State.QUEUED), check_digest=confirmed
    ).update(state=ImportJob.State.RUNNING, error="", state_changed_at=timezone.now())
    if not claimed:
        return
    job = ImportJob.objects.select_related("program", "uploaded_by").get(pk=job_id)
    try:
        table = _read(job)  # once: every check of this run starts from it
        try:
            _write(job, table, wait=wait)
        except (IntegrityError, ChangedMeanwhile):
            # Someone else wrote a lawyer of the file (an application) between the check and the write:
            # all of it was undone. Check again; the next import checks once more under the lock.
            with transaction.atomic():
                _show_fresh_check(job, check_table(table, job.program))
    except _Busy:
        updated = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.RUNNING).update(
            state=ImportJob.State.QUEUED, error="busy", state_changed_at=timezone.now()
        )
        if updated:
            _queue_task(job_id, confirmed)
    except (ImportFileError, OSError):
        ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.FAILED, error="unreadable")
    except ValidationError as error:
        code = error.code if error.code in FAILURES else "unreadable"
        ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.FAILED, error=code)
    except Exception:  # a deadlock, a cancelled statement, a lost connection, the worker's time limit
        logger.exception("import %s interrupted; nothing was written", job_id)
        _give_back(job_id, ImportJob.State.RUNNING, "interrupted")
    finally:
        cache.delete(_progress_key(job_id))


def _write(job: ImportJob, table: Table, *, wait: bool) -> None:
    """Check the file's rows again under the import lock and, if the check is the one confirmed, write them."""
    with transaction.atomic():
        if not lock_for_import(job.program, wait=wait):
            raise _Busy
        report = check_table(table, job.program)
        if report.digest != job.check_digest:
            _show_fresh_check(job, report)
            return
        outcome = write_rows(
            report=report,
            program=job.program,
            by=job.uploaded_by,
            source=job.original_name,
            only_valid=job.only_valid,
            progress=lambda done, total: cache.set(_progress_key(job.pk), done, 3600),
        )
        ImportJob.objects.filter(pk=job.pk).update(
            state=ImportJob.State.DONE,
            progress=outcome.created + outcome.updated,
            created=outcome.created,
            updated=outcome.updated,
            skipped=outcome.skipped,
            state_changed_at=timezone.now(),
        )
        queue_invitations(outcome.new_user_ids, by=job.uploaded_by)


def _give_back(job_id: int, state: str, error: str) -> None:
    """The job, if still in `state`, goes back to checked (its check and digest kept, so Import works again),
    saying why."""
    ImportJob.objects.filter(pk=job_id, state=state).update(
        state=ImportJob.State.CHECKED, error=error, state_changed_at=timezone.now()
    )


def jobs_release(*, older_than: timedelta) -> int:
    """Give back every job queued or running for longer than `older_than` (the import task's time limit: by then
    the worker running it was stopped, its transaction undone, or it never got the task). Returns how many."""
    cutoff = timezone.now() - older_than
    stale = Q(state_changed_at__lt=cutoff) | Q(state_changed_at__isnull=True, created_at__lt=cutoff)
    released = 0
    for state, error in ((ImportJob.State.RUNNING, "interrupted"), (ImportJob.State.QUEUED, "not_started")):
        released += ImportJob.objects.filter(stale, state=state).update(
            state=ImportJob.State.CHECKED, error=error, state_changed_at=timezone.now()
        )
    return released


def _show_fresh_check(job: ImportJob, report: Report) -> None:
    """Nothing written: the job is checked again, to be confirmed anew from the fresh result."""
    _keep_check(job, report)
    job.state, job.rechecked_at, job.error = ImportJob.State.CHECKED, timezone.now(), ""
    job.state_changed_at = job.rechecked_at
    job.save()


def _read(job: ImportJob) -> Table:
    """The stored file, read (before the import lock is taken: the file does not change)."""
    with job.file.open("rb") as handle:
        return read(handle.read(), job.original_name)
