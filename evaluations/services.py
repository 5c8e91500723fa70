"""Questionnaires: when each is open to whom, answering it once, and reminding those who have not.

A session questionnaire is asked after every session of its program (or of the formats it names): it opens when
the session ends and closes `open_days` later. A program questionnaire opens when the program's last day ends.
Who may answer: a lawyer with a confirmed seat in the session (a program questionnaire: a lawyer admitted to the
program), once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from participants.models import Admission, AdmissionState, Enrolment, EnrolmentState, Participant
from sessions.models import Program, SessionStatus, TrainingSession

from .models import Answer, Answered, Question, QuestionKind, Questionnaire, QuestionnaireKind, Response


# --- when ------------------------------------------------------------------------------------------------
def program_ends_at(program: Program) -> datetime:
    """The end of the program's last day, in Beijing time."""
    return timezone.make_aware(datetime.combine(program.ends_on + timedelta(days=1), time.min))


def opens_at(questionnaire: Questionnaire, session: TrainingSession | None) -> datetime:
    if questionnaire.kind == QuestionnaireKind.PROGRAM:
        return program_ends_at(questionnaire.program)
    return session.ends_at


def closes_at(questionnaire: Questionnaire, session: TrainingSession | None) -> datetime:
    return opens_at(questionnaire, session) + questionnaire.window


def is_open(questionnaire: Questionnaire, session: TrainingSession | None, at: datetime | None = None) -> bool:
    at = at or timezone.now()
    return opens_at(questionnaire, session) <= at < closes_at(questionnaire, session)


def has_closed(questionnaire: Questionnaire, session: TrainingSession | None, at: datetime | None = None) -> bool:
    return closes_at(questionnaire, session) <= (at or timezone.now())


def remind_at(questionnaire: Questionnaire, session: TrainingSession | None) -> datetime:
    """A day after it opens (halfway through a shorter window)."""
    return opens_at(questionnaire, session) + min(timedelta(days=1), questionnaire.window / 2)


# --- building --------------------------------------------------------------------------------------------
@transaction.atomic
def questionnaire_save(*, questionnaire: Questionnaire, questions: list[Question], deleted: list[Question] = ()):
    """Save a questionnaire and its questions (in the order given); once it has answers, its questions are kept
    as they were answered."""
    if questionnaire.kind == QuestionnaireKind.PROGRAM and any(q.kind == QuestionKind.FACULTY for q in questions):
        raise ValidationError(
            {"kind": _("A program questionnaire cannot ask to rate each faculty member of a session.")}
        )
    if questionnaire.pk and questionnaire.responses.exists():
        before = Questionnaire.objects.get(pk=questionnaire.pk)
        changed = bool(deleted) or any(q.pk is None or _question_changed(q) for q in questions)
        if changed or before.kind != questionnaire.kind or before.formats != questionnaire.formats:
            raise ValidationError(_("It has answers already: its kind, formats and questions can no longer change."))
    questionnaire.full_clean()
    questionnaire.save()
    for question in deleted:
        if question.pk:
            question.delete()
    for position, question in enumerate(questions, start=1):
        question.questionnaire = questionnaire
        question.position = position
        question.full_clean()
        question.save()
    return questionnaire


def _question_changed(question: Question) -> bool:
    saved = Question.objects.filter(pk=question.pk).values().first()
    if saved is None:
        return True
    fields = ("kind", "text_zh", "text_en", "choices_zh", "choices_en", "required")
    return any(saved[name] != getattr(question, name) for name in fields)


# --- who answers what ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Due:
    questionnaire: Questionnaire
    session: TrainingSession | None
    closes_at: datetime

    @property
    def url(self) -> str:
        return answer_url(self.questionnaire, self.session)


def answer_url(questionnaire: Questionnaire, session: TrainingSession | None) -> str:
    if session is None:
        return reverse("evaluations:answer_program", args=[questionnaire.pk])
    return reverse("evaluations:answer_session", args=[questionnaire.pk, session.pk])


