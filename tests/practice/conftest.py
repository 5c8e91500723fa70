"""The practice tests' world: a program's mock court with twelve seated lawyers of six firms, and its faculty."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role as UserRole
from participants import services as participant_services
from practice.models import Case, Member
from sessions.models import SessionFormat
from tests.factories import (
    AssignmentFactory,
    FacultyFactory,
    ParticipantFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
)
from tests.forms import find_form

FIRMS = ["金杜律师事务所", "中伦律师事务所", "君合律师事务所", "方达律师事务所", "汉坤律师事务所", "环球律师事务所"]


@pytest.fixture
def world(db, administrator):
    program = ProgramFactory()
    session = SessionFactory(program=program, is_required=True, format=SessionFormat.MOCK_COURT, capacity=100)
    teacher = FacultyFactory(user=UserFactory(role=UserRole.FACULTY))
    AssignmentFactory(session=session, faculty=teacher)
    lawyers = []
    for n in range(12):
        lawyer = ParticipantFactory(
            name_zh=f"律师{n:02d}", law_firm=FIRMS[n % 6], years_of_practice=3 + n, languages="English",
            specialties=["patents"] if n % 4 == 0 else ["trademarks"],
        )  # fmt: skip
        participant_services.admit(participant=lawyer, program=program, by=administrator)  # a seat: required
        lawyers.append(lawyer)
    return session, teacher, lawyers


def add_case(client, session, **values):
    url = reverse("practice:case_create", args=[session.pk])
    form = find_form(client.get(url).content.decode(), button="Save the case")
    form.fill(title_zh="标准必要专利侵权纠纷", title_en="An SEP infringement", dispute="patent", forum="upc",
              teams="2", witnesses="1", experts="1", **values)  # fmt: skip
    response = form.submit(client, url)
    assert response.status_code == 302, response.content.decode()
    return Case.objects.get(session=session)


def places(session) -> dict[int, tuple]:
    return {m.participant_id: (m.team.side, m.team.number, m.role) for m in Member.objects.filter(session=session)}
