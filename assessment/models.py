"""Assessment (#17): assignments on a program or one of its sessions, the lawyers' submissions and their grades.

A submission holds its current grade; every grade given, changed or moderated is kept as a GradeChange."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.files import stored_name
from participants.models import Participant
from sessions.models import Bilingual, Program, TrainingSession, bilingual


class AssignmentKind(models.TextChoices):
    CASE_REPORT = "case_report", _("Case analysis report")
    REFLECTION = "reflection", _("Reflection essay")
    MOCK_BRIEF = "mock_brief", _("Mock-court brief")
    # Nothing is handed in: the bench's scores of a mock court or case study become the grades (practice, #18).
    HEARING = "hearing", _("Scored at the hearing")
    OTHER = "other", _("Other")


class Assignment(Bilingual, models.Model):
    """Work the lawyers of a program (or those seated in one of its sessions) hand in by a due time."""

    # "assignments" of a session are its faculty's (sessions.FacultyAssignment): these are its coursework.
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="coursework")
    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coursework",
        verbose_name=_("session"),
        help_text=_("Empty: every lawyer admitted to the program; else the lawyers seated in the session."),
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    brief_zh = models.TextField(_("brief (Chinese)"), max_length=5000, blank=True)
    brief_en = models.TextField(_("brief (English)"), max_length=5000, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=AssignmentKind.choices, default=AssignmentKind.OTHER)
    opens_at = models.DateTimeField(_("opens at"))
    due_at = models.DateTimeField(_("due at"))
    late_until = models.DateTimeField(
        _("late work accepted until"),
        null=True,
        blank=True,
        help_text=_("Empty: nothing is accepted after the due time."),
    )
    max_score = models.DecimalField(
        _("maximum score"), max_digits=5, decimal_places=1, default=Decimal(100), validators=[MinValueValidator(1)]
    )
    pass_mark = models.DecimalField(
        _("pass mark"), max_digits=5, decimal_places=1, default=Decimal(60), validators=[MinValueValidator(0)]
    )
    required = models.BooleanField(
        _("required for completion"), default=False, help_text=_("Lawyers complete the program only once it is passed.")
    )
    graders = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assignments_to_grade",
        verbose_name=_("graders"),
        help_text=_("Empty: the session's faculty grade (the administrators always may)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["program", "due_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(due_at__gt=F("opens_at")), name="assignment_due_after_opening"),
            models.CheckConstraint(
                condition=Q(late_until__isnull=True) | Q(late_until__gt=F("due_at")),
                name="assignment_late_after_due",
            ),
            models.CheckConstraint(condition=Q(pass_mark__lte=F("max_score")), name="assignment_pass_within_max"),
        ]

    def __str__(self):
        return self.title

    title = bilingual("title")
    brief = bilingual("brief")

    def clean(self):
        errors = {}
        if self.session_id and self.program_id and self.session.program_id != self.program_id:
            errors["session"] = _("Choose a session of this program.")
        if self.opens_at and self.due_at and self.due_at <= self.opens_at:
            errors["due_at"] = _("The due time comes after the opening.")
        if self.due_at and self.late_until and self.late_until <= self.due_at:
            errors["late_until"] = _("Late work is accepted after the due time: choose a later time, or none.")
        if self.pass_mark is not None and self.max_score is not None and self.pass_mark > self.max_score:
            errors["pass_mark"] = _("The pass mark is at most the maximum score.")
        if errors:
            raise ValidationError(errors)

    @property
    def takes_work(self) -> bool:
        """Whether lawyers hand anything in: a hearing's grades come from the bench's scores."""
        return self.kind != AssignmentKind.HEARING

    def accepts_at(self, at) -> bool:
        return self.takes_work and self.opens_at <= at < (self.late_until or self.due_at)

    def is_late_at(self, at) -> bool:
        return at >= self.due_at


class Criterion(Bilingual, models.Model):
    """One line of an assignment's rubric: what is judged and the points it carries."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="criteria")
    title_zh = models.CharField(_("criterion (Chinese)"), max_length=200)
    title_en = models.CharField(_("criterion (English)"), max_length=200, blank=True)
    max_points = models.DecimalField(
        _("points"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["assignment", "position", "pk"]

    def __str__(self):
        return self.title

    title = bilingual("title")


def _stored_name(submission, filename: str) -> str:
    """Names on disk are ours: the assignment, a random name and the checked extension."""
    return stored_name(f"submissions/{submission.assignment_id}", filename)


class Submission(models.Model):
    """A lawyer's work for an assignment (a text, a file or both), replaced until the due time, and its grade."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="submissions")
    text = models.TextField(_("text"), max_length=20000, blank=True)
    file = models.FileField(upload_to=_stored_name, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content_type = models.CharField(_("type"), max_length=120, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    late = models.BooleanField(_("late"), default=False)
    # Handed in for a group (groups.py): each member's submission holds the same work, and takes the same grade.
    group_key = models.CharField(max_length=40, blank=True)
    # The grade as it stands (each one given is also a GradeChange).
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    criteria_scores = models.JSONField(default=dict, blank=True)  # criterion id (as text) → points
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["assignment", "submitted_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["assignment", "participant"], name="one_submission_each")]
        # And on PostgreSQL, the grader's queue in its order (migrations/0002_submission_queue_idx.py).
        indexes = [models.Index(fields=["participant", "assignment"], name="submission_lawyer_idx")]

    def __str__(self):
        return f"{self.assignment} · {self.participant}"

    @property
    def is_graded(self) -> bool:
        return self.score is not None

    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.assignment.pass_mark


class GradeChange(models.Model):
    """Every grade a submission was given: by its grader, changed, or moderated by a second grader."""

    class Kind(models.TextChoices):
        GRADED = "graded", _("Graded")
        REGRADED = "regraded", _("Grade changed")
        MODERATED = "moderated", _("Moderated")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="grade_changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    criteria_scores = models.JSONField(default=dict, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")
        ordering = ["submission", "changed_at", "pk"]

    def __str__(self):
        return f"{self.submission} ← {self.score}"
