from celery import shared_task

from . import services


@shared_task(name="nominations.tasks.remind_unsubmitted")
def remind_unsubmitted() -> int:
    """Beat: remind the provinces whose list is not with the office while their round is open (once a day)."""
    return services.remind_unsubmitted()


@shared_task(name="nominations.tasks.send_weekly_digests")
def send_weekly_digests() -> int:
    """Beat: each coordinator's weekly digest of their province's nominations and lawyers at risk."""
    return services.send_weekly_digests()
