"""Coursework (#17): lawyers hand in within an assignment's window (late where it allows), replace their work
until it is graded; graders grade within the maximum and the rubric, a second grader moderates, every grade is
kept; whatever the rules refuse says why and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from assessment import services
from assessment.models import Criterion, GradeChange, Submission
from notifications.models import Notification
from participants import services as participant_services
from participants.models import Enrolment, EnrolmentState
from tests.factories import AssignmentFactory, ParticipantFactory, ProgramFactory, SessionFactory
from tests.faculty.conftest import EXE, pdf_bytes
from tests.support import at_once

from .conftest import coursework, faculty_with_account


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def program(db):
    return ProgramFactory()


@pytest.fixture
def lawyer(program, administrator):
    lawyer = ParticipantFactory(name_zh="张伟")
    participant_services.admit(participant=lawyer, program=program, by=administrator)
    return lawyer


def refused(action) -> str:
    with pytest.raises(services.AssessmentRefused) as caught:
        action()
    return " ".join(caught.value.messages)


@pytest.mark.django_db
def test_a_lawyer_hands_in_text_and_a_file_then_replaces_them_until_the_due_time(
    program, lawyer, django_capture_on_commit_callbacks
):
    assignment = coursework(program)
    first = services.submit(
        assignment=assignment, participant=lawyer, text="事实与争点", by=lawyer.user,
        upload=SimpleUploadedFile("报告.pdf", pdf_bytes()),
    )  # fmt: skip
    assert (first.text, first.original_name, first.content_type, first.late) == (
        "事实与争点", "报告.pdf", "application/pdf", False,
    )  # fmt: skip
    old = first.file.name
    assert first.file.storage.exists(old) and old.startswith(f"submissions/{assignment.pk}/") and "报告" not in old
    with django_capture_on_commit_callbacks(execute=True):
        again = services.submit(
            assignment=assignment, participant=lawyer, text="修改稿", by=lawyer.user,
            upload=SimpleUploadedFile("v2.pdf", pdf_bytes("v2")),
        )  # fmt: skip
    assert again.pk == first.pk and Submission.objects.count() == 1
    assert again.original_name == "v2.pdf" and not first.file.storage.exists(old)  # the replaced file is gone
    # Handing in text alone keeps the file sent before.
    kept = services.submit(assignment=assignment, participant=lawyer, text="第三稿", by=lawyer.user)
    assert kept.original_name == "v2.pdf" and kept.text == "第三稿"
    receipts = Notification.objects.filter(kind="submission_received", recipient=lawyer.user)
    assert receipts.count() == 3
    # The same again (a double click): nothing written, no receipt.
    with pytest.raises(services.Unchanged):
        services.submit(assignment=assignment, participant=lawyer, text="第三稿", by=lawyer.user)
    assert receipts.count() == 3 and Submission.objects.get().submitted_at == kept.submitted_at


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_late_work_is_marked_late_while_accepted_and_refused_after(program, lawyer):
    moment = timezone.now()
    assignment = coursework(program, opened=timedelta(days=7), due_in=timedelta(hours=-1), late_for=timedelta(days=2))
    late = services.submit(assignment=assignment, participant=lawyer, text="迟交", by=lawyer.user, at=moment)
    assert late.late
    after = moment + timedelta(days=3)
    message = refused(
        lambda: services.submit(assignment=assignment, participant=lawyer, text="x", by=lawyer.user, at=after)
    )
    assert "Late work was accepted until" in message
    assert Submission.objects.get().text == "迟交"


@pytest.mark.django_db
@pytest.mark.clock_edges
@pytest.mark.parametrize(
    "case", ["not open yet", "due, no late work", "not admitted", "not seated in the session", "nothing handed in",
             "not a document", "graded already"],
)  # fmt: skip
def test_a_refused_submission_says_why_and_changes_nothing(case, program, lawyer, administrator):
    assignment = coursework(program)
    who, upload, text = lawyer, None, "作业"
    expected = {
        "not open yet": "This assignment opens on",
        "due, no late work": "this assignment takes no late work",
        "not admitted": "This assignment is not set for you.",
        "not seated in the session": "This assignment is not set for you.",
        "nothing handed in": "Write your work here or attach a file.",
        "not a document": "is not a PDF, Word, PowerPoint, Excel, image or ZIP file",
        "graded already": "Your work is graded already",
    }[case]
    if case == "not open yet":
        assignment = coursework(program, opened=timedelta(days=-1))
    elif case == "due, no late work":
        assignment = coursework(program, opened=timedelta(days=7), due_in=timedelta(minutes=-1))
    elif case == "not admitted":
        who = ParticipantFactory()
    elif case == "not seated in the session":
        assignment = coursework(program, session=SessionFactory(program=program))
    elif case == "nothing handed in":
        text = "   "
    elif case == "not a document":
        upload = SimpleUploadedFile("报告.pdf", EXE)
    else:
        done = services.submit(assignment=assignment, participant=lawyer, text="初稿", by=lawyer.user)
        services.grade(submission=done, score=80, by=administrator)
    before = list(Submission.objects.values_list("pk", "text", "file"))
    message = refused(
        lambda: services.submit(assignment=assignment, participant=who, text=text, upload=upload, by=who.user)
    )
    assert expected in message
    assert list(Submission.objects.values_list("pk", "text", "file")) == before


@pytest.mark.django_db(transaction=True)
def test_two_tabs_handing_in_at_once_make_one_submission(settings, tmp_path, administrator):
    settings.MEDIA_ROOT = tmp_path / "media"
    program = ProgramFactory()
    lawyer = ParticipantFactory()
    participant_services.admit(participant=lawyer, program=program, by=administrator)
    assignment = coursework(program)
    for _round in range(3):
        Submission.objects.all().delete()
        answers = at_once(
            *(
                lambda n=n: services.submit(assignment=assignment, participant=lawyer, text=f"第{n}稿", by=lawyer.user)
                for n in range(4)
            )
        )
        assert all(isinstance(answer, Submission) for answer in answers), answers
        assert Submission.objects.count() == 1


# --- grading ---------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_sessions_faculty_grade_a_second_grader_moderates_and_every_grade_is_kept(program, lawyer):
    session = SessionFactory(program=program)
    teacher, colleague = faculty_with_account(), faculty_with_account()
    AssignmentFactory(session=session, faculty=teacher)
    AssignmentFactory(session=session, faculty=colleague)
    Enrolment.objects.create(participant=lawyer, session=session, state=EnrolmentState.CONFIRMED)
    assignment = coursework(program, session=session, max_score=Decimal(20), pass_mark=Decimal(12))
    submission = services.submit(assignment=assignment, participant=lawyer, text="模拟法庭代理词", by=lawyer.user)
    outsider = faculty_with_account()  # teaches elsewhere
    assert "You do not grade this assignment." in refused(
        lambda: services.grade(submission=submission, score=15, by=outsider.user)
    )
    assert "From 0 to 20" in refused(lambda: services.grade(submission=submission, score="20.5", by=teacher.user))
    too_fine = refused(lambda: services.grade(submission=submission, score="11.25", by=teacher.user))
    assert "at most one decimal" in too_fine
    services.grade(submission=submission, score="11.5", comment="论证不足", by=teacher.user)
    services.grade(submission=submission, score=12, comment="复核后加分", by=teacher.user)
    graded = services.grade(submission=submission, score=13, by=colleague.user)
    assert (graded.score, graded.passed, graded.graded_by) == (Decimal(13), True, colleague.user)
    history = list(submission.grade_changes.values_list("kind", "score", "changed_by"))
    assert history == [
        ("graded", Decimal("11.5"), teacher.user.pk),
        ("regraded", Decimal(12), teacher.user.pk),
        ("moderated", Decimal(13), colleague.user.pk),
    ]
    notices = Notification.objects.filter(kind="submission_graded", recipient=lawyer.user)
    assert notices.count() == 3


@pytest.mark.django_db
def test_named_graders_grade_by_the_rubric_and_the_score_is_its_sum(program, lawyer, administrator):
    assignment = coursework(program)
    grader = faculty_with_account().user
    session_faculty = faculty_with_account().user
    assignment.graders.add(grader)
    facts = Criterion.objects.create(assignment=assignment, title_zh="事实", max_points=Decimal(40), position=1)
    law = Criterion.objects.create(assignment=assignment, title_zh="法律适用", max_points=Decimal(60), position=2)
    submission = services.submit(assignment=assignment, participant=lawyer, text="报告", by=lawyer.user)
    assert "You do not grade" in refused(lambda: services.grade(submission=submission, score=1, by=session_faculty))
    assert "Give points for every criterion." in refused(
        lambda: services.grade(submission=submission, criteria={str(facts.pk): "30"}, by=grader)
    )
    assert "From 0 to 40" in refused(
        lambda: services.grade(submission=submission, criteria={str(facts.pk): "41", str(law.pk): "1"}, by=grader)
    )
    graded = services.grade(submission=submission, criteria={str(facts.pk): "30", str(law.pk): "25.5"}, by=grader)
    assert graded.score == Decimal("55.5") and not graded.passed
    points = [(criterion.title_zh, given) for criterion, given in services.rubric_points(graded)]
    assert points == [("事实", "30"), ("法律适用", "25.5")]
    assert GradeChange.objects.get().criteria_scores == {str(facts.pk): "30", str(law.pk): "25.5"}
    services.grade(submission=submission, score=90, criteria={str(facts.pk): "40", str(law.pk): "50"}, by=administrator)
    submission.refresh_from_db()
    assert submission.score == Decimal(90) and submission.graded_by == administrator
