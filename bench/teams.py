"""Run inside the benchmark's Django: the team builder (practice.services.build_teams) on a mock court of N lawyers (the
first N of the check-in run's, bench/prepare.py: 300 firms, every province, 1 to 30 years, two in three speak
English; the same at each size) in 40 teams (a case heard in English with 10 teams a side, one in Chinese with 10 a
side), built anew 5 times. Prints one JSON line:
the seconds, CPU seconds of this process and of its PostgreSQL backend, and SQL queries, a build."""

import json
import os
import resource
import sys
import time
from datetime import timedelta

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from meter import cpu_seconds  # noqa: E402 - bench/meter.py, beside this file

from participants.models import Enrolment, Participant  # noqa: E402
from practice import services  # noqa: E402
from practice.models import Case  # noqa: E402
from sessions.models import Program, TrainingSession  # noqa: E402

BUILDS = 5


def court_of(program: Program, lawyers: int) -> TrainingSession:
    """A mock court of the program with its first `lawyers` admitted lawyers seated, and its two cases (made once)."""
    title = f"组队压测 {lawyers}"
    court = program.sessions.filter(title_zh=title).first()
    if court:
        return court
    start = timezone.now() + timedelta(days=30)
    court = TrainingSession.objects.create(
        program=program, title_zh=title, format="mock_court", venue=program.sessions.first().venue,
        capacity=lawyers, seats_taken=lawyers, credit_hours=4, starts_at=start, ends_at=start + timedelta(hours=4),
    )  # fmt: skip
    seated = Participant.objects.filter(user__email__startswith="checkin-").order_by("pk")
    Enrolment.objects.bulk_create(
        [Enrolment(participant=p, session=court, state="confirmed", confirmed_at=start) for p in seated[:lawyers]]
    )
    for n, in_english in enumerate((True, False)):
        Case.objects.create(
            session=court, title_zh=f"压测案件{n}", dispute="patent", forum="us_district", in_english=in_english,
            teams=10, witnesses=1, experts=1, position=n,
        )  # fmt: skip
    return court


def main(lawyers: int) -> None:
    program = Program.objects.get(slug="fipr-2025")
    admin = get_user_model().objects.get(email="admin@demo.test")
    court = court_of(program, lawyers)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    services.build_teams(court, by=admin, seed=1)  # the first build writes every place; the timed ones rewrite them
    app, pg, started = time.process_time(), cpu_seconds(backend), time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        for seed in range(2, 2 + BUILDS):
            services.build_teams(court, by=admin, seed=seed)
    print(
        json.dumps(
            {
                "seconds": (time.perf_counter() - started) / BUILDS,
                "app_s": (time.process_time() - app) / BUILDS,
                "pg_s": (cpu_seconds(backend) - pg) / BUILDS,
                "sql": len(captured) / BUILDS,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "lawyers": court.enrolments.filter(state="confirmed").count(),
                "teams": sum(case.teams * 2 for case in court.cases.all()),
            }
        )
    )


main(int(sys.argv[1]))
