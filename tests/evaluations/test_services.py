from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from evaluations import results, services
from evaluations.models import Answer, Answered, Question, QuestionKind, QuestionnaireKind, Response
from notifications.models import Notification
from participants.models import Enrolment, EnrolmentState
from tests.evaluations import after, questionnaire_for, seated, values
from tests.factories import AssignmentFactory, FacultyFactory, ParticipantFactory, ProgramFactory, SessionFactory
from tests.support import at_once, words


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def session(db):
    session = SessionFactory(program=ProgramFactory())
    AssignmentFactory(session=session, faculty=FacultyFactory(name_zh="陈专家"))
    return session


def _people(session):
    return [a.faculty for a in session.assignments.all()]


def answer(questionnaire, session, lawyer, **fields):
    return services.answer_submit(
        questionnaire=questionnaire,
        session=session,
        participant=lawyer,
        values=values(questionnaire, people=_people(session) if session else (), **fields),
        at=after(session) if session else services.opens_at(questionnaire, None) + timedelta(hours=1),
    )


# --- answering once ---------------------------------------------------------------------------------------
def test_a_lawyer_with_a_seat_answers_once_and_a_second_answer_changes_nothing(session):
    questionnaire = questionnaire_for(session.program)
    (lawyer,) = seated(session, 1)
    answer(questionnaire, session, lawyer)
    with pytest.raises(ValidationError, match="answered this questionnaire already"):
        answer(questionnaire, session, lawyer, rating=1)
    assert Response.objects.count() == 1 and Answered.objects.count() == 1
    assert list(Answer.objects.filter(rating__isnull=False, faculty__isnull=True).values_list("rating", flat=True)) == [
        4
    ]


def test_a_lawyer_without_a_seat_or_with_a_waitlist_place_may_not_answer(session):
    questionnaire = questionnaire_for(session.program)
    stranger = ParticipantFactory()
    (waiting,) = seated(session, 1)
    Enrolment.objects.filter(participant=waiting).update(state=EnrolmentState.WAITLISTED)
    for lawyer in (stranger, waiting):
        with pytest.raises(ValidationError, match="not yours"):
            answer(questionnaire, session, lawyer)
    assert not Response.objects.exists()


def test_the_questionnaire_opens_when_the_session_ends_and_closes_after_its_days(session):
    questionnaire = questionnaire_for(session.program, open_days=7)
    (lawyer,) = seated(session, 1)
    for at in (session.ends_at - timedelta(seconds=1), session.ends_at + timedelta(days=7)):
        with pytest.raises(ValidationError, match="not open"):
            services.answer_submit(
                questionnaire=questionnaire, session=session, participant=lawyer,
                values=values(questionnaire, people=_people(session)), at=at,
            )  # fmt: skip
    assert services.is_open(questionnaire, session, session.ends_at)
    assert services.is_open(questionnaire, session, session.ends_at + timedelta(days=7, seconds=-1))
    assert not Response.objects.exists()


def test_a_missing_required_answer_or_a_rating_out_of_range_is_refused_naming_the_question(session):
    questionnaire = questionnaire_for(session.program)
    (lawyer,) = seated(session, 1)
    rating = questionnaire.questions.get(kind=QuestionKind.RATING)
    teacher = _people(session)[0]
    faculty_question = questionnaire.questions.get(kind=QuestionKind.FACULTY)
    given = values(questionnaire, people=[])
    given[rating.pk] = 6
    with pytest.raises(ValidationError) as refused:
        services.answer_submit(
            questionnaire=questionnaire, session=session, participant=lawyer, values=given, at=after(session)
        )
    assert set(refused.value.message_dict) == {f"q{rating.pk}", f"q{faculty_question.pk}_f{teacher.pk}"}
    assert not Answered.objects.exists() and not Response.objects.exists()


