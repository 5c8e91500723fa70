"""What lawyers think of sessions, faculty and the program: questionnaires, and answer sheets kept apart from who
answered them.

Anonymity: what is and is not protected.
- An answer sheet (`Response`) and its answers hold no link to the lawyer: no participant, no user, no province, no
  time finer than the date, and random (UUID) primary keys on both, so neither their keys nor their order can be
  matched with the "has answered" rows (`Answered`), which are used only to count and to remind.
- Not protected: a person with the database's files or its write-ahead log could match rows by their physical
  order; the web server's request log says who sent the answer page and when, so a sheet that is the only one of
  its session on its date can be matched with it by someone who reads both; a lawyer who writes their own name in
  a comment names themselves; and a session where few answered says more about each of them, which is why no
  figure drawn from fewer than MIN_ANSWERS answers is shown anywhere (evaluations.results).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from participants.models import Participant
from sessions.models import Bilingual, Faculty, Program, SessionFormat, TrainingSession, bilingual, in_language

# No figure drawn from fewer answers than this is shown.
MIN_ANSWERS = 5


class QuestionnaireKind(models.TextChoices):
    SESSION = "session", _("After each session")
    PROGRAM = "program", _("At the program's end")


class Questionnaire(Bilingual, models.Model):
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="questionnaires", verbose_name=_("program")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionnaireKind.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    formats = models.JSONField(
        _("formats"),
        default=list,
        blank=True,
        help_text=_("The session formats it is asked after; none chosen: every session of the program."),
    )
    open_days = models.PositiveSmallIntegerField(
        _("days open"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("It opens when its session (or the program) ends, and closes this many days later."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    title = bilingual("title")

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["kind", "pk"]

    def __str__(self):
        return self.title

    def clean(self):
        unknown = set(self.formats or []) - set(SessionFormat.values)
        if unknown:
            raise ValidationError({"formats": _("Choose formats from the list.")})
        if self.kind == QuestionnaireKind.PROGRAM and self.formats:
            raise ValidationError({"formats": _("A program questionnaire is not asked after sessions.")})

    @property
    def format_labels(self) -> str:
        labels = dict(SessionFormat.choices)
        return ", ".join(str(labels.get(value, value)) for value in self.formats or [])

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.open_days)

    def applies_to(self, session: TrainingSession) -> bool:
        return (
            self.kind == QuestionnaireKind.SESSION
            and session.program_id == self.program_id
            and (not self.formats or session.format in self.formats)
        )


class QuestionKind(models.TextChoices):
    RATING = "rating", _("Rating from 1 to 5")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    TEXT = "text", _("Free text")
    FACULTY = "faculty", _("Rate each faculty member of the session")


class Question(Bilingual, models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("type"), max_length=10, choices=QuestionKind.choices)
    text_zh = models.CharField(_("question (Chinese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    choices_zh = models.TextField(_("choices (Chinese)"), blank=True, help_text=_("For a choice question: one a line."))
    choices_en = models.TextField(_("choices (English)"), blank=True, help_text=_("One a line, in the same order."))
    required = models.BooleanField(_("required"), default=True)

    text = bilingual("text")

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text

    @property
    def has_choices(self) -> bool:
        return self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)

    def choice_labels(self) -> list[str]:
        """The choices in the reader's language (the Chinese where the English is missing)."""
        zh = lines(self.choices_zh)
        en = lines(self.choices_en)
        return [in_language(one, en[i] if i < len(en) else "", translation.get_language()) for i, one in enumerate(zh)]

    def clean(self):
        zh, en = lines(self.choices_zh), lines(self.choices_en)
        if self.has_choices and len(zh) < 2:
            raise ValidationError({"choices_zh": _("Give at least two choices, one a line.")})
        if self.has_choices and en and len(en) != len(zh):
            raise ValidationError({"choices_en": _("Give as many English choices as Chinese ones, or none.")})


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class Answered(models.Model):
    """That a lawyer has answered a questionnaire (for a session): to count and to remind, never to read answers
    by. It holds no link to the answer sheet."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="answered")
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "questionnaire", "session"],
                condition=Q(session__isnull=False),
                name="answered_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["participant", "questionnaire"],
                condition=Q(session__isnull=True),
                name="answered_once_per_program",
            ),
        ]

    def __str__(self):
        return f"{self.participant_id} · {self.questionnaire_id} · {self.session_id}"


class Response(models.Model):
    """One anonymous answer sheet (see the module's docstring)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="responses")
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, null=True, blank=True, related_name="evaluation_responses"
    )
    answered_on = models.DateField(_("answered on"))

    class Meta:
        verbose_name = _("answer sheet")
        verbose_name_plural = _("answer sheets")

    def __str__(self):
        return f"{self.questionnaire_id} · {self.answered_on}"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    faculty = models.ForeignKey(Faculty, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    choices = models.JSONField(default=list, blank=True)  # the chosen choices' indices
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="answer_rating_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.question_id}: {self.rating or self.choices or self.text[:40]}"
