"""Row budgets: a lawyer's own pages and documents read as many rows however many other lawyers share their
sessions.

The query budgets (test_query_budgets.py) count queries; a page can keep its count and still make each query
read every lawyer's rows. The transcript did: one join of the sessions with all their seats and all their
attendance, filtered afterwards, ran 35 s at 3,000 lawyers. Here each document's queries are run again under
EXPLAIN ANALYZE and the rows their table scans examine are added up, with a crowd of other lawyers seated and
recorded in the same sessions, then with three times the crowd. Both crowds are large enough for PostgreSQL to
plan as it does for real programs (on a handful of rows every plan reads whole tables, because that is cheap).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates import services as certificates
from certificates.models import Certificate
from participants.models import (
    Admission,
    AdmissionState,
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    Enrolment,
    EnrolmentState,
    Participant,
    Province,
)
from sessions import services as sessions
from sessions.models import CalendarFeed
from tests.factories import AdmissionFactory, ProgramFactory, SessionFactory
from tests.support import client_for

CROWD = 400  # other lawyers in every session of the program; then three times as many


def documents(world) -> dict[str, tuple[str | None, str]]:
    """name: (who opens it, URL): every page or file about one lawyer. (The timetable's enrol buttons show
    the seats left, which counts everyone's seats on purpose.)"""
    slug = world["program"].slug
    return {
        "transcript PDF": ("lawyer", reverse("participants:my_transcript", args=[slug, "pdf"])),
        "transcript XLSX": ("lawyer", reverse("participants:my_transcript", args=[slug, "xlsx"])),
        "transcript PDF for the office": (
            "administrator",
            reverse("participants:lawyer_transcript", args=[slug, world["participant"].pk, "pdf"]),
        ),
        "certificate PDF": ("lawyer", reverse("certificates:download", args=[world["certificate"].pk])),
        "personal calendar feed": (None, reverse("sessions:personal_ics", args=[world["feed"].token])),
        "My program": ("lawyer", reverse("participants:my_program")),
    }


@pytest.fixture
def world(lawyer, administrator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    program = ProgramFactory(min_credit_hours=Decimal("0"), enrolment_closes_at=timezone.now() + timedelta(days=30))
    now = timezone.now()
    starts = [now - timedelta(days=d) for d in (9, 7, 5, 3)] + [now + timedelta(days=d) for d in (2, 4, 6)]
    program_sessions = [
        SessionFactory(program=program, starts_at=start, ends_at=start + timedelta(hours=2), capacity=2000,
                       is_required=n % 2 == 0)
        for n, start in enumerate(starts)
    ]  # fmt: skip
    participant = AdmissionFactory(program=program, participant__user=lawyer).participant
    _seat_and_record([participant], program_sessions, administrator)
    certificate = certificates.issue_certificate(
        participant=participant, program=program, by=administrator, override_reason="补课已完成"
    )
    return {
        "program": program,
        "sessions": program_sessions,
        "participant": participant,
        "certificate": certificate,
        "feed": sessions.calendar_feed_for(lawyer),
        "clients": {
            role: client_for(user)
            for role, user in (("lawyer", lawyer), ("administrator", administrator), (None, None))
        },
    }


def _seat_and_record(participants, program_sessions, by) -> None:
    now = timezone.now()
    Enrolment.objects.bulk_create(
        Enrolment(participant=p, session=s, state=EnrolmentState.CONFIRMED, confirmed_at=now, created_by=by)
        for p in participants
        for s in program_sessions
    )
    Attendance.objects.bulk_create(
        Attendance(participant=p, session=s, status=AttendanceStatus.PRESENT, method=AttendanceMethod.ROSTER,
                   recorded_by=by)
        for p in participants
        for s in program_sessions
        if s.ends_at < now
    )  # fmt: skip


def _crowd(world, count: int, by) -> None:
    """`count` more lawyers admitted, seated and recorded in every session, each with a certificate (its row:
    no one downloads theirs here) and a calendar feed."""
    first = Participant.objects.count()
    users = get_user_model().objects.bulk_create(
        get_user_model()(email=f"crowd{first + n}@example.test", full_name=f"律师{first + n}") for n in range(count)
    )
    province = Province.objects.get(code="44")
    crowd = Participant.objects.bulk_create(
        Participant(user=user, name_zh=user.full_name, license_number=f"1449900{first + n:010d}", law_firm="某律所",
                    province=province)
        for n, user in enumerate(users)
    )  # fmt: skip
    program = world["program"]
    Admission.objects.bulk_create(
        Admission(participant=p, program=program, state=AdmissionState.ADMITTED) for p in crowd
    )
    _seat_and_record(crowd, world["sessions"], by)
    number = Certificate.objects.filter(program=program).count()
    Certificate.objects.bulk_create(
        Certificate(participant=p, program=program, number=number + n + 1, serial=f"CROWD-{number + n + 1}",
                    credit_hours=Decimal("8.0"), pdf="certificates/none.pdf", sha256="0" * 64,
                    holder_name_zh=p.name_zh, program_name_zh=program.name_zh, organisers_zh=program.organisers_zh,
                    starts_on=program.starts_on, ends_on=program.ends_on)
        for n, p in enumerate(crowd)
    )  # fmt: skip
    CalendarFeed.objects.bulk_create(CalendarFeed(user=user) for user in users)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's estimates from the rows there now


def rows_examined(client: Client, url: str) -> int:
    """The rows the request's SELECTs examine in tables (returned by a scan or removed by its filter), as
    EXPLAIN ANALYZE counts them when they are run again after the request. Uncached: each time, a page reads
    what it reads when its cached rows have gone."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    total = 0
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if query["sql"].lstrip().upper().startswith("SELECT"):
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                total += _examined(cursor.fetchone()[0][0]["Plan"])
    return total


def _examined(node: dict) -> int:
    own = 0
    if "Relation Name" in node:
        own = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
    return own + sum(_examined(child) for child in node.get("Plans", ()))


@pytest.mark.django_db
def test_a_lawyers_documents_read_no_more_rows_when_more_lawyers_share_the_sessions(world, administrator):
    _crowd(world, CROWD, administrator)
    before = {name: rows_examined(world["clients"][who], url) for name, (who, url) in documents(world).items()}
    _crowd(world, 2 * CROWD, administrator)
    after = {name: rows_examined(world["clients"][who], url) for name, (who, url) in documents(world).items()}

    grown = {name: f"{before[name]} → {after[name]}" for name in before if after[name] != before[name]}
    assert not grown, f"rows examined with {CROWD} → {3 * CROWD} other lawyers in the same sessions: {grown}"
