import logging
from datetime import timedelta

from celery import shared_task

from . import importing

logger = logging.getLogger(__name__)


@shared_task(name="participants.tasks.import_send_invitations")
def import_send_invitations(*, user_ids: list[int], invited_by_id: int | None = None) -> int:
    return importing.invitations_send(user_ids=user_ids, invited_by_id=invited_by_id)


@shared_task(name="participants.tasks.import_run", soft_time_limit=20 * 60, time_limit=25 * 60)
def import_run(*, job_id: int, confirmed: str = "") -> None:
    """Write a checked list if its check is still the one the administrator confirmed (`confirmed`, its
    digest; a task queued without one does nothing, and the job waits to be started again)."""
    importing.job_run(job_id=job_id, confirmed=confirmed)


@shared_task(name="participants.tasks.release_stale_imports")
def release_stale_imports() -> int:
    """Beat: give back the imports queued or running for longer than import_run may run (its worker was stopped,
    or the task never arrived), so their administrators can start them again."""
    released = importing.jobs_release(older_than=timedelta(seconds=import_run.time_limit))
    if released:
        logger.warning("import: %s job(s) given back after the task's time limit", released)
    return released
