"""What the answers add up to: per session, per faculty member, per topic and format, and response rates.

No figure drawn from fewer than MIN_ANSWERS answer sheets is given: a `Figure` below the threshold carries its
count only, and every page, export and panel shows "fewer than 5 answers" in its place. Comments come in the
sheets' random order, without names or provinces (the sheets hold none).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Avg, Count, QuerySet
from django.utils import timezone, translation

from participants.models import Admission, AdmissionState
from sessions.models import Faculty, FacultyAssignment, SessionFormat, SessionStatus, TrainingSession, in_language

from . import services
from .models import MIN_ANSWERS, Answer, Question, QuestionKind, Questionnaire, QuestionnaireKind, Response


@dataclass
class Figure:
    """A rating's figures from `n` answer sheets; `shown` is False below the threshold, and then the figures are
    left empty (never computed into anything shown)."""

    n: int
    average: float | None = None
    distribution: list[int] = field(default_factory=list)  # how many gave 1, 2, 3, 4, 5

    @property
    def shown(self) -> bool:
        return self.n >= MIN_ANSWERS

    @classmethod
    def of(cls, counts: dict[int, int], n: int | None = None) -> Figure:
        """From {rating: answers}; `n`, the answer sheets behind them, when it is not their sum."""
        total = sum(counts.values())
        n = total if n is None else n
        if n < MIN_ANSWERS or not total:
            return cls(n=n)
        distribution = [counts.get(rating, 0) for rating in range(1, 6)]
        average = sum(rating * count for rating, count in counts.items()) / total
        return cls(n=n, average=round(average, 2), distribution=distribution)


@dataclass
class QuestionResult:
    question: Question
    figure: Figure | None = None  # a rating
    choices: list[tuple[str, int]] = field(default_factory=list)  # (choice, answers) when shown
    comments: list[str] = field(default_factory=list)
    comments_total: int = 0
    faculty: list[tuple[Faculty, Figure]] = field(default_factory=list)
    n: int = 0

    @property
    def shown(self) -> bool:
        return self.n >= MIN_ANSWERS


def question_results(questionnaire: Questionnaire, session: TrainingSession | None) -> list[QuestionResult]:
    """Each question's results for one session (a program questionnaire: session None)."""
    return results_by_session(questionnaire, [session])[session.pk if session else None]


