"""Required coursework in the completion rule (#17): a lawyer completes only once every required assignment set for
them is passed, and is at risk once one can no longer be: graded below the pass mark, or closed with nothing
handed in. The completion list, its tally, My program's figures and the certificates' eligibility all read it."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment import services
from certificates.services import eligible, issue_certificate
from participants import services as participant_services
from participants.services import Completion, lawyer_summaries
from tests.factories import ParticipantFactory, ProgramFactory, SessionFactory

from .conftest import coursework


@pytest.fixture
def program(db):
    # No required session and no minimum of hours: coursework alone decides.
    return ProgramFactory(required_attendance_share=Decimal(0), min_credit_hours=Decimal(0))


def outcomes(program, at=None) -> dict[str, str]:
    return {lawyer.name_zh: lawyer.outcome for lawyer in Completion(program, at).lawyers()}


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_required_coursework_decides_completion_and_risk(program, administrator):
    names = ["交了及格", "交了不及格", "交了未评", "没交"]
    lawyers = {name: ParticipantFactory(name_zh=name) for name in names}
    for lawyer in lawyers.values():
        participant_services.admit(participant=lawyer, program=program, by=administrator)
    assert set(outcomes(program).values()) == {"completed"}  # nothing is required yet
    required = coursework(program, required=True, due_in=timedelta(days=2))
    coursework(program, title_zh="选做", required=False)  # never counts
    coursework(program, required=True, session=SessionFactory(program=program))  # no one sits it: binds no one
    assert set(outcomes(program).values()) == {"on_track"}

    for name, score in (("交了及格", 60), ("交了不及格", 59.5), ("交了未评", None)):
        work = services.submit(assignment=required, participant=lawyers[name], text="作业", by=lawyers[name].user)
        if score is not None:
            services.grade(submission=work, score=str(score), by=administrator)
    assert outcomes(program) == {"交了及格": "completed", "交了不及格": "at_risk", "交了未评": "on_track",
                                 "没交": "on_track"}  # fmt: skip
    # Once the assignment closes, nothing handed in can no longer pass; work waiting for its grade still may.
    later = timezone.now() + timedelta(days=3)
    assert outcomes(program, later) == {"交了及格": "completed", "交了不及格": "at_risk", "交了未评": "on_track",
                                        "没交": "at_risk"}  # fmt: skip
    assert Completion(program, later).tally() == {"completed": 1, "at_risk": 2, "on_track": 1}
    # My program reads the same rule; so does the certificates' eligibility.
    summary = lawyer_summaries(lawyers["交了不及格"], [program])[program.pk]
    assert summary["outcome"] == "at_risk"
    # ... and says how much of the coursework set for the lawyer is passed (not the session's they have no seat in).
    assert summary["coursework"] == {"set": 1, "passed": 0}
    assert lawyer_summaries(lawyers["交了及格"], [program])[program.pk]["coursework"] == {"set": 1, "passed": 1}
    assert [lawyer.name_zh for lawyer in eligible(program)] == ["交了及格"]


@pytest.mark.django_db
def test_a_sessions_required_work_binds_the_lawyers_seated_in_it(program, administrator):
    session = SessionFactory(program=program, is_required=True)  # admission seats the lawyers in it
    seated = ParticipantFactory(name_zh="在座")
    participant_services.admit(participant=seated, program=program, by=administrator)
    brief = coursework(program, session=session, required=True)
    assert outcomes(program) == {"在座": "on_track"}
    assert lawyer_summaries(seated, [program])[program.pk]["coursework"] == {"set": 1, "passed": 0}
    work = services.submit(assignment=brief, participant=seated, text="代理词", by=seated.user)
    services.grade(submission=work, score=90, by=administrator)
    assert outcomes(program) == {"在座": "completed"}
    assert lawyer_summaries(seated, [program])[program.pk]["coursework"] == {"set": 1, "passed": 1}


def _text(certificate) -> str:
    with certificate.pdf.open("rb") as pdf:
        found = subprocess.run(["pdftotext", "-", "-"], input=pdf.read(), capture_output=True, check=True)
    return found.stdout.decode()


@pytest.mark.django_db
def test_the_certificate_says_passed_the_assessment_only_where_coursework_was_assessed(program, administrator):
    assessed = ProgramFactory(required_attendance_share=Decimal(0), min_credit_hours=Decimal(0))
    coursework(assessed, required=True)
    words = {}
    for each in (program, assessed):
        lawyer = ParticipantFactory()
        participant_services.admit(participant=lawyer, program=each, by=administrator)
        for assignment in each.coursework.all():
            work = services.submit(assignment=assignment, participant=lawyer, text="作业", by=lawyer.user)
            services.grade(submission=work, score=80, by=administrator)
        certificate = issue_certificate(participant=lawyer, program=each, by=administrator)
        words[each.pk] = (certificate.assessed, " ".join(_text(certificate).split()))
    assert words[assessed.pk][0] and "经考核合格，准予结业" in words[assessed.pk][1]
    assert "passing its assessment" in words[assessed.pk][1]
    assert not words[program.pk][0] and "经考核合格" not in words[program.pk][1] and "准予结业" in words[program.pk][1]
