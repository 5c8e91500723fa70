"""The questionnaires' pages as a browser uses them: a lawyer answers from My program; the office builds a
questionnaire and reads its results; a faculty member reads their own ratings once it closed."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluations import services
from evaluations.models import Answered, Question, QuestionKind, Questionnaire, Response
from evaluations.views import SESSIONS_A_PAGE
from tests.evaluations import questionnaire_for, seated, values
from tests.factories import AssignmentFactory, FacultyFactory, ParticipantFactory, ProgramFactory, SessionFactory
from tests.forms import find_form
from tests.support import client_for


@pytest.fixture
def session(db, faculty_member):
    """A session that ended two hours ago, taught by the faculty member."""
    now = timezone.now()
    session = SessionFactory(
        program=ProgramFactory(), starts_at=now - timedelta(hours=4), ends_at=now - timedelta(hours=2)
    )
    AssignmentFactory(session=session, faculty=FacultyFactory(user=faculty_member, name_zh="陈专家", name_en="Chen"))
    return session


def _fill_all(form, questionnaire, session, rating="4"):
    teacher = session.assignments.get().faculty
    for question in questionnaire.questions.all():
        name = services.question_field(question)
        if question.kind == QuestionKind.RATING:
            form.fill(**{name: rating})
        elif question.kind == QuestionKind.SINGLE:
            form.fill(**{name: "1"})
        elif question.kind == QuestionKind.FACULTY:
            form.fill(**{services.faculty_field(question, teacher.pk): "5"})
        elif question.kind == QuestionKind.TEXT:
            form.fill(**{name: "案例很实用"})
    return form


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_a_lawyer_answers_from_my_program_once(session):
    questionnaire = questionnaire_for(session.program)
    (lawyer,) = seated(session, 1)
    browser = client_for(lawyer.user, "en")
    my_program = browser.get(reverse("participants:my_program")).content.decode()
    url = reverse("evaluations:answer_session", args=[questionnaire.pk, session.pk])
    assert url in my_program and "Your opinion, please" in my_program
    detail = reverse("sessions:session_detail", args=[session.program.slug, session.pk])
    assert url in browser.get(detail).content.decode()
    page = browser.get(url).content.decode()
    assert "<fieldset" in page and "<legend" in page and 'class="btn-check"' in page
    form = _fill_all(find_form(page, button="Send my answers", page_url=url), questionnaire, session)
    response = form.submit(browser, url, follow=True)
    assert "your answers are in" in response.content.decode()
    assert Response.objects.count() == 1 and Answered.objects.filter(participant=lawyer).count() == 1
    # The same form sent again (a second tab): nothing more is stored.
    again = form.submit(browser, url, follow=True).content.decode()
    assert "answered this questionnaire already" in again
    assert Response.objects.count() == 1
    assert url not in browser.get(reverse("participants:my_program")).content.decode()


@pytest.mark.django_db
def test_a_missing_answer_is_named_at_its_question_and_nothing_is_stored(session):
    questionnaire = questionnaire_for(session.program)
    (lawyer,) = seated(session, 1)
    browser = client_for(lawyer.user, "en")
    url = reverse("evaluations:answer_session", args=[questionnaire.pk, session.pk])
    form = find_form(browser.get(url).content.decode(), button="Send my answers", page_url=url)
    page = form.submit(browser, url).content.decode()
    rating = questionnaire.questions.get(kind=QuestionKind.RATING)
    assert f'id="id_q{rating.pk}-error"' in page and "This field is required" in page
    assert not Response.objects.exists() and not Answered.objects.exists()


@pytest.mark.django_db
def test_a_lawyer_without_a_seat_is_told_not_found(session):
    questionnaire = questionnaire_for(session.program)
    stranger = ParticipantFactory()
    url = reverse("evaluations:answer_session", args=[questionnaire.pk, session.pk])
    assert client_for(stranger.user).get(url).status_code == 404


@pytest.mark.django_db
def test_the_office_builds_a_questionnaire_on_its_page(administrator):
    program = ProgramFactory()
    browser = client_for(administrator, "en")
    url = reverse("evaluations:manage_create", args=[program.slug])
    form = find_form(browser.get(url).content.decode(), button="Save the questionnaire", page_url=url)
    form.fill(
        title_zh="课后评估", kind="session", open_days="5", formats=["lecture", "mock_court"],
        **{"questions-0-kind": "rating", "questions-0-text_zh": "总体评价", "questions-0-position": "1",
           "questions-1-kind": "single", "questions-1-text_zh": "难度", "questions-1-choices_zh": "太易\n合适\n太难",
           "questions-1-position": "2"},
    )  # fmt: skip
    response = form.submit(browser, url)
    assert response.status_code == 302
    questionnaire = Questionnaire.objects.get()
    assert (questionnaire.open_days, questionnaire.formats) == (5, ["lecture", "mock_court"])
    assert list(questionnaire.questions.values_list("kind", "text_zh")) == [("rating", "总体评价"), ("single", "难度")]
    assert questionnaire.questions.get(kind="single").choice_labels() == ["太易", "合适", "太难"]


@pytest.mark.django_db
def test_a_choice_question_without_choices_is_refused_at_its_field(administrator):
    program = ProgramFactory()
    browser = client_for(administrator, "en")
    url = reverse("evaluations:manage_create", args=[program.slug])
    form = find_form(browser.get(url).content.decode(), button="Save the questionnaire", page_url=url)
    form.fill(title_zh="课后评估", **{"questions-0-kind": "multiple", "questions-0-text_zh": "哪些部分"})
    page = form.submit(browser, url).content.decode()
    assert "Give at least two choices" in page and not Questionnaire.objects.exists()


def _answer(questionnaire, session, lawyer, rating=4):
    people = [a.faculty for a in session.assignments.all()]
    services.answer_submit(
        questionnaire=questionnaire, session=session, participant=lawyer,
        values=values(questionnaire, rating=rating, people=people, text="讲得很好"),
    )  # fmt: skip


@pytest.mark.django_db
def test_results_show_no_figure_from_fewer_than_five_answers_on_the_page_or_in_the_export(session, administrator):
    questionnaire = questionnaire_for(session.program)
    lawyers = seated(session, 6)
    for lawyer in lawyers[:4]:
        _answer(questionnaire, session, lawyer)
    browser = client_for(administrator, "en")
    url = reverse("evaluations:results", args=[session.program.slug, questionnaire.pk])
    listing = browser.get(url).content.decode()
    assert "4 / 6" in listing and "fewer than 5 answers" in listing
    page = browser.get(url, {"session": session.pk}).content.decode()
    assert "fewer than 5 answers" in page and "讲得很好" not in page and "4.0" not in page
    sheet = load_workbook(io.BytesIO(browser.get(url, {"export": "xlsx"}).content)).active
    averages = {row[5] for row in list(sheet.iter_rows(values_only=True))[1:]}
    assert averages == {"fewer than 5 answers", None}  # None: the choice questions' rows, counted in "Choices"
    assert {row[11] for row in list(sheet.iter_rows(values_only=True))[1:]} == {"fewer than 5 answers", None}

    _answer(questionnaire, session, lawyers[4], rating=5)
    page = browser.get(url, {"session": session.pk}).content.decode()
    assert "4.2" in page and "讲得很好" in page and 'id="evaluation-charts"' in page
    for lawyer in lawyers:
        assert lawyer.name_zh not in page and lawyer.province.name_zh not in page
    sheet = load_workbook(io.BytesIO(browser.get(url, {"export": "xlsx"}).content)).active
    assert 4.2 in [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    overview = browser.get(reverse("evaluations:overview", args=[session.program.slug])).content.decode()
    assert "Chen" in overview and "5.0" in overview


@pytest.mark.django_db
def test_the_response_rates_come_a_page_of_sessions_at_a_time(session, administrator):
    questionnaire = questionnaire_for(session.program)
    for days in range(1, SESSIONS_A_PAGE + 1):  # with the fixture's: one more than a page, all ended
        ended = timezone.now() - timedelta(days=days)
        SessionFactory(program=session.program, starts_at=ended - timedelta(hours=2), ends_at=ended)
    browser = client_for(administrator, "en")
    url = reverse("evaluations:results", args=[session.program.slug, questionnaire.pk])
    first, last = browser.get(url).content.decode(), browser.get(url, {"page": 2}).content.decode()
    assert first.count('href="?session=') == SESSIONS_A_PAGE and "Page 1 of 2" in first
    assert last.count('href="?session=') == 1 and "Page 2 of 2" in last
    assert f'href="?session={session.pk}"' in first  # the latest first


@pytest.mark.django_db
def test_faculty_see_their_own_ratings_on_the_portal_once_the_questionnaire_closed(session, faculty_member):
    questionnaire = questionnaire_for(session.program, open_days=1)
    for lawyer in seated(session, 5):
        _answer(questionnaire, session, lawyer)
    browser = client_for(faculty_member, "en")
    assert "How lawyers rated my sessions" not in browser.get(reverse("faculty:portal")).content.decode()
    Questionnaire.objects.filter(pk=questionnaire.pk).update(open_days=1)
    session.__class__.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at - timedelta(days=2), ends_at=session.ends_at - timedelta(days=2)
    )
    portal = browser.get(reverse("faculty:portal")).content.decode()
    assert "How lawyers rated my sessions" in portal and "5.0" in portal


@pytest.mark.django_db
def test_questions_once_answered_are_kept_and_the_page_says_why(session, administrator):
    questionnaire = questionnaire_for(session.program)
    (lawyer,) = seated(session, 1)
    _answer(questionnaire, session, lawyer)
    browser = client_for(administrator, "en")
    url = reverse("evaluations:manage_edit", args=[session.program.slug, questionnaire.pk])
    form = find_form(browser.get(url).content.decode(), button="Save the questionnaire", page_url=url)
    form.fill(**{"questions-0-text_zh": "改过的问题"})
    page = form.submit(browser, url).content.decode()
    assert "can no longer change" in page
    assert not Question.objects.filter(text_zh="改过的问题").exists()
