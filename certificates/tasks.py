import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction

from participants.attendance import Completion
from sessions.models import Program

from . import services
from .models import IssueJob

logger = logging.getLogger(__name__)


@shared_task(name="certificates.tasks.issue_certificates")
def issue_certificates(*, participant_ids: list[int], program_id: int, by_id: int | None, job_id: int | None = None):
    """A batch of lawyers' certificates. Each is made in its own transaction, so a worker killed half-way
    keeps those already made, and the batch run again (it is delivered again) makes only the rest."""
    program = Program.objects.get(pk=program_id)
    by = get_user_model().objects.filter(pk=by_id).first()
    lawyers = Completion(program).lawyers().filter(pk__in=participant_ids).select_related("user")
    found = {lawyer.pk: lawyer for lawyer in lawyers}
    refused = [pk for pk in participant_ids if pk not in found]  # no longer admitted
    made = 0
    for pk in participant_ids:
        if pk not in found:
            continue
        try:
            services.issue_certificate(participant=found[pk], program=program, by=by, figures=found[pk])
            made += 1
        except services.CertificateRefused as refusal:
            # No longer eligible since the job was queued (e.g. attendance corrected).
            logger.warning("certificate for participant %s refused: %s", pk, refusal.messages[0])
            refused.append(pk)
    if refused and job_id:
        with transaction.atomic():
            job = IssueJob.objects.select_for_update().get(pk=job_id)
            job.participant_ids = [pk for pk in job.participant_ids if pk not in refused]
            job.save(update_fields=["participant_ids"])
    return made