def test_a_session_questionnaire_for_chosen_formats_is_not_asked_after_others(session):
    questionnaire = questionnaire_for(session.program, formats=["mock_court"])
    (lawyer,) = seated(session, 1)  # a lecture
    assert not services.may_answer(lawyer, questionnaire, session)
    assert services.due_for(lawyer, after(session)) == []


def test_a_program_questionnaire_is_for_admitted_lawyers_from_the_programs_end(session):
    questionnaire = questionnaire_for(session.program, kind=QuestionnaireKind.PROGRAM)
    (lawyer,) = seated(session, 1)
    opens = services.program_ends_at(session.program)
    assert [due.questionnaire for due in services.due_for(lawyer, opens)] == [questionnaire]
    assert services.due_for(lawyer, opens - timedelta(seconds=1)) == []
    answer(questionnaire, None, lawyer)
    assert services.due_for(lawyer, opens + timedelta(hours=2)) == []


def test_a_program_questionnaire_cannot_rate_the_faculty_of_a_session(db):
    program = ProgramFactory()
    with pytest.raises(ValidationError) as refused:
        services.questionnaire_save(
            questionnaire=questionnaire_for(program, kind=QuestionnaireKind.PROGRAM),
            questions=[Question(kind=QuestionKind.FACULTY, text_zh="专家")],
        )
    assert "kind" in refused.value.message_dict


def test_a_choice_question_needs_two_choices(db):
    program = ProgramFactory()
    questionnaire = questionnaire_for(program)
    with pytest.raises(ValidationError) as refused:
        services.questionnaire_save(
            questionnaire=questionnaire, questions=[Question(kind=QuestionKind.SINGLE, text_zh="选择", choices_zh="一")]
        )
    assert "choices_zh" in refused.value.message_dict
    assert questionnaire.questions.count() == 5


def test_once_answered_the_questions_no_longer_change(session):
    questionnaire = questionnaire_for(session.program)
    answer(questionnaire, session, seated(session, 1)[0])
    question = questionnaire.questions.first()
    question.text_zh = "改过的问题"
    with pytest.raises(ValidationError, match="no longer change"):
        services.questionnaire_save(questionnaire=questionnaire, questions=[question])
    assert questionnaire.questions.count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_keep_one(session):
    questionnaire = questionnaire_for(session.program)
    (lawyer,) = seated(session, 1)
    for _round in range(5):
        outcomes = at_once(
            lambda: answer(questionnaire, session, lawyer, rating=2),
            lambda: answer(questionnaire, session, lawyer, rating=5),
        )
        refused = [o for o in outcomes if isinstance(o, ValidationError)]
        assert len(refused) == 1 and sum(isinstance(o, Response) for o in outcomes) == 1, outcomes
        assert Response.objects.count() == 1 and Answered.objects.count() == 1
        Response.objects.all().delete()
        Answered.objects.all().delete()


# --- anonymity -----------------------------------------------------------------------------------------
def test_no_column_of_an_answer_sheet_or_answer_links_it_to_a_lawyer_or_a_moment(session):
    for model in (Response, Answer):
        columns = {f.column: f for f in model._meta.concrete_fields}
        targets = {f.related_model.__name__ for f in columns.values() if f.is_relation}
        assert not targets & {"Participant", "User", "Province", "Answered", "Enrolment"}, model
        kinds = {type(f).__name__ for f in columns.values()}
        assert "DateTimeField" not in kinds and type(model._meta.pk).__name__ == "UUIDField", model
    with connection.cursor() as cursor:  # and the database's own tables agree
        for table in (Response._meta.db_table, Answer._meta.db_table):
            described = connection.introspection.get_table_description(cursor, table)
            assert not {"participant_id", "user_id", "created_at", "answered_at"} & {c.name for c in described}
    assert {f.name for f in Answered._meta.concrete_fields} == {"id", "participant", "questionnaire", "session"}


