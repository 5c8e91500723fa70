"""Issuing, re-rendering and revoking certificates.

Issuing is idempotent and keeps the series without gaps: the program's serial counter row is locked for
the transaction, an existing certificate is returned as it is, and otherwise the next number, the PDF,
the row and the holder's notice are made in that transaction. A batch of lawyers is one transaction: a
worker killed half-way leaves none of the batch, and the batch delivered again makes each certificate once.

A PDF is written before its row commits, so a committed certificate always has its file. A transaction
that fails removes the files it wrote (`_atomic_files`); one that never ends (its worker killed) leaves
files no row references, which a starting worker and beat, hourly, remove (`orphan_pdfs_remove`).

A certificate says what it said when issued: the holder's names and firm, the program's names, organisers
and dates are copied onto it, so correcting a profile or extending a program changes no certificate. A
corrected name reaches a certificate only by `certificate_amend`, with a reason, recorded.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import unicodedata
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.tasks import enqueue
from notifications.services import notify
from participants.models import Participant
from participants.services import COMPLETED, Completion
from sessions.models import Program

from . import pdf
from .models import Certificate, CertificateAmendment, IssueJob, SerialCounter

logger = logging.getLogger(__name__)

FOLDER = "certificates"  # the PDFs' folder in the media storage (Certificate.pdf's upload_to is under it)
ORPHAN_AGE = timedelta(minutes=10)  # far longer than a batch's transaction: no file still on its way


class CertificateRefused(ValidationError):
    """An issue or a revocation the rules do not allow; the message says why."""


def verify_url(code: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("certificates:verify", args=[code])


def serial_for(program: Program, number: int) -> str:
    return _Series.prefix_of(program) + f"{number:04d}"


class _Series:
    """The program's serial numbers: its counter row locked until the caller's transaction ends."""

    def __init__(self, program: Program):
        self.counter, _created = SerialCounter.objects.select_for_update().get_or_create(program=program)
        self.prefix = self.prefix_of(program)

    @staticmethod
    def prefix_of(program: Program) -> str:
        """CODE-YEAR-; when another program of that year has the same code, the program's id joins the code
        (CODE12-YEAR-), so two series never share a serial."""
        year = program.starts_on.year
        shared = Program.objects.filter(code=program.code, starts_on__year=year).exclude(pk=program.pk).exists()
        return f"{program.code}{program.pk if shared else ''}-{year}-"

    def take(self) -> tuple[int, str]:
        self.counter.last += 1
        return self.counter.last, f"{self.prefix}{self.counter.last:04d}"

    def save(self) -> None:
        self.counter.save(update_fields=["last"])


# The names of the files written in the current `_atomic_files` call, removed if it fails.
_WRITTEN: ContextVar[list[str] | None] = ContextVar("certificate_files_written", default=None)


def _storage():
    return Certificate._meta.get_field("pdf").storage


def _atomic_files(function):
    """`transaction.atomic`, and the PDFs written inside it removed again if it raises (or its commit does):
    a failed batch leaves no file. Nested calls share the outermost call's list."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if _WRITTEN.get() is not None:
            with transaction.atomic():
                return function(*args, **kwargs)
        written: list[str] = []
        token = _WRITTEN.set(written)
        try:
            with transaction.atomic():
                return function(*args, **kwargs)
        except BaseException:
            for name in written:
                _storage().delete(name)
            raise
        finally:
            _WRITTEN.reset(token)

    return wrapper


def _render(certificate: Certificate, seal: bytes | None) -> None:
    body = pdf.render(certificate=certificate, verify_url=verify_url(certificate.code), seal=seal)
    certificate.sha256 = hashlib.sha256(body).hexdigest()
    certificate.rendered_at = timezone.now()
    certificate.pdf.save(file_name(certificate), ContentFile(body), save=False)
    written = _WRITTEN.get()
    if written is not None:
        written.append(certificate.pdf.name)


def _seal(program: Program) -> bytes | None:
    design = getattr(program, "certificate_design", None)
    if design is None or not design.seal:
        return None
    with design.seal.open("rb") as image:
        return image.read()


