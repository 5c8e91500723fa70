"""Certificates for `make bench`: PDF rendering alone in this process, the SQL queries a certificate takes,
then COUNT certificates (or as many as there are) issued end to end through Celery on Redis by the one worker
bench/run.py started, all for lawyers of the demo program who completed it and have none yet. Prints one JSON line."""

import json
import os
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from certificates import pdf, services  # noqa: E402
from certificates.models import Certificate, IssueJob  # noqa: E402
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


def queries_per_certificate(program: Program, ids: list[int]) -> float:
    """One batch issued in this process, as a worker's task issues it."""
    with CaptureQueriesContext(connection) as captured:
        made, _refused = services.issue_batch(program=program, participant_ids=ids, by=None)
    return len(captured) / max(len(made), 1)


def end_to_end(program: Program, ids: list[int]) -> float:
    """Queue the certificates as one job and time the worker until the job's count is reached."""
    job = IssueJob.objects.create(program=program, participant_ids=ids)
    started = time.perf_counter()
    services.queue_job(job)
    while job.done() < len(ids):
        if time.perf_counter() - started > 600:
            raise SystemExit(f"only {job.done()} of {len(ids)} certificates after 10 minutes")
        time.sleep(0.1)
    return time.perf_counter() - started


def main():
    program = Program.objects.get(slug=sys.argv[1])
    ids = list(services.eligible(program).order_by("pk").values_list("pk", flat=True)[: COUNT + services.BATCH])
    if len(ids) < 2 * services.BATCH:
        raise SystemExit(f"only {len(ids)} lawyers eligible for a certificate: too few to measure")
    queries = queries_per_certificate(program, ids[: services.BATCH])
    seconds = end_to_end(program, ids[services.BATCH :])
    rate = render_rate()
    print(json.dumps({"render_per_s": rate, "issued": len(ids) - services.BATCH, "seconds": seconds, "sql": queries}))


main()
