"""Questionnaires on fipr-live: one after every session and one at the program's end, with answers to the
sessions that ended (enough that their results show; one session with fewer than five, which shows the threshold).
The demo lawyer has answered none: My program asks them."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from evaluations import services
from evaluations.models import Question, QuestionKind, Questionnaire, QuestionnaireKind
from participants.models import Enrolment, EnrolmentState
from sessions.models import Program, SessionStatus

COMMENTS = [
    "案例分析很有针对性，希望多安排实务讨论时间。",
    "老师讲解清晰，海外诉讼程序部分收获很大。",
    "建议提前发放阅读材料。",
    "模拟法庭环节非常实用。",
    "希望增加与境外律师的交流机会。",
    "时间略紧，问答环节可以更长一些。",
]


def session_questions() -> list[Question]:
    return [
        Question(kind=QuestionKind.RATING, text_zh="您对本节课程的总体评价", text_en="Your overall rating of the session"),
        Question(kind=QuestionKind.FACULTY, text_zh="请为授课专家评分", text_en="Rate the faculty"),
        Question(kind=QuestionKind.SINGLE, text_zh="课程难度", text_en="Difficulty",
                 choices_zh="偏易\n适中\n偏难", choices_en="Too easy\nAbout right\nToo hard"),
        Question(kind=QuestionKind.MULTIPLE, text_zh="最有收获的部分", text_en="What helped most", required=False,
                 choices_zh="专题讲授\n案例分析\n互动讨论\n课程材料",
                 choices_en="The lecture\nThe cases\nThe discussion\nThe materials"),
        Question(kind=QuestionKind.TEXT, text_zh="意见和建议", text_en="Comments and suggestions", required=False),
    ]  # fmt: skip


def program_questions() -> list[Question]:
    return [
        Question(kind=QuestionKind.RATING, text_zh="您对本期培训的总体评价", text_en="Your overall rating of the program"),
        Question(kind=QuestionKind.SINGLE, text_zh="您是否会向同事推荐本培训", text_en="Would you recommend it?",
                 choices_zh="会\n不确定\n不会", choices_en="Yes\nNot sure\nNo"),
        Question(kind=QuestionKind.TEXT, text_zh="对下一期培训的建议", text_en="Suggestions for the next edition",
                 required=False),
    ]  # fmt: skip


def seed_evaluations(program: Program, *, demo_lawyer_user) -> None:
    if Questionnaire.objects.filter(program=program).exists():
        return
    after_session = services.questionnaire_save(
        questionnaire=Questionnaire(
            program=program, kind=QuestionnaireKind.SESSION, title_zh="课后评估", title_en="After the session"
        ),
        questions=session_questions(),
    )
    services.questionnaire_save(
        questionnaire=Questionnaire(
            program=program, kind=QuestionnaireKind.PROGRAM, title_zh="结业总评", title_en="The program as a whole",
            open_days=14,
        ),
        questions=program_questions(),
    )  # fmt: skip
    now = timezone.now()
    ended = list(
        program.sessions.filter(status=SessionStatus.SCHEDULED, ends_at__lte=now)
        .prefetch_related("assignments__faculty")
        .order_by("-ends_at")
    )
    recent = [s for s in ended if s.ends_at > now - after_session.window][:3]
    closed = [s for s in ended if s.ends_at <= now - after_session.window][:4]
    chance = random.Random(17)  # the same answers on every build
    questions = list(after_session.questions.all())
    for number, session in enumerate(recent + closed):
        seats = (
            Enrolment.objects.filter(session=session, state=EnrolmentState.CONFIRMED)
            .exclude(participant__user=demo_lawyer_user)
            .select_related("participant")
            .order_by("pk")
        )
        lawyers = [seat.participant for seat in seats]
        answering = lawyers[:3] if number == 0 else lawyers[:24]  # the latest session: below the threshold
        people = [a.faculty for a in session.assignments.all()]
        for lawyer in answering:
            services.answer_submit(
                questionnaire=after_session, session=session, participant=lawyer,
                values=sample_values(questions, people, chance),
                at=session.ends_at + timedelta(hours=chance.randint(1, 30)),
            )  # fmt: skip


def sample_values(questions: list[Question], people: list, chance: random.Random) -> dict:
    """One lawyer's answers to `questions` (of session_questions or program_questions), as answer_submit takes
    them: mostly good ratings, some comments. `people`: the session's faculty."""
    values = {}
    for question in questions:
        if question.kind == QuestionKind.RATING:
            values[question.pk] = chance.choices([3, 4, 5], weights=[1, 4, 5])[0]
        elif question.kind == QuestionKind.FACULTY:
            values[question.pk] = {p.pk: chance.choices([3, 4, 5], weights=[1, 3, 6])[0] for p in people}
        elif question.kind == QuestionKind.SINGLE:
            values[question.pk] = chance.choices([0, 1, 2], weights=[1, 6, 2])[0]
        elif question.kind == QuestionKind.MULTIPLE:
            values[question.pk] = chance.sample(range(4), chance.randint(1, 2))
        elif chance.random() < 0.3:
            values[question.pk] = chance.choice(COMMENTS)
    return values
