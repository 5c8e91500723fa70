from celery import shared_task

from . import services


@shared_task(name="nominations.tasks.remind_unsubmitted")
def remind_unsubmitted() -> int:
    """Beat: remind the provinces whose list is not with the office while their round is open (once a day)."""
    return services.remind_unsubmitted()
