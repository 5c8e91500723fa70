from celery import shared_task

from . import services


@shared_task(name="practice.tasks.announce_places")
def announce_places() -> int:
    """Beat (every two minutes): tell the lawyers their places once a session's teams have settled."""
    return services.announce_places()