def _make(
    series: _Series, lawyer: Participant, program: Program, *, by, hours, override_reason: str, seal, assessed: bool
) -> Certificate:
    number, serial = series.take()
    certificate = Certificate(
        participant=lawyer,
        program=program,
        number=number,
        serial=serial,
        credit_hours=hours,
        assessed=assessed,
        issued_by=by,
        override_reason=override_reason,
        holder_name_zh=lawyer.name_zh,
        holder_name_latin=lawyer.name_latin,
        holder_law_firm=lawyer.law_firm,
        program_name_zh=program.name_zh,
        program_name_en=program.name_en,
        organisers_zh=program.organisers_zh,
        organisers_en=program.organisers_en,
        starts_on=program.starts_on,
        ends_on=program.ends_on,
    )
    _render(certificate, seal)
    certificate.save()
    return certificate


@_atomic_files
def issue_certificate(*, participant: Participant, program: Program, by, override_reason: str = "") -> Certificate:
    """The lawyer's certificate for the program: made once, with the next serial of the series.

    A lawyer short of the completion rule gets one only with an administrator's recorded reason.
    """
    series = _Series(program)
    existing = Certificate.objects.filter(participant=participant, program=program).first()
    if existing is not None:
        return existing
    # The completion figures exist only for lawyers admitted to the program.
    completion = Completion(program)
    figures = completion.of(participant)
    if figures is None:
        raise CertificateRefused(_("%(name)s is not admitted to this program.") % {"name": participant.name_zh})
    override_reason = " ".join(override_reason.split())[:300]
    if figures.outcome != COMPLETED and not override_reason:
        raise CertificateRefused(
            _("%(name)s does not meet the completion rule; give the reason for issuing anyway.")
            % {"name": participant.name_zh}
        )
    certificate = _make(
        series,
        participant,
        program,
        by=by,
        hours=figures.hours,
        override_reason=override_reason,
        seal=_seal(program),
        assessed=completion.requires_coursework,
    )
    series.save()
    _announce(certificate)
    return certificate


@_atomic_files
def issue_batch(*, program: Program, participant_ids: list[int], by, notify_holders: bool = True):
    """Certificates for the lawyers among `participant_ids` who meet the completion rule and have none, in
    one transaction. Returns (certificates made, ids refused: not admitted or short of the rule)."""
    series = _Series(program)
    have = set(program.certificates.filter(participant_id__in=participant_ids).values_list("participant_id", flat=True))
    if have.issuperset(participant_ids):
        return [], []  # a batch delivered again, or queued again by a starting worker
    completion = Completion(program)
    lawyers = completion.lawyers().filter(pk__in=participant_ids).exclude(pk__in=have).select_related("user")
    found = {lawyer.pk: lawyer for lawyer in lawyers}
    seal = _seal(program)
    made, refused = [], []
    for pk in dict.fromkeys(participant_ids):
        if pk in have:
            continue
        lawyer = found.get(pk)
        if lawyer is None or lawyer.outcome != COMPLETED:
            refused.append(pk)
            continue
        made.append(
            _make(
                series, lawyer, program, by=by, hours=lawyer.hours, override_reason="", seal=seal,
                assessed=completion.requires_coursework,
            )
        )  # fmt: skip
    series.save()
    if notify_holders:
        for certificate in made:
            _announce(certificate)
    return made, refused


def _announce(certificate: Certificate) -> None:
    # Made in the same transaction as the certificate, which is unique per lawyer and program: no
    # deduplication key is needed to send it once. It names the program as the certificate does.
    notify(
        certificate.participant.user,
        "certificate_issued",
        {"certificate": certificate},
        link=reverse("participants:my_program"),
    )


