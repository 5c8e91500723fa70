"""Coursework as a browser uses it: the lawyer hands in from the assignment's page (reached from My program) and
reads the grade; the grader works through the queue; no one else reads a lawyer's work or grade."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assessment import services
from assessment.models import Submission
from assessment.views import QUEUE_PAGE
from participants import services as participant_services
from tests.factories import AssignmentFactory, ParticipantFactory, ProgramFactory, SessionFactory
from tests.faculty.conftest import pdf_bytes
from tests.forms import find_form
from tests.support import client_for

from .conftest import coursework, faculty_with_account


@pytest.fixture
def world(db, administrator):
    program = ProgramFactory()
    session = SessionFactory(program=program, is_required=True)  # admission seats the lawyers in it
    teacher = faculty_with_account()
    AssignmentFactory(session=session, faculty=teacher)
    lawyer, other = ParticipantFactory(name_zh="张伟"), ParticipantFactory(name_zh="李娜")
    for person in (lawyer, other):
        participant_services.admit(participant=person, program=program, by=administrator)
    assignment = coursework(program, session=session, title_en="Mock-court brief", max_score=Decimal(20),
                            pass_mark=Decimal(12))  # fmt: skip
    return program, session, teacher, lawyer, other, assignment


def read(download) -> bytes:
    """A file answer's bytes (read to its end, the test client closes the file)."""
    return b"".join(download.streaming_content)


@pytest.mark.django_db
def test_the_lawyer_hands_in_from_my_program_and_the_teacher_grades_it_from_the_queue(world):
    _program, session, teacher, lawyer, _other, assignment = world
    browser = client_for(lawyer.user, "en")
    my_program = browser.get(reverse("participants:my_program")).content.decode()
    url = reverse("assessment:assignment", args=[assignment.pk])
    assert f'href="{url}"' in my_program and "To do" in my_program
    form = find_form(browser.get(url).content.decode(), button="Hand in", page_url=url)
    form.fill(text="代理词全文", file=SimpleUploadedFile("代理词.pdf", pdf_bytes()))
    page = form.submit(browser, url, follow=True).content.decode()
    assert "Your work is handed in." in page and "代理词.pdf" in page
    submission = Submission.objects.get()
    file_url = reverse("assessment:submission_file", args=[submission.pk])
    download = browser.get(file_url)
    assert download["Content-Disposition"].startswith("attachment") and read(download).startswith(b"%PDF")

    grader = client_for(teacher.user, "en")
    session_url = reverse("sessions:session_detail", args=[session.program.slug, session.pk])
    session_page = grader.get(session_url).content.decode()
    queue_url = reverse("assessment:queue", args=[assignment.pk])
    assert f'href="{queue_url}"' in session_page and "1 to grade" in session_page
    queue = grader.get(queue_url).content.decode()
    assert "1 of 2 handed in" in queue and "张伟" in queue
    grade_url = reverse("assessment:grade", args=[submission.pk])
    assert read(grader.get(file_url)).startswith(b"%PDF")
    form = find_form(grader.get(grade_url).content.decode(), button="Save the grade", page_url=grade_url)
    response = form.fill(score="15.5", comment="论证清楚").submit(grader, grade_url, follow=True)
    assert "张伟&#x27;s work is graded." in response.content.decode()

    page = browser.get(url).content.decode()
    assert "15.5 / 20" in page and "Passed" in page and "论证清楚" in page
    assert 'name="text"' not in page  # graded: no more handing in


@pytest.mark.django_db
def test_a_grade_above_the_maximum_is_refused_at_its_field(world):
    _program, _session, teacher, lawyer, _other, assignment = world
    submission = services.submit(assignment=assignment, participant=lawyer, text="作业", by=lawyer.user)
    grader = client_for(teacher.user, "en")
    url = reverse("assessment:grade", args=[submission.pk])
    form = find_form(grader.get(url).content.decode(), button="Save the grade", page_url=url)
    page = form.fill(score="25").submit(grader, url).content.decode()
    assert "is-invalid" in page and "less than or equal to 20" in page
    submission.refresh_from_db()
    assert submission.score is None


@pytest.mark.django_db
def test_no_one_else_reads_a_lawyers_work_or_grades_it(world, faculty_member):
    _program, _session, _teacher, lawyer, other, assignment = world
    submission = services.submit(
        assignment=assignment, participant=lawyer, text="作业", upload=SimpleUploadedFile("a.pdf", pdf_bytes()),
        by=lawyer.user,
    )  # fmt: skip
    file_url = reverse("assessment:submission_file", args=[submission.pk])
    assert client_for(other.user, "en").get(file_url).status_code == 404
    assert client_for(faculty_member, "en").get(file_url).status_code == 404  # teaches no session of it
    outsider = ParticipantFactory()  # not admitted: the assignment is not theirs to see
    assignment_url = reverse("assessment:assignment", args=[assignment.pk])
    assert client_for(outsider.user, "en").get(assignment_url).status_code == 404
    for name, pk in (("assessment:queue", assignment.pk), ("assessment:grade", submission.pk)):
        assert client_for(faculty_member, "en").get(reverse(name, args=[pk])).status_code == 403
        assert client_for(other.user, "en").post(reverse(name, args=[pk]), {"score": "1"}).status_code == 403
    submission.refresh_from_db()
    assert submission.score is None


