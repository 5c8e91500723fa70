import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import connections

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="certificates.tasks.issue_certificates")
def issue_certificates(
    *, participant_ids: list[int], program_id: int, by_id: int | None, job_id: int | None = None
) -> int:
    """A batch of lawyers' certificates in one transaction: a worker killed half-way leaves none of them,
    and the batch, delivered again (late acknowledgement), makes each one once."""
    return services.issue_job_batch(program_id=program_id, participant_ids=participant_ids, by_id=by_id, job_id=job_id)


@shared_task(name="certificates.tasks.remove_orphan_pdfs")
def remove_orphan_pdfs() -> int:
    """Beat, hourly: the PDFs of batches whose worker was killed, once they are old enough. A worker
    restarted at once (systemd, supervisor) finds its predecessor's files too young to remove; the next
    hour's sweep removes them, whether or not any worker starts again."""
    removed = services.orphan_pdfs_remove()
    _log_removed(removed)
    return len(removed)


@worker_ready.connect
def resume_unfinished_jobs(**kwargs):
    """A worker starting after another was killed: queue again what unfinished jobs lack, and remove the
    PDFs a worker killed earlier wrote for certificates its rolled-back transaction never made."""
    try:
        queued = services.resume_unfinished_jobs()
        removed = services.orphan_pdfs_remove()
    finally:
        connections.close_all()  # the main process needs none; its pool processes have their own
    if queued:
        logger.warning("queued again %s certificates of unfinished jobs", queued)
    _log_removed(removed)


def _log_removed(removed: list[str]) -> None:
    if removed:
        logger.warning("removed %s certificate PDFs no certificate refers to", len(removed))
