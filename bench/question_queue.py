"""#18 item 6 at scale, made by bench/prepare.py: a seminar of 300 seated lawyers (the demo lawyer and 299 of the
check-in run's) running now, with 150 questions of theirs and 3,000 votes (each lawyer voting for ten others'
questions); ten answered, five hidden. Made once, in bulk; each run moves the seminar to the present, so that its
queue is open (the lawyer's list shows its vote buttons)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from participants.models import Enrolment, Participant
from practice.models import Question, QuestionState, Vote
from sessions.models import Faculty, FacultyAssignment, Program, TrainingSession

TITLE = "提问压测研讨会"
SEATED, QUESTIONS, VOTES_EACH = 300, 150, 10
TEXTS = [
    "在美国337调查中，被诉企业收到普遍排除令后还有哪些救济途径？",
    "How should a Chinese company respond to an anti-suit injunction in an SEP dispute?",
    "跨境诉讼中，境外法院要求提供存放在国内的证据，如何兼顾数据出境合规？",
    "欧洲统一专利法院（UPC）的临时禁令程序与德国法院相比有何不同？",
    "When a licensee stops paying royalties, is WIPO mediation a realistic first step?",
]


def _state(n: int) -> str:
    if n % 15 == 7:
        return QuestionState.ANSWERED
    return QuestionState.HIDDEN if n % 30 == 11 else QuestionState.OPEN


@transaction.atomic
def question_queue_of(
    program: Program, lawyers: list[Participant], demo_lawyer: Participant, teacher
) -> TrainingSession:
    now = timezone.now()
    seminar = program.sessions.filter(title_zh=TITLE).first()
    if seminar is not None:
        TrainingSession.objects.filter(pk=seminar.pk).update(
            starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(minutes=90)
        )
        return seminar
    room = [demo_lawyer, *[p for p in lawyers if p.pk != demo_lawyer.pk][: SEATED - 1]]
    seminar = TrainingSession.objects.create(
        program=program, title_zh=TITLE, format="seminar", venue=program.sessions.first().venue, capacity=SEATED,
        seats_taken=len(room), credit_hours=2, starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(minutes=90),
    )  # fmt: skip
    FacultyAssignment.objects.create(session=seminar, faculty=Faculty.objects.get(user=teacher))
    Enrolment.objects.bulk_create(
        [Enrolment(participant=p, session=seminar, state="confirmed", confirmed_at=now) for p in room]
    )
    asked = Question.objects.bulk_create(
        [
            Question(
                session=seminar, author=room[n * 2 % len(room)], text=f"{TEXTS[n % len(TEXTS)]}（{n + 1}）",
                anonymous=n % 4 == 0, created_at=now - timedelta(minutes=25) + timedelta(seconds=8 * n),
                state=_state(n),
                answered_at=now if n % 15 == 7 else None,
            )
            for n in range(QUESTIONS)
        ]
    )  # fmt: skip
    votes = []
    for n, voter in enumerate(room):
        # Popular questions draw more: each lawyer's ten from the first third more often than the rest.
        picks = [asked[(n * 7 + k * k * 3) % (QUESTIONS // 3 if k < 6 else QUESTIONS)] for k in range(VOTES_EACH * 2)]
        mine = set()
        for question in picks:
            if question.author_id != voter.pk and question.pk not in mine and len(mine) < VOTES_EACH:
                mine.add(question.pk)
                votes.append(Vote(question=question, participant=voter, created_at=now))
    Vote.objects.bulk_create(votes, ignore_conflicts=True)
    counted = Vote.objects.filter(question=OuterRef("pk")).order_by().values("question").annotate(n=Count("pk"))
    Question.objects.filter(session=seminar).update(votes=Coalesce(Subquery(counted.values("n")), 0))
    return seminar