@pytest.mark.django_db
def test_the_grades_export_names_no_licence(world, administrator):
    _program, _session, teacher, lawyer, other, assignment = world
    for person, score in ((lawyer, 15), (other, 9)):
        done = services.submit(assignment=assignment, participant=person, text="作业", by=person.user)
        services.grade(submission=done, score=score, by=teacher.user)
    response = client_for(teacher.user, "en").get(reverse("assessment:queue", args=[assignment.pk]), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Name", "Name in Latin letters", "Province")
    assert {(row[0], row[6], row[7]) for row in rows[1:]} == {("张伟", 15, "Yes"), ("李娜", 9, "No")}
    text = " ".join(str(cell) for row in rows for cell in row)
    assert lawyer.license_number not in text and not re.search(r"\d{17}", text)


@pytest.mark.django_db
def test_the_queue_comes_a_page_at_a_time(world, administrator):
    program, _session, teacher, _lawyer, _other, _assignment = world
    essay = coursework(program, title_en="Reflection")  # the program's: set for every admitted lawyer
    lawyers = ParticipantFactory.create_batch(QUEUE_PAGE + 1)
    for person in lawyers:
        participant_services.admit(participant=person, program=program, by=administrator)
        services.submit(assignment=essay, participant=person, text="心得", by=person.user)
    graded = Submission.objects.get(assignment=essay, participant=lawyers[0])
    services.grade(submission=graded, score=80, by=administrator)
    essay.graders.add(teacher.user)
    grader, url = client_for(teacher.user, "en"), reverse("assessment:queue", args=[essay.pk])

    first = grader.get(url).content.decode()
    assert first.count('data-graded="') == QUEUE_PAGE and 'data-graded="1"' not in first  # ungraded first
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    last = grader.get(url, {"page": 2}).content.decode()
    assert last.count('data-graded="1"') == 1 and "Page 2 of 2" in last
    # A filter narrows the pages: the work to grade fills one.
    ungraded = grader.get(url, {"show": "ungraded"}).content.decode()
    assert ungraded.count('data-graded="0"') == QUEUE_PAGE and "Page 1 of" not in ungraded


@pytest.mark.django_db
def test_the_office_sets_an_assignment_with_a_rubric_on_the_page_it_serves(world, administrator):
    program, session, teacher, _lawyer, _other, _assignment = world
    office = client_for(administrator, "en")
    url = reverse("assessment:assignment_create", args=[program.slug])
    form = find_form(office.get(url).content.decode(), button="Save the assignment", page_url=url)
    form.fill(
        title_zh="心得体会", title_en="Reflection", kind="reflection", session=str(session.pk),
        opens_at="2026-03-01T09:00", due_at="2026-03-08T18:00", late_until="2026-03-10T18:00", max_score="10",
        pass_mark="6", required="on", graders=[str(teacher.user.pk)],
        **{"criteria-0-title_zh": "体会深度", "criteria-0-max_points": "6", "criteria-1-title_zh": "表达",
           "criteria-1-max_points": "5"},
    )  # fmt: skip
    page = form.submit(office, url).content.decode()
    assert "add up to 11.0; they must add up to the maximum score, 10." in page  # 6 + 5: refused, nothing saved
    assert not program.coursework.filter(title_zh="心得体会").exists()
    form = find_form(page, button="Save the assignment", page_url=url)
    form.fill(**{"criteria-1-max_points": "4"})
    response = form.submit(office, url, follow=True)
    assert "“Reflection” is saved." in response.content.decode()
    saved = program.coursework.get(title_zh="心得体会")
    assert (saved.session, saved.required, list(saved.graders.all())) == (session, True, [teacher.user])
    assert [(c.title_zh, c.max_points) for c in saved.criteria.all()] == [("体会深度", 6), ("表达", 4)]
    assert saved.due_at.isoformat() == "2026-03-08T10:00:00+00:00"  # typed in Beijing time


@pytest.mark.django_db
def test_once_work_is_graded_its_marks_and_rubric_stay(world, administrator):
    program, _session, teacher, lawyer, _other, assignment = world
    done = services.submit(assignment=assignment, participant=lawyer, text="作业", by=lawyer.user)
    services.grade(submission=done, score=15, by=teacher.user)
    office = client_for(administrator, "en")
    url = reverse("assessment:assignment_edit", args=[program.slug, assignment.pk])
    form = find_form(office.get(url).content.decode(), button="Save the assignment", page_url=url)
    page = form.fill(max_score="30").submit(office, url).content.decode()
    assert "Work is graded already" in page
    assignment.refresh_from_db()
    assert assignment.max_score == 20
    form = find_form(office.get(url).content.decode(), button="Save the assignment", page_url=url)
    response = form.fill(title_en="Brief for the appeal").submit(office, url, follow=True)  # other fields may change
    assert "is saved" in response.content.decode()
    assert program.coursework.get(pk=assignment.pk).title_en == "Brief for the appeal"


@pytest.mark.django_db
def test_each_grader_finds_the_work_they_grade_under_grading(world, faculty_member):
    program, _session, teacher, lawyer, _other, by_session = world
    named = coursework(program, title_zh="心得体会", title_en="Reflection")  # the whole program's, named graders
    named.graders.add(faculty_member)
    services.submit(assignment=by_session, participant=lawyer, text="作业", by=lawyer.user)
    url = reverse("assessment:grading")
    as_teacher = client_for(teacher.user, "en").get(url).content.decode()
    assert reverse("assessment:queue", args=[by_session.pk]) in as_teacher and "1 to grade" in as_teacher
    assert reverse("assessment:queue", args=[named.pk]) not in as_teacher
    as_named = client_for(faculty_member, "en").get(url).content.decode()
    assert reverse("assessment:queue", args=[named.pk]) in as_named
    assert reverse("assessment:queue", args=[by_session.pk]) not in as_named
    assert client_for(lawyer.user, "en").get(url).status_code == 403