@_atomic_files
def certificate_rerender(*, certificate: Certificate) -> Certificate:
    """A new PDF for the same certificate (e.g. a new seal): the same serial, code and wording as issued."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    old = certificate.pdf.name
    _render(certificate, _seal(certificate.program))
    certificate.save(update_fields=["pdf", "sha256", "rendered_at"])
    _remove_replaced(old, certificate)
    return certificate


@_atomic_files
def certificate_amend(*, certificate: Certificate, by, reason: str) -> Certificate:
    """The certificate takes the holder's names as their profile has them now (an administrator corrected
    them), with the reason, recorded; a new PDF with the same serial and code. Nothing else on it changes."""
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise CertificateRefused({"reason": _("Give the reason for correcting the name on this certificate.")})
    certificate = (
        Certificate.objects.select_for_update(of=("self",)).select_related("participant").get(pk=certificate.pk)
    )
    if certificate.is_revoked:
        raise CertificateRefused(_("This certificate is revoked; it cannot be corrected."))
    if not certificate.names_differ:
        raise CertificateRefused(_("This certificate already shows the names the lawyer's profile has."))
    fields = ("holder_name_zh", "holder_name_latin")
    before = {field: getattr(certificate, field) for field in fields}
    certificate.holder_name_zh = certificate.participant.name_zh
    certificate.holder_name_latin = certificate.participant.name_latin
    old = certificate.pdf.name
    _render(certificate, _seal(certificate.program))
    certificate.save(update_fields=[*fields, "pdf", "sha256", "rendered_at"])
    CertificateAmendment.objects.create(
        certificate=certificate,
        before=before,
        after={field: getattr(certificate, field) for field in fields},
        reason=reason,
        amended_by=by,
    )
    _remove_replaced(old, certificate)
    return certificate


def _remove_replaced(old: str, certificate: Certificate) -> None:
    """The certificate's previous PDF removed once its new one is committed. When the old file was missing
    (a restore without media), storage gave the new file the old name: that name is the new PDF, kept."""
    if old and old != certificate.pdf.name:
        transaction.on_commit(lambda: _storage().delete(old))


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise CertificateRefused({"reason": _("Give the reason; the verification page shows that it is revoked.")})
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise CertificateRefused(
            _("This certificate was already revoked on %(date)s.")
            % {"date": timezone.localdate(certificate.revoked_at)}
        )
    certificate.revoked_at, certificate.revoked_by, certificate.revoke_reason = timezone.now(), by, reason
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return certificate


def eligible(program: Program):
    """The admitted lawyers who meet the completion rule and have no certificate yet."""
    issued = Certificate.objects.filter(program=program).values("participant_id")
    return Completion(program).lawyers().filter(outcome=COMPLETED).exclude(pk__in=issued)


def issue_all(*, program: Program, by) -> IssueJob:
    """Queue a certificate for every lawyer who completed and has none, in batches on the heavy queue, so
    several workers share the work and a killed one only delays its batch."""
    job = IssueJob.objects.create(
        program=program, requested_by=by, participant_ids=list(eligible(program).values_list("pk", flat=True))
    )
    queue_job(job)
    return job


BATCH = 25  # lawyers a task: fewer, larger tasks spend less on the broker and the rule check


def queue_job(job: IssueJob, participant_ids: list[int] | None = None) -> None:
    """The job's lawyers (or those given) in batches, once the transaction commits. A broker outage leaves them
    for the next worker's start, which queues again what unfinished jobs lack (resume_unfinished_jobs)."""
    ids = job.participant_ids if participant_ids is None else participant_ids
    for start in range(0, len(ids), BATCH):
        enqueue(
            "certificates.tasks.issue_certificates",
            participant_ids=ids[start : start + BATCH],
            program_id=job.program_id,
            by_id=job.requested_by_id,
            job_id=job.pk,
        )


def issue_job_batch(*, program_id: int, participant_ids: list[int], by_id: int | None, job_id: int | None) -> int:
    """A batch of a job, in the worker: the certificates made (see issue_batch), and the lawyers refused (no longer
    admitted, or short of the rule since the job was queued: attendance corrected) taken off the job, so its
    progress can finish. Returns how many were made; a program gone meanwhile makes none."""
    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        logger.warning("certificates: program %s is gone; batch of %s dropped", program_id, len(participant_ids))
        return 0
    by = get_user_model().objects.filter(pk=by_id).first()
    made, refused = issue_batch(program=program, participant_ids=participant_ids, by=by)
    if refused:
        logger.warning("certificates refused for participants %s of program %s", refused, program_id)
    if refused and job_id:
        with transaction.atomic():
            job = IssueJob.objects.select_for_update().filter(pk=job_id).first()
            if job is not None:
                job.participant_ids = [pk for pk in job.participant_ids if pk not in refused]
                job.save(update_fields=["participant_ids"])
    return len(made)


