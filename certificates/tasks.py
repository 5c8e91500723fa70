import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction

from participants.models import Participant
from sessions.models import Program

from . import services
from .models import IssueJob

logger = logging.getLogger(__name__)


@shared_task(name="certificates.tasks.issue_certificate")
def issue_certificate(*, participant_id: int, program_id: int, by_id: int | None, job_id: int | None = None) -> str:
    """One lawyer's certificate; safe to run twice (the service returns the one already made)."""
    by = get_user_model().objects.filter(pk=by_id).first()
    participant = Participant.objects.get(pk=participant_id)
    try:
        return services.issue_certificate(
            participant=participant, program=Program.objects.get(pk=program_id), by=by
        ).serial
    except services.CertificateRefused as refusal:
        # No longer eligible since the job was queued (e.g. attendance corrected): leave the job's count.
        logger.warning("certificate for participant %s refused: %s", participant_id, refusal.messages[0])
        if job_id:
            with transaction.atomic():
                job = IssueJob.objects.select_for_update().get(pk=job_id)
                job.participant_ids = [pk for pk in job.participant_ids if pk != participant_id]
                job.save(update_fields=["participant_ids"])
        return "refused"