def results_by_session(questionnaire: Questionnaire, sessions: list) -> dict[int | None, list[QuestionResult]]:
    """Each question's results for each of the sessions (by id; None: the program's), in four queries."""
    questions = list(questionnaire.questions.all())
    keys = [s.pk if s else None for s in sessions]
    answers = Answer.objects.filter(response__questionnaire=questionnaire)
    if None not in keys:
        answers = answers.filter(response__session__in=keys)
    ratings: dict[tuple, Counter] = defaultdict(Counter)
    for session_id, question_id, faculty_id, rating, n in (
        answers.filter(rating__isnull=False)
        .values_list("response__session", "question", "faculty", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        ratings[(session_id, question_id, faculty_id)][rating] += n
    choice_counts: dict[tuple, Counter] = defaultdict(Counter)
    answered: Counter = Counter()
    others = answers.filter(faculty__isnull=True, rating__isnull=True)
    # Counted by the set of choices given (a handful of sets, however many answered), then choice by choice.
    for session_id, question_id, choices, n in (
        others.values_list("response__session", "question", "choices").annotate(n=Count("pk")).order_by()
    ):
        answered[(session_id, question_id)] += n
        for choice in choices:
            choice_counts[(session_id, question_id)][choice] += n
    comments: dict[tuple, list[str]] = defaultdict(list)
    for session_id, question_id, text in others.exclude(text="").values_list("response__session", "question", "text"):
        comments[(session_id, question_id)].append(text)
    people: dict[int, list[Faculty]] = defaultdict(list)
    if any(q.kind == QuestionKind.FACULTY for q in questions) and any(keys):
        for assignment in FacultyAssignment.objects.filter(session__in=[k for k in keys if k]).select_related(
            "faculty"
        ):
            people[assignment.session_id].append(assignment.faculty)
    found = {}
    for key in keys:
        results = []
        for question in questions:
            result = QuestionResult(question)
            if question.kind == QuestionKind.RATING:
                result.figure = Figure.of(ratings[(key, question.pk, None)])
                result.n = result.figure.n
            elif question.kind == QuestionKind.FACULTY:
                result.faculty = [(p, Figure.of(ratings[(key, question.pk, p.pk)])) for p in people[key]]
                result.n = max((figure.n for _p, figure in result.faculty), default=0)
            else:
                result.n = answered[(key, question.pk)]
                if result.shown:
                    counted = choice_counts[(key, question.pk)]
                    result.choices = [(label, counted[i]) for i, label in enumerate(question.choice_labels())]
                    result.comments = comments[(key, question.pk)]
                    result.comments_total = len(result.comments)
            results.append(result)
        found[key] = results
    return found


@dataclass
class SessionRow:
    session: TrainingSession | None
    answered: int
    seated: int
    figure: Figure  # every rating question's answers together (not the faculty's)
    is_open: bool
    closes_at: datetime

    @property
    def rate(self) -> float | None:
        return round(100 * self.answered / self.seated) if self.seated else None


def sessions_of(questionnaire: Questionnaire, at: datetime | None = None) -> QuerySet[TrainingSession]:
    """The sessions it has been asked after (ended), the latest first (none for a program questionnaire)."""
    if questionnaire.kind == QuestionnaireKind.PROGRAM:
        return TrainingSession.objects.none()
    at = at or timezone.now()
    sessions = TrainingSession.objects.filter(
        program=questionnaire.program_id, status=SessionStatus.SCHEDULED, ends_at__lte=at
    ).select_related("topic")
    if questionnaire.formats:
        sessions = sessions.filter(format__in=questionnaire.formats)
    return sessions.order_by("-ends_at", "pk")


def session_rows(questionnaire: Questionnaire, at: datetime | None = None, *, sessions=None) -> list[SessionRow]:
    """Each session's response rate and overall rating (a program questionnaire: one row, session None): of
    `sessions` (a page of sessions_of), or of every session asked about."""
    at = at or timezone.now()
    responses = Response.objects.filter(questionnaire=questionnaire)
    ratings = Answer.objects.filter(response__questionnaire=questionnaire, question__kind=QuestionKind.RATING)
    if questionnaire.kind == QuestionnaireKind.PROGRAM:
        sessions = [None]
        admitted = Admission.objects.filter(program=questionnaire.program_id, state=AdmissionState.ADMITTED)
        seated = {None: admitted.count()}
    else:
        sessions = list(sessions_of(questionnaire, at) if sessions is None else sessions)
        seated = {session.pk: session.seats_taken for session in sessions}  # the confirmed seats, as stored
        responses = responses.filter(session__in=sessions)
        ratings = ratings.filter(response__session__in=sessions)
    answered = dict(responses.values_list("session").annotate(n=Count("pk")).order_by())
    overall = {key: figure for (key,), figure in _overall(ratings, "response__session").items()}
    rows = []
    for session in sessions:
        key = session.pk if session else None
        rows.append(
            SessionRow(
                session=session,
                answered=answered.get(key, 0),
                seated=seated.get(key, 0),
                figure=overall.get(key, Figure(n=0)),
                is_open=services.is_open(questionnaire, session, at),
                closes_at=services.closes_at(questionnaire, session),
            )
        )
    return rows


def _overall(answers, *keys: str) -> dict:
    """(the keys' values) → the average of the answers grouped by them, from how many answer sheets (shown from
    MIN_ANSWERS on); with one key, its value alone."""
    rows = answers.values(*keys).annotate(average=Avg("rating"), n=Count("response", distinct=True)).order_by()
    found = {}
    for row in rows:
        n = row["n"]
        shown = n >= MIN_ANSWERS
        figure = Figure(n=n, average=round(row["average"], 2) if shown else None)
        found[tuple(row[key] for key in keys) if len(keys) > 1 else (row[keys[0]],)] = figure
    return found


def by_topic_and_format(program) -> tuple[list[tuple[str, Figure]], list[tuple[str, Figure]]]:
    """Every session rating of the program (not the faculty's), by topic and by format."""
    language = translation.get_language()
    answers = Answer.objects.filter(
        response__questionnaire__program=program, response__session__isnull=False, question__kind=QuestionKind.RATING
    )
    topics = _overall(answers, "response__session__topic__name_zh", "response__session__topic__name_en")
    by_topic = [(in_language(zh or "", en or "", language) or "—", figure) for (zh, en), figure in topics.items()]
    labels = dict(SessionFormat.choices)
    formats = _overall(answers, "response__session__format")
    by_format = [(str(labels.get(key, key)), figure) for (key,), figure in formats.items()]
    return sorted(by_topic, key=lambda row: row[0]), sorted(by_format, key=lambda row: row[0])


@dataclass
class FacultyRow:
    name: str
    figure: Figure
    sessions: int


def by_faculty(program) -> list[FacultyRow]:
    """Each faculty member's ratings across the program's sessions."""
    language = translation.get_language()
    rows = (
        Answer.objects.filter(response__questionnaire__program=program, faculty__isnull=False)
        .values("faculty", "faculty__name_zh", "faculty__name_en")
        .annotate(
            average=Avg("rating"),
            n=Count("response", distinct=True),
            sessions=Count("response__session", distinct=True),
        )
        .order_by()
    )
    found = []
    for row in rows:
        shown = row["n"] >= MIN_ANSWERS
        figure = Figure(n=row["n"], average=round(row["average"], 2) if shown else None)
        name = in_language(row["faculty__name_zh"], row["faculty__name_en"], language)
        found.append(FacultyRow(name, figure, row["sessions"]))
    return sorted(found, key=lambda row: row.name)


@dataclass
class FacultySession:
    title: str
    starts_at: datetime
    figure: Figure


def faculty_own(faculty: Faculty, at: datetime | None = None) -> list[FacultySession]:
    """A faculty member's ratings session by session, only for questionnaires that have closed, the latest
    first: what they see on their portal (one query)."""
    at = at or timezone.now()
    language = translation.get_language()
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for *key, rating, n in (
        Answer.objects.filter(faculty=faculty, response__session__isnull=False)
        .values_list(
            "response__questionnaire",
            "response__questionnaire__open_days",
            "response__session",
            "response__session__title_zh",
            "response__session__title_en",
            "response__session__starts_at",
            "response__session__ends_at",
            "rating",
        )
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[tuple(key)][rating] += n
    found = []
    for (_q, open_days, _s, title_zh, title_en, starts_at, ends_at), ratings in counts.items():
        if ends_at + timedelta(days=open_days) <= at:
            found.append(FacultySession(in_language(title_zh, title_en, language), starts_at, Figure.of(ratings)))
    return sorted(found, key=lambda row: row.starts_at, reverse=True)