def job_progress(job: IssueJob) -> tuple[int, int]:
    """(done, total); the job is marked finished the first time they meet."""
    done = job.done()
    if done >= job.total and job.finished_at is None:
        IssueJob.objects.filter(pk=job.pk, finished_at__isnull=True).update(finished_at=timezone.now())
        job.finished_at = timezone.now()
    return done, job.total


def resume_unfinished_jobs(*, within: timedelta = timedelta(days=2)) -> int:
    """Queue again what the recent unfinished jobs still lack; returns the number of lawyers queued.

    Run when a worker starts: a worker killed outright (not only its pool process) holds its batch
    unacknowledged until the broker's visibility timeout, hours later. A batch delivered twice makes
    nothing twice, so queueing again is always safe."""
    jobs = IssueJob.objects.filter(finished_at__isnull=True, created_at__gte=timezone.now() - within)
    return sum(requeue_unfinished(job) for job in jobs)


def requeue_unfinished(job: IssueJob) -> int:
    """Queue again the lawyers of a job still without a certificate (e.g. the broker lost the tasks)."""
    issued = Certificate.objects.filter(program_id=job.program_id, participant_id__in=job.participant_ids)
    have = set(issued.values_list("participant_id", flat=True))
    missing = [pk for pk in job.participant_ids if pk not in have]
    queue_job(job, missing)
    return len(missing)


def orphan_pdfs_remove(*, older_than: timedelta = ORPHAN_AGE) -> list[str]:
    """Remove the PDFs under the certificates folder that no certificate references, once older than any
    transaction still writing one could be: a worker killed inside a batch leaves its files, one killed
    between a new PDF's commit and the old one's removal leaves the old. Run when a worker starts and
    hourly by beat. Returns the names removed."""
    storage = _storage()
    listed = list(_pdf_files(storage, FOLDER))
    if not listed:
        return []
    # Read after the files were listed: a file listed and then committed counts as referenced. Only the
    # others are asked their age (on object storage each question is a request).
    referenced = set(Certificate.objects.values_list("pdf", flat=True))
    cutoff = timezone.now() - older_than
    orphans = [name for name in listed if name not in referenced and _modified(storage, name) < cutoff]
    for name in orphans:
        storage.delete(name)
    return orphans


def _pdf_files(storage, folder: str):
    """The PDFs under `folder`, in every folder below it. No `exists()` first: on object storage (S3) a
    folder is only a prefix of names, never an object that exists; a missing folder lists nothing there,
    and on a file system it is FileNotFoundError."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    yield from (f"{folder}/{name}" for name in files if name.endswith(".pdf"))
    for directory in directories:
        yield from _pdf_files(storage, f"{folder}/{directory}")


def _modified(storage, name: str):
    """When the file was written; a file removed since it was listed (a failed batch cleaning up, a
    re-render's old PDF) counts as new, so it is left alone."""
    try:
        return storage.get_modified_time(name)
    except FileNotFoundError:
        return timezone.now()


def file_name(certificate: Certificate) -> str:
    """The PDF's file name: the serial cut to letters, digits, hyphens and underscores (a program's code is
    typed by an administrator; no code makes a path)."""
    return f"{_plain(certificate.serial, '-_')[:40] or certificate.number}.pdf"


def archive_name(certificate: Certificate) -> str:
    """The certificate's file name inside the ZIP of a program's certificates: the file name with the
    holder's name as issued, cut the same way, so no name (../../x, /etc/passwd, a\\b, a NUL) makes a path,
    a hidden file or a name too long for a file system."""
    name = _plain(certificate.holder_name_zh, "")[:30]
    return file_name(certificate).removesuffix(".pdf") + (f"-{name}.pdf" if name else ".pdf")


def _plain(text: str, keep: str) -> str:
    """`text` with only its letters, digits and the characters in `keep` (full-width forms made plain first)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if ch in keep or unicodedata.category(ch)[0] in "LN")