def may_answer(participant: Participant, questionnaire: Questionnaire, session: TrainingSession | None) -> bool:
    """The lawyer is one of those asked (open or not, answered or not)."""
    if questionnaire.kind == QuestionnaireKind.PROGRAM:
        return (
            session is None
            and Admission.objects.filter(
                participant=participant, program_id=questionnaire.program_id, state=AdmissionState.ADMITTED
            ).exists()
        )
    return (
        session is not None
        and session.status == SessionStatus.SCHEDULED
        and questionnaire.applies_to(session)
        and Enrolment.objects.filter(participant=participant, session=session, state=EnrolmentState.CONFIRMED).exists()
    )


def has_answered(participant: Participant, questionnaire: Questionnaire, session: TrainingSession | None) -> bool:
    return Answered.objects.filter(participant=participant, questionnaire=questionnaire, session=session).exists()


LONGEST_WINDOW = timedelta(days=90)  # Questionnaire.open_days's limit


def due_for(participant: Participant, at: datetime | None = None) -> list[Due]:
    """The questionnaires open to the lawyer now that they have not answered, the soonest to close first."""
    at = at or timezone.now()
    found: list[Due] = []
    seats = (
        Enrolment.objects.filter(
            participant=participant,
            state=EnrolmentState.CONFIRMED,
            session__status=SessionStatus.SCHEDULED,
            session__ends_at__lte=at,
            session__ends_at__gt=at - LONGEST_WINDOW,
        )
        .select_related("session__program")
        .order_by()
    )
    sessions = [seat.session for seat in seats]
    admitted = set(
        Admission.objects.filter(participant=participant, state=AdmissionState.ADMITTED).values_list(
            "program_id", flat=True
        )
    )
    programs = {s.program_id for s in sessions} | admitted
    questionnaires = list(Questionnaire.objects.filter(program__in=programs).select_related("program"))
    answered = set(
        Answered.objects.filter(participant=participant, questionnaire__in=questionnaires).values_list(
            "questionnaire_id", "session_id"
        )
    )
    for questionnaire in questionnaires:
        if questionnaire.kind == QuestionnaireKind.PROGRAM:
            candidates = [None] if questionnaire.program_id in admitted else []
        else:
            candidates = [s for s in sessions if questionnaire.applies_to(s)]
        for session in candidates:
            if (questionnaire.pk, session.pk if session else None) in answered:
                continue
            if is_open(questionnaire, session, at):
                found.append(Due(questionnaire, session, closes_at(questionnaire, session)))
    found.sort(key=lambda due: due.closes_at)
    return found


# --- answering -------------------------------------------------------------------------------------------
def answer_submit(
    *,
    questionnaire: Questionnaire,
    session: TrainingSession | None,
    participant: Participant,
    values: dict[int, object],
    at: datetime | None = None,
) -> Response:
    """Store one answer sheet, without the lawyer; and, apart from it, that they answered. A second answer (two
    tabs, a double tap) is refused and changes nothing.

    `values`: question id → a rating (1–5), a choice's index, a list of indices, a text, or (rating each faculty
    member) faculty id → rating."""
    at = at or timezone.now()
    if not may_answer(participant, questionnaire, session):
        raise ValidationError(_("This questionnaire is not yours to answer."))
    if not is_open(questionnaire, session, at):
        raise ValidationError(_("This questionnaire is not open."))
    questions = list(questionnaire.questions.all())
    answers = _answers(questions, values, _faculty_of(session))
    try:
        with transaction.atomic():
            # The "has answered" row first: its unique constraint makes a second sheet wait, then fail.
            Answered.objects.create(participant=participant, questionnaire=questionnaire, session=session)
            response = Response.objects.create(
                questionnaire=questionnaire, session=session, answered_on=timezone.localdate(at)
            )
            for answer in answers:
                answer.response = response
            Answer.objects.bulk_create(answers)
    except IntegrityError:
        raise ValidationError(_("You have answered this questionnaire already.")) from None
    return response


def _faculty_of(session: TrainingSession | None) -> list:
    if session is None:
        return []
    return [assignment.faculty for assignment in session.assignments.select_related("faculty")]


def faculty_field(question: Question, faculty_pk: int) -> str:
    return f"q{question.pk}_f{faculty_pk}"


