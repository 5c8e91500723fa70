"""Certificates for `make bench`: PDF rendering alone in this process, then 350 certificates issued end to
end through Celery on Redis by the one worker bench/run.py started. Prints one JSON line."""

import json
import os
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from certificates import pdf, services  # noqa: E402
from certificates.models import Certificate, IssueJob  # noqa: E402
from participants.models import Admission, AdmissionState, Participant  # noqa: E402
from sessions.models import Program  # noqa: E402

COUNT = int(os.environ.get("BENCH_CERTIFICATES", "350"))


def render_rate(samples: int = 100) -> float:
    certificate = Certificate.objects.select_related("participant", "program").first()
    url = services.verify_url(certificate.code)
    pdf.render(certificate=certificate, verify_url=url)  # fonts loaded once per process
    started = time.perf_counter()
    for _ in range(samples):
        pdf.render(certificate=certificate, verify_url=url)
    return samples / (time.perf_counter() - started)


def end_to_end(program: Program) -> tuple[int, float]:
    """Admit the lawyers who checked in to the bench program (they complete it), queue COUNT certificates
    as one job, and time the worker until the job's count is reached."""
    Program.objects.filter(pk=program.pk).update(min_credit_hours=0)
    program.refresh_from_db()
    checked_in = Participant.objects.filter(user__email__startswith="checkin-", attendances__session__program=program)
    Admission.objects.bulk_create(
        [Admission(participant=p, program=program, state=AdmissionState.ADMITTED) for p in checked_in],
        ignore_conflicts=True,
    )
    ids = list(services.eligible(program).values_list("pk", flat=True)[:COUNT])
    job = IssueJob.objects.create(program=program, participant_ids=ids)
    started = time.perf_counter()
    services.queue_job(job)
    while job.done() < len(ids):
        if time.perf_counter() - started > 600:
            raise SystemExit(f"only {job.done()} of {len(ids)} certificates after 10 minutes")
        time.sleep(0.1)
    return len(ids), time.perf_counter() - started


def main():
    program = Program.objects.get(pk=int(sys.argv[1]))
    issued, seconds = end_to_end(program)
    rate = render_rate()
    print(json.dumps({"render_per_s": rate, "issued": issued, "seconds": seconds}))


main()
