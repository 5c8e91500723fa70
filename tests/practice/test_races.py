"""Two people acting on a session's teams at once, on PostgreSQL with threads: builds of one session take turns
(its row is locked first), so every seated lawyer ends with exactly one place and the lineup is one build's."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.roles import Role as UserRole
from participants import services as participant_services
from practice import services
from practice.models import Case, Lineup, Member
from sessions.models import SessionFormat
from tests.factories import (
    AssignmentFactory,
    FacultyFactory,
    ParticipantFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
)


def at_once(*calls) -> list[Exception]:
    """Run the calls in threads released together; the errors they raised."""
    barrier, errors = threading.Barrier(len(calls)), []

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_builds_of_one_session_at_once_leave_one_place_a_lawyer(administrator):
    program = ProgramFactory()
    session = SessionFactory(program=program, is_required=True, format=SessionFormat.MOCK_COURT, capacity=100)
    teacher = FacultyFactory(user=UserFactory(role=UserRole.FACULTY))
    AssignmentFactory(session=session, faculty=teacher)
    for n in range(30):
        lawyer = ParticipantFactory(law_firm=f"律师事务所{n % 10}", years_of_practice=n + 1)
        participant_services.admit(participant=lawyer, program=program, by=administrator)
    services.case_save(Case(session=session, title_zh="跨境专利侵权", dispute="patent", forum="upc", teams=3))

    errors = at_once(
        lambda: services.build_teams(session, by=teacher.user, seed=11),
        lambda: services.build_teams(session, by=administrator, seed=22),
    )
    assert errors == []
    places = list(Member.objects.filter(session=session).values_list("participant", flat=True))
    assert len(places) == len(set(places)) == 30
    lineup = Lineup.objects.get(session=session)
    assert lineup.seed in (11, 22)
    # The places are the last build's: the same draw again changes nothing.
    before = dict(Member.objects.filter(session=session).values_list("participant", "team"))
    services.build_teams(session, by=administrator, seed=lineup.seed)
    assert dict(Member.objects.filter(session=session).values_list("participant", "team")) == before
