"""Helpers for the evaluations tests: a questionnaire with one question of each kind, lawyers seated in a session."""

from datetime import timedelta

from evaluations import services
from evaluations.models import Question, QuestionKind, Questionnaire, QuestionnaireKind
from participants.models import Enrolment, EnrolmentState
from participants.services import seats_recount
from sessions.models import TrainingSession
from tests.factories import AdmissionFactory, ParticipantFactory


def questionnaire_for(program, *, kind=QuestionnaireKind.SESSION, faculty=True, **fields) -> Questionnaire:
    questions = [
        Question(kind=QuestionKind.RATING, text_zh="总体评价", text_en="Overall"),
        Question(kind=QuestionKind.SINGLE, text_zh="难度", text_en="Difficulty", choices_zh="太易\n合适\n太难",
                 choices_en="Too easy\nRight\nToo hard"),
        Question(kind=QuestionKind.MULTIPLE, text_zh="最有用的部分", choices_zh="讲授\n案例\n讨论", required=False),
        Question(kind=QuestionKind.TEXT, text_zh="意见和建议", text_en="Comments", required=False),
    ]  # fmt: skip
    if faculty and kind == QuestionnaireKind.SESSION:
        questions.append(Question(kind=QuestionKind.FACULTY, text_zh="授课专家", text_en="Faculty"))
    fields.setdefault("title_zh", "课后评估")
    questionnaire = Questionnaire(program=program, kind=kind, **fields)
    return services.questionnaire_save(questionnaire=questionnaire, questions=questions)


def seated(session, n: int) -> list:
    """`n` lawyers admitted to the session's program, each with a confirmed seat in it."""
    lawyers = []
    for _ in range(n):
        admission = AdmissionFactory(program=session.program)
        Enrolment.objects.create(participant=admission.participant, session=session, state=EnrolmentState.CONFIRMED)
        lawyers.append(admission.participant)
    seats_recount(sessions=TrainingSession.objects.filter(pk=session.pk))  # the stored count, as the services keep it
    return lawyers


def values(questionnaire, *, rating=4, faculty_rating=5, text="", people=()) -> dict:
    """Answers to every question of `questionnaire` (helpers' questionnaire) for the answer service."""
    answers = {}
    for question in questionnaire.questions.all():
        answers[question.pk] = {
            QuestionKind.RATING: rating,
            QuestionKind.SINGLE: 1,
            QuestionKind.MULTIPLE: [0, 2],
            QuestionKind.TEXT: text,
            QuestionKind.FACULTY: {person.pk: faculty_rating for person in people},
        }[question.kind]
    return answers


def after(session, hours: float = 1):
    return session.ends_at + timedelta(hours=hours)


__all__ = ["ParticipantFactory", "after", "questionnaire_for", "seated", "values"]
