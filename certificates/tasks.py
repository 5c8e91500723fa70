from celery import shared_task

from participants.models import Participant
from sessions.models import Program

from . import services


@shared_task(name="certificates.tasks.issue_certificate", acks_late=True)
def issue_certificate(*, participant_id: int, program_id: int, by_id: int | None) -> str:
    """One lawyer's certificate; safe to run twice (the service returns the one already made)."""
    from django.contrib.auth import get_user_model

    by = get_user_model().objects.filter(pk=by_id).first()
    certificate = services.issue_certificate(
        participant=Participant.objects.get(pk=participant_id), program=Program.objects.get(pk=program_id), by=by
    )
    return certificate.serial