def test_the_order_of_answer_sheets_says_nothing_of_who_answered_first(session):
    questionnaire = questionnaire_for(session.program)
    lawyers = seated(session, 12)
    for lawyer in lawyers:
        answer(questionnaire, session, lawyer)
    # Random (version 4) keys, on the sheets and on their answers: their order is not the order of answering.
    assert all(pk.version == 4 for pk in Response.objects.values_list("pk", flat=True))
    assert all(pk.version == 4 for pk in Answer.objects.values_list("pk", flat=True))
    assert Response.objects.count() == 12


# --- results and the threshold ---------------------------------------------------------------------------
def test_no_figure_is_given_from_fewer_than_five_answers(session):
    questionnaire = questionnaire_for(session.program)
    lawyers = seated(session, 5)
    for lawyer in lawyers[:4]:
        answer(questionnaire, session, lawyer, text="讲得很好")
    found = {r.question.kind: r for r in results.question_results(questionnaire, session)}
    assert not found[QuestionKind.RATING].figure.shown and found[QuestionKind.RATING].figure.average is None
    assert found[QuestionKind.SINGLE].choices == [] and found[QuestionKind.TEXT].comments == []
    ((_teacher, figure),) = found[QuestionKind.FACULTY].faculty
    assert not figure.shown and figure.distribution == []
    (row,) = results.session_rows(questionnaire, after(session))
    assert (row.answered, row.seated, row.figure.average) == (4, 5, None)

    answer(questionnaire, session, lawyers[4], rating=2, text="案例很实用")
    found = {r.question.kind: r for r in results.question_results(questionnaire, session)}
    assert found[QuestionKind.RATING].figure.average == 3.6
    assert found[QuestionKind.RATING].figure.distribution == [0, 1, 0, 4, 0]
    assert found[QuestionKind.SINGLE].choices == [("Too easy", 0), ("Right", 5), ("Too hard", 0)]
    assert sorted(found[QuestionKind.TEXT].comments) == sorted(["讲得很好"] * 4 + ["案例很实用"])
    assert found[QuestionKind.FACULTY].faculty[0][1].average == 5
    (row,) = results.session_rows(questionnaire, after(session))
    assert (row.answered, row.rate, row.figure.average) == (5, 100, 3.6)


def test_faculty_see_their_ratings_only_once_the_questionnaire_closed(session):
    questionnaire = questionnaire_for(session.program, open_days=3)
    for lawyer in seated(session, 5):
        answer(questionnaire, session, lawyer)
    teacher = _people(session)[0]
    assert results.faculty_own(teacher, after(session, 24)) == []
    (row,) = results.faculty_own(teacher, session.ends_at + timedelta(days=3))
    assert row.title == session.title and row.figure.average == 5
    (row,) = results.by_faculty(session.program)
    assert (row.name, row.figure.average, row.sessions) == (teacher.name, 5, 1)


def test_topic_and_format_figures_hold_the_threshold_too(session):
    questionnaire = questionnaire_for(session.program)
    for lawyer in seated(session, 3):
        answer(questionnaire, session, lawyer)
    by_topic, by_format = results.by_topic_and_format(session.program)
    assert [figure.average for _name, figure in by_topic + by_format] == [None, None]


# --- reminders -------------------------------------------------------------------------------------------
@pytest.mark.clock_edges
def test_those_who_have_not_answered_are_reminded_once_a_day_after_it_opened(session):
    questionnaire = questionnaire_for(session.program)
    first, second = seated(session, 2)
    answer(questionnaire, session, first)
    assert services.remind_unanswered(after(session, 23)) == 0
    assert services.remind_unanswered(after(session, 25)) == 1
    services.remind_unanswered(after(session, 26))
    notices = Notification.objects.filter(kind="evaluation_reminder")
    assert [n.recipient for n in notices] == [second.user]
    notice = words(notices.get())
    assert notice.link.endswith(services.answer_url(questionnaire, session))
    assert questionnaire.title in notice.subject and session.title_zh in notice.body_text
    assert services.remind_unanswered(session.ends_at + timedelta(days=8)) == 0
