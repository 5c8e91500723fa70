from celery import shared_task

from . import services


@shared_task(name="evaluations.tasks.remind_unanswered")
def remind_unanswered() -> int:
    """Beat (hourly): remind once the lawyers who have not answered an open questionnaire."""
    return services.remind_unanswered()
