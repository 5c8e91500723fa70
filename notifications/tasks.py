import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="notifications.tasks.deliver_notification", max_retries=None)
def deliver_notification(self, *, notification_id: int) -> str:
    try:
        return services.deliver(notification_id=notification_id)
    except services.RetryLater as later:
        # The service counts attempts and gives up; Celery only waits.
        raise self.retry(countdown=later.seconds, max_retries=None) from later


@shared_task(name="notifications.tasks.sweep_outbox")
def sweep_outbox() -> int:
    return services.sweep()