def question_field(question: Question) -> str:
    return f"q{question.pk}"


def _answers(questions: list[Question], values: dict, faculty: list) -> list[Answer]:
    """The answers to store; a missing required answer or a value out of range is refused, naming the field."""
    errors: dict[str, str] = {}
    answers: list[Answer] = []
    for question in questions:
        value = values.get(question.pk)
        name = question_field(question)
        if question.kind == QuestionKind.FACULTY:
            given = value if isinstance(value, dict) else {}
            for person in faculty:
                rating = given.get(person.pk)
                if rating in (None, ""):
                    if question.required:
                        errors[faculty_field(question, person.pk)] = _("Rate %(name)s.") % {"name": person.name}
                    continue
                if not _is_rating(rating):
                    errors[faculty_field(question, person.pk)] = _("Choose a rating from 1 to 5.")
                    continue
                answers.append(Answer(question=question, faculty=person, rating=int(rating)))
            continue
        if value in (None, "", []):
            if question.required:
                errors[name] = _("This question needs an answer.")
            continue
        if question.kind == QuestionKind.RATING:
            if not _is_rating(value):
                errors[name] = _("Choose a rating from 1 to 5.")
            else:
                answers.append(Answer(question=question, rating=int(value)))
        elif question.kind == QuestionKind.TEXT:
            answers.append(Answer(question=question, text=str(value).strip()[:2000]))
        else:
            count = len(question.choice_labels())
            chosen = value if isinstance(value, list | tuple) else [value]
            try:
                indices = sorted({int(i) for i in chosen})
            except (TypeError, ValueError):
                indices = [-1]
            if any(i < 0 or i >= count for i in indices) or (question.kind == QuestionKind.SINGLE and len(indices) > 1):
                errors[name] = _("Choose from the choices given.")
            else:
                answers.append(Answer(question=question, choices=indices))
    if errors:
        raise ValidationError(errors)
    return answers


def _is_rating(value) -> bool:
    try:
        return 1 <= int(value) <= 5 and str(int(value)) == str(value).strip()
    except (TypeError, ValueError):
        return False


# --- reminding -------------------------------------------------------------------------------------------
def remind_unanswered(at: datetime | None = None) -> int:
    """Remind once (each lawyer, questionnaire and session) the lawyers who have not answered a questionnaire a
    day after it opened, while it is still open. Safe to run twice: the notice's de-duplication key."""
    at = at or timezone.now()
    sent = 0
    for questionnaire in Questionnaire.objects.select_related("program"):
        if questionnaire.kind == QuestionnaireKind.PROGRAM:
            if not (remind_at(questionnaire, None) <= at < closes_at(questionnaire, None)):
                continue
            lawyers = Participant.objects.filter(
                admissions__program=questionnaire.program_id, admissions__state=AdmissionState.ADMITTED
            )
            sent += _remind(questionnaire, None, lawyers)
            continue
        sessions = TrainingSession.objects.filter(
            program=questionnaire.program_id,
            status=SessionStatus.SCHEDULED,
            ends_at__lte=at - min(timedelta(days=1), questionnaire.window / 2),
            ends_at__gt=at - questionnaire.window,
        )
        for session in sessions:
            if questionnaire.applies_to(session):
                lawyers = Participant.objects.filter(
                    enrolments__session=session, enrolments__state=EnrolmentState.CONFIRMED
                )
                sent += _remind(questionnaire, session, lawyers)
    return sent


def _remind(questionnaire: Questionnaire, session: TrainingSession | None, lawyers) -> int:
    done = Answered.objects.filter(questionnaire=questionnaire, session=session).values("participant")
    link = answer_url(questionnaire, session)
    sent = 0
    for lawyer in lawyers.exclude(pk__in=done).exclude(user__isnull=True).select_related("user"):
        key = f"evaluation:{questionnaire.pk}:{session.pk if session else 0}:{lawyer.pk}"
        context = {
            "questionnaire": questionnaire,
            "session": session,
            "closes_at": closes_at(questionnaire, session),
        }
        notify(lawyer.user, "evaluation_reminder", context, dedup_key=key, link=link)
        sent += 1
    return sent
