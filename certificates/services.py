"""Issuing, re-rendering and revoking certificates.

Issuing is idempotent and keeps the series without gaps: the program's serial counter row is locked for
the transaction, an existing certificate is returned as it is, and otherwise the next number, the PDF,
the row and the holder's notice are made in that transaction. A batch of lawyers is one transaction: a
worker killed half-way leaves none of the batch (at most an unreferenced file under a random name), and
the batch delivered again makes each certificate once.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from participants.attendance import COMPLETED, Completion
from participants.models import Participant
from sessions.models import Program

from . import pdf
from .models import Certificate, IssueJob, SerialCounter


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


def _render(certificate: Certificate, seal: bytes | None) -> None:
    body = pdf.render(certificate=certificate, verify_url=verify_url(certificate.code), seal=seal)
    certificate.sha256 = hashlib.sha256(body).hexdigest()
    certificate.rendered_at = timezone.now()
    certificate.pdf.save(f"{certificate.serial}.pdf", ContentFile(body), save=False)


def _seal(program: Program) -> bytes | None:
    design = getattr(program, "certificate_design", None)
    if design is None or not design.seal:
        return None
    with design.seal.open("rb") as image:
        return image.read()


def _make(
    series: _Series, lawyer: Participant, program: Program, *, by, hours, override_reason: str, seal
) -> Certificate:
    number, serial = series.take()
    certificate = Certificate(
        participant=lawyer, program=program, number=number, serial=serial, credit_hours=hours, issued_by=by,
        override_reason=override_reason,
    )  # fmt: skip
    _render(certificate, seal)
    try:
        certificate.save()
    except Exception:
        certificate.pdf.delete(save=False)
        raise
    return certificate


@transaction.atomic
def issue_certificate(*, participant: Participant, program: Program, by, override_reason: str = "") -> Certificate:
    """The lawyer's certificate for the program: made once, with the next serial of the series.

    A lawyer short of the completion rule gets one only with an administrator's recorded reason.
    """
    series = _Series(program)
    existing = Certificate.objects.filter(participant=participant, program=program).first()
    if existing is not None:
        return existing
    # The completion figures exist only for lawyers admitted to the program.
    figures = Completion(program).of(participant)
    if figures is None:
        raise CertificateRefused(_("%(name)s is not admitted to this program.") % {"name": participant.name_zh})
    override_reason = " ".join(override_reason.split())[:300]
    if figures.outcome != COMPLETED and not override_reason:
        raise CertificateRefused(
            _("%(name)s does not meet the completion rule; give the reason for issuing anyway.")
            % {"name": participant.name_zh}
        )
    certificate = _make(
        series, participant, program, by=by, hours=figures.hours, override_reason=override_reason,
        seal=_seal(program),
    )  # fmt: skip
    series.save()
    _announce(certificate)
    return certificate


@transaction.atomic
def issue_batch(*, program: Program, participant_ids: list[int], by, notify_holders: bool = True):
    """Certificates for the lawyers among `participant_ids` who meet the completion rule and have none, in
    one transaction. Returns (certificates made, ids refused: not admitted or short of the rule)."""
    series = _Series(program)
    have = set(program.certificates.filter(participant_id__in=participant_ids).values_list("participant_id", flat=True))
    if have.issuperset(participant_ids):
        return [], []  # a batch delivered again, or queued again by a starting worker
    lawyers = Completion(program).lawyers().filter(pk__in=participant_ids).exclude(pk__in=have).select_related("user")
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
        made.append(_make(series, lawyer, program, by=by, hours=lawyer.hours, override_reason="", seal=seal))
    series.save()
    if notify_holders:
        for certificate in made:
            _announce(certificate)
    return made, refused


def _announce(certificate: Certificate) -> None:
    # Made in the same transaction as the certificate, which is unique per lawyer and program: no
    # deduplication key is needed to send it once.
    notify(
        certificate.participant.user,
        "certificate_issued",
        {"certificate": certificate, "program": certificate.program},
        link=reverse("participants:my_program"),
    )


@transaction.atomic
def certificate_rerender(*, certificate: Certificate) -> Certificate:
    """A new PDF for the same certificate (e.g. a corrected name or a new seal): same serial and code."""
    certificate = (
        Certificate.objects.select_for_update().select_related("participant", "program").get(pk=certificate.pk)
    )
    old = certificate.pdf.name
    _render(certificate, _seal(certificate.program))
    certificate.save(update_fields=["pdf", "sha256", "rendered_at"])
    transaction.on_commit(lambda: certificate.pdf.storage.delete(old))
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise CertificateRefused({"reason": _("Give the reason; the verification page shows that it is revoked.")})
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise CertificateRefused(
            _("This certificate was already revoked on %(date)s.") % {"date": certificate.revoked_at.date()}
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
    transaction.on_commit(lambda: queue_job(job))
    return job


BATCH = 25  # lawyers a task: fewer, larger tasks spend less on the broker and the rule check


def queue_job(job: IssueJob, participant_ids: list[int] | None = None) -> None:
    from .tasks import issue_certificates

    ids = job.participant_ids if participant_ids is None else participant_ids
    for start in range(0, len(ids), BATCH):
        issue_certificates.delay(
            participant_ids=ids[start : start + BATCH], program_id=job.program_id, by_id=job.requested_by_id,
            job_id=job.pk,
        )  # fmt: skip


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
