import logging
from datetime import timedelta

from celery import shared_task
from django.contrib.auth import get_user_model

from accounts import services as account_services
from accounts.roles import Role

logger = logging.getLogger(__name__)


@shared_task(name="participants.tasks.import_send_invitations")
def import_send_invitations(*, user_ids: list[int], invited_by_id: int | None = None) -> int:
    """Invite the accounts an import created; accounts already active or invited are skipped."""
    User = get_user_model()
    invited_by = User.objects.filter(pk=invited_by_id).first()
    sent = 0
    # Never invited yet: a task that runs twice sends each invitation once.
    for user in User.objects.filter(pk__in=user_ids, is_active=False, invitations__isnull=True):
        account_services.invitation_send(user=user, role=Role.PARTICIPANT, invited_by=invited_by)
        sent += 1
    logger.info("import: %s invitation(s) sent", sent)
    return sent


@shared_task(name="participants.tasks.import_run", soft_time_limit=20 * 60, time_limit=25 * 60)
def import_run(*, job_id: int, confirmed: str = "") -> None:
    """Write a checked list if its check is still the one the administrator confirmed (`confirmed`, its
    digest; a task queued without one does nothing, and the job waits to be started again)."""
    from .importing import job_run

    job_run(job_id=job_id, confirmed=confirmed)


@shared_task(name="participants.tasks.release_stale_imports")
def release_stale_imports() -> int:
    """Beat: give back the imports queued or running for longer than import_run may run (its worker was stopped,
    or the task never arrived), so their administrators can start them again."""
    from .importing import jobs_release

    released = jobs_release(older_than=timedelta(seconds=import_run.time_limit))
    if released:
        logger.warning("import: %s job(s) given back after the task's time limit", released)
    return released
