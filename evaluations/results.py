"""What the answers add up to: per session, per faculty member, per topic and format, and response rates.

No figure drawn from fewer than MIN_ANSWERS answer sheets is given: a `Figure` below the threshold carries its
count only, and every page, export and panel shows "fewer than 5 answers" in its place. Comments come in the
sheets' random order, without names or provinces (the sheets hold none).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg, Count
from django.utils import timezone

from participants.models import Enrolment, EnrolmentState
from sessions.models import Faculty, SessionStatus, TrainingSession

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
    faculty: list[tuple[Faculty, Figure]] = field(default_factory=list)
    n: int = 0

    @property
    def shown(self) -> bool:
        return self.n >= MIN_ANSWERS


def question_results(questionnaire: Questionnaire, session: TrainingSession | None) -> list[QuestionResult]:
    """Each question's results for one session (a program questionnaire: session None)."""
    questions = list(questionnaire.questions.all())
    answers = Answer.objects.filter(response__questionnaire=questionnaire, response__session=session)
    ratings: dict[int, Counter] = defaultdict(Counter)
    per_faculty: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for question_id, faculty_id, rating, n in (
        answers.filter(rating__isnull=False).values_list("question", "faculty", "rating").annotate(n=Count("pk"))
    ):
        if faculty_id is None:
            ratings[question_id][rating] += n
        else:
            per_faculty[(question_id, faculty_id)][rating] += n
    choice_counts: dict[int, Counter] = defaultdict(Counter)
    answered: Counter = Counter()
    comments: dict[int, list[str]] = defaultdict(list)
    for question_id, choices, text in answers.filter(faculty__isnull=True, rating__isnull=True).values_list(
        "question", "choices", "text"
    ):
        answered[question_id] += 1
        choice_counts[question_id].update(choices)
        if text:
            comments[question_id].append(text)
    people = {a.faculty_id: a.faculty for a in session.assignments.select_related("faculty")} if session else {}
    results = []
    for question in questions:
        result = QuestionResult(question)
        if question.kind == QuestionKind.RATING:
            result.figure = Figure.of(ratings[question.pk])
            result.n = result.figure.n
        elif question.kind == QuestionKind.FACULTY:
            result.faculty = [
                (person, Figure.of(per_faculty[(question.pk, person_id)])) for person_id, person in people.items()
            ]
            result.n = max((figure.n for _p, figure in result.faculty), default=0)
        else:
            result.n = answered[question.pk]
            if result.shown:
                labels = question.choice_labels()
                result.choices = [(label, choice_counts[question.pk][i]) for i, label in enumerate(labels)]
                result.comments = comments[question.pk]
        results.append(result)
    return results


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


def sessions_of(questionnaire: Questionnaire, at: datetime | None = None) -> list[TrainingSession]:
    """The sessions it has been asked after (ended), the latest first."""
    if questionnaire.kind == QuestionnaireKind.PROGRAM:
        return []
    at = at or timezone.now()
    sessions = TrainingSession.objects.filter(
        program=questionnaire.program_id, status=SessionStatus.SCHEDULED, ends_at__lte=at
    ).select_related("topic")
    if questionnaire.formats:
        sessions = sessions.filter(format__in=questionnaire.formats)
    return list(sessions.order_by("-ends_at", "pk"))


def session_rows(questionnaire: Questionnaire, at: datetime | None = None) -> list[SessionRow]:
    """Each session's response rate and overall rating (a program questionnaire: one row, session None)."""
    at = at or timezone.now()
    if questionnaire.kind == QuestionnaireKind.PROGRAM:
        sessions: list[TrainingSession | None] = [None]
        admitted = Admission.objects.filter(program=questionnaire.program_id, state=AdmissionState.ADMITTED)
        seated = {None: admitted.count()}
    else:
        sessions = sessions_of(questionnaire, at)
        seated = dict(
            Enrolment.objects.filter(session__in=sessions, state=EnrolmentState.CONFIRMED)
            .values_list("session")
            .annotate(n=Count("pk"))
            .order_by()
        )
    answered = dict(
        Response.objects.filter(questionnaire=questionnaire).values_list("session").annotate(n=Count("pk")).order_by()
    )
    overall = _overall(
        Answer.objects.filter(response__questionnaire=questionnaire, question__kind=QuestionKind.RATING),
        "response__session",
    )
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


def _overall(answers, key: str) -> dict:
    """Key → the average of the answers grouped by it, from how many answer sheets (shown from MIN_ANSWERS on)."""
    rows = answers.values(key).annotate(average=Avg("rating"), n=Count("response", distinct=True)).order_by()
    found = {}
    for row in rows:
        n = row["n"]
        shown = n >= MIN_ANSWERS
        found[row[key]] = Figure(n=n, average=round(row["average"], 2) if shown else None)
    return found


def by_topic_and_format(program) -> tuple[list[tuple[str, Figure]], list[tuple[str, Figure]]]:
    """Every session rating of the program (not the faculty's), by topic and by format."""
    from sessions.models import SessionFormat, Topic

    answers = Answer.objects.filter(
        response__questionnaire__program=program, response__session__isnull=False, question__kind=QuestionKind.RATING
    )
    topics = _overall(answers, "response__session__topic")
    names = {t.pk: t.name for t in Topic.objects.filter(pk__in=[k for k in topics if k])}
    by_topic = [(names.get(k, "—"), figure) for k, figure in topics.items()]
    formats = _overall(answers, "response__session__format")
    labels = dict(SessionFormat.choices)
    by_format = [(str(labels.get(k, k)), figure) for k, figure in formats.items()]
    return sorted(by_topic, key=lambda row: row[0]), sorted(by_format, key=lambda row: row[0])


def by_faculty(program) -> list[tuple[Faculty, Figure, int]]:
    """Each faculty member's ratings across the program's sessions: (faculty, figure, sessions rated)."""
    rows = (
        Answer.objects.filter(response__questionnaire__program=program, faculty__isnull=False)
        .values("faculty")
        .annotate(
            average=Avg("rating"),
            n=Count("response", distinct=True),
            sessions=Count("response__session", distinct=True),
        )
        .order_by()
    )
    people = Faculty.objects.in_bulk([row["faculty"] for row in rows])
    found = []
    for row in rows:
        shown = row["n"] >= MIN_ANSWERS
        figure = Figure(n=row["n"], average=round(row["average"], 2) if shown else None)
        found.append((people[row["faculty"]], figure, row["sessions"]))
    return sorted(found, key=lambda row: row[0].name)


@dataclass
class FacultySession:
    session: TrainingSession
    figure: Figure


def faculty_own(faculty: Faculty, at: datetime | None = None) -> list[FacultySession]:
    """A faculty member's ratings session by session, only for questionnaires that have closed, the latest
    first: what they see on their portal."""
    at = at or timezone.now()
    counts: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for questionnaire_id, session_id, rating, n in (
        Answer.objects.filter(faculty=faculty)
        .values_list("response__questionnaire", "response__session", "rating")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[(questionnaire_id, session_id)][rating] += n
    questionnaires = Questionnaire.objects.in_bulk({q for q, _s in counts})
    sessions = TrainingSession.objects.select_related("program").in_bulk({s for _q, s in counts})
    found = []
    for (questionnaire_id, session_id), ratings in counts.items():
        session = sessions[session_id]
        if services.has_closed(questionnaires[questionnaire_id], session, at):
            found.append(FacultySession(session, Figure.of(ratings)))
    return sorted(found, key=lambda row: row.session.starts_at, reverse=True)
