"""Programs, topics, venues, training sessions, the faculty directory and faculty assignments."""

import secrets
import uuid
from decimal import Decimal
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

slug_validator = RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", _("Use lower-case letters, digits and hyphens."))


class Bilingual:
    """`obj.tr("name")` is name_en in English (when filled in) and name_zh otherwise."""

    def tr(self, field: str) -> str:
        return in_language(getattr(self, f"{field}_zh"), getattr(self, f"{field}_en"), translation.get_language())


def in_language(zh: str, en: str, language: str) -> str:
    """Bilingual.tr's choice, for values read without their row (a long list's values_list, its language asked once)."""
    return (en or zh) if language == "en" else (zh or en)


def bilingual(field: str) -> property:
    """A read-only attribute in the reader's language, e.g. `name = bilingual("name")`."""
    return property(lambda self: self.tr(field), doc=f"{field}_zh or {field}_en, by language")


# participants.models.EnrolmentState's values, which sessions (below participants) may not import; the layer
# test (tests/platform/test_layers.py) pins them to the enum.
SEATED, WAITING = "confirmed", "waitlisted"


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class ProgramQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.is_administrator:
            return self
        return self.exclude(status=ProgramStatus.DRAFT)


class Program(Bilingual, models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True, validators=[slug_validator])
    code = models.CharField(
        _("code"), max_length=12, help_text=_("Short code used in certificate serial numbers, e.g. FIPR.")
    )
    organisers_zh = models.CharField(_("organisers (Chinese)"), max_length=300)
    organisers_en = models.CharField(_("organisers (English)"), max_length=300, blank=True)
    city_zh = models.CharField(_("city (Chinese)"), max_length=60)
    city_en = models.CharField(_("city (English)"), max_length=60, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    enrolment_opens_at = models.DateTimeField(_("enrolment opens"), null=True, blank=True)
    enrolment_closes_at = models.DateTimeField(_("enrolment closes"), null=True, blank=True)
    required_attendance_share = models.DecimalField(
        _("share of required sessions to attend"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("A share between 0 and 1: 0.80 means eight in ten required sessions."),
    )
    min_credit_hours = models.DecimalField(
        _("minimum credit hours"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    checkin_opens_minutes = models.PositiveSmallIntegerField(
        _("check-in opens (minutes before the start)"), default=30, validators=[MaxValueValidator(240)]
    )
    checkin_late_minutes = models.PositiveSmallIntegerField(
        _("late after (minutes after the start)"),
        default=10,
        validators=[MaxValueValidator(240)],
        help_text=_("Lawyers who check in later than this are recorded as late."),
    )
    checkin_closes_minutes = models.PositiveSmallIntegerField(
        _("check-in closes (minutes after the start)"), default=60, validators=[MaxValueValidator(480)]
    )
    status = models.CharField(_("status"), max_length=10, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT)
    # Bumped on every change to the program's timetable: cache keys and calendar feeds follow it.
    schedule_version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    name = bilingual("name")
    organisers = bilingual("organisers")
    city = bilingual("city")
    description = bilingual("description")

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="program_ends_after_start"),
            models.CheckConstraint(
                condition=Q(required_attendance_share__gte=0, required_attendance_share__lte=1),
                name="program_share_between_0_and_1",
            ),
            models.CheckConstraint(condition=Q(min_credit_hours__gte=0), name="program_credit_hours_not_negative"),
            models.CheckConstraint(
                condition=Q(enrolment_opens_at__isnull=True)
                | Q(enrolment_closes_at__isnull=True)
                | Q(enrolment_closes_at__gt=models.F("enrolment_opens_at")),
                name="program_enrolment_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(checkin_closes_minutes__gte=models.F("checkin_late_minutes")),
                name="program_checkin_closes_after_late",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The last day cannot be before the first day.")
        if self.enrolment_opens_at and self.enrolment_closes_at and self.enrolment_closes_at <= self.enrolment_opens_at:
            errors["enrolment_closes_at"] = _("Enrolment must close after it opens.")
        late, closes = self.checkin_late_minutes, self.checkin_closes_minutes
        if late is not None and closes is not None and closes < late:
            errors["checkin_closes_minutes"] = _("Check-in cannot close before lawyers start counting as late.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_draft(self) -> bool:
        return self.status == ProgramStatus.DRAFT

    @property
    def is_closed(self) -> bool:
        return self.status == ProgramStatus.CLOSED

    @property
    def accepts_applications(self) -> bool:
        """Published, and its enrolment window (if it has one) not yet closed."""
        if self.status != ProgramStatus.PUBLISHED:
            return False
        return not (self.enrolment_closes_at and timezone.now() > self.enrolment_closes_at)


class Topic(Bilingual, models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="topics", verbose_name=_("program"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    name = bilingual("name")

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["program", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["program", "name_zh"], name="topic_unique_name_in_program")]

    def __str__(self):
        return self.name


class Venue(Bilingual, models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    address_zh = models.CharField(_("address (Chinese)"), max_length=250, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=250, blank=True)
    capacity = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1), MaxValueValidator(20000)])
    notes = models.TextField(_("notes"), blank=True)

    name = bilingual("name")
    address = bilingual("address")

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name_zh"]
        constraints = [
            models.UniqueConstraint(fields=["name_zh"], name="venue_unique_name"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="venue_capacity_positive"),
        ]

    def __str__(self):
        return self.name


class AffiliationKind(models.TextChoices):
    INTERNATIONAL = "international", _("International organisation")
    HK_MACAO = "hk_macao", _("Hong Kong or Macao institution")
    MINISTRY = "ministry", _("Ministry or commission")
    UNIVERSITY = "university", _("University")
    ENTERPRISE = "enterprise", _("Enterprise")
    LAW_FIRM = "law_firm", _("Law firm")


def _photo_name(faculty, filename: str) -> str:
    return f"faculty/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()[:5]}"


class Faculty(Bilingual, models.Model):
    """Someone who teaches; may or may not have an account (invited through accounts)."""

    name_zh = models.CharField(_("full name (Chinese)"), max_length=100)
    name_en = models.CharField(_("full name (Latin letters)"), max_length=100, blank=True)
    slug = models.SlugField(_("short name in addresses"), max_length=80, unique=True, validators=[slug_validator])
    title_zh = models.CharField(_("position (Chinese)"), max_length=120, blank=True)
    title_en = models.CharField(_("position (English)"), max_length=120, blank=True)
    affiliation_zh = models.CharField(_("affiliation (Chinese)"), max_length=200)
    affiliation_en = models.CharField(_("affiliation (English)"), max_length=200, blank=True)
    affiliation_kind = models.CharField(_("kind of affiliation"), max_length=20, choices=AffiliationKind.choices)
    bio_zh = models.TextField(_("biography (Chinese)"), blank=True)
    bio_en = models.TextField(_("biography (English)"), blank=True)
    expertise_zh = models.CharField(_("expertise (Chinese)"), max_length=300, blank=True)
    expertise_en = models.CharField(_("expertise (English)"), max_length=300, blank=True)
    languages = models.CharField(_("teaching languages"), max_length=120, blank=True, help_text=_("e.g. 中文, English"))
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="faculty_profile",
        verbose_name=_("account"),
    )
    photo = models.ImageField(_("photo"), upload_to=_photo_name, blank=True, max_length=200)

    name = bilingual("name")
    title = bilingual("title")
    affiliation = bilingual("affiliation")
    bio = bilingual("bio")
    expertise = bilingual("expertise")

    class Meta:
        verbose_name = _("faculty member")
        verbose_name_plural = _("faculty")
        ordering = ["name_en", "name_zh"]

    def __str__(self):
        return self.name


class SessionFormat(models.TextChoices):
    LECTURE = "lecture", _("Lecture")
    MOCK_COURT = "mock_court", _("Mock court")
    CASE_STUDY = "case_study", _("Case study")
    SEMINAR = "seminar", _("Seminar")
    FORUM = "forum", _("Forum")
    WORKSHOP = "workshop", _("Workshop")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class TrainingSessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Sessions of the programs this person may see (drafts only for administrators)."""
        if user.is_authenticated and user.is_administrator:
            return self
        return self.exclude(program__status=ProgramStatus.DRAFT)

    def scheduled(self):
        return self.filter(status=SessionStatus.SCHEDULED)

    def overlapping(self, starts_at, ends_at):
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def for_user(self, user):
        """This person's own sessions: those they teach, those they hold a seat in, and those they wait for a
        seat in that have not ended (a waitlist place lapses with its session: nobody was there on it)."""
        # Two subqueries on the person's own rows: one join of the sessions with all their teachers and all
        # their enrolments, filtered afterwards, reads every lawyer's seats for one person's calendar.
        model = self.model
        taught = model.objects.filter(assignments__faculty__user=user).values("pk")
        held = model.objects.filter(
            Q(enrolments__state=SEATED) | Q(enrolments__state=WAITING, ends_at__gt=timezone.now()),
            enrolments__participant__user=user,
        ).values("pk")
        return self.filter(Q(pk__in=taught) | Q(pk__in=held))


class TrainingSession(Bilingual, models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("program"))
    # RESTRICT: a topic in use cannot be deleted on its own, but goes with its program.
    topic = models.ForeignKey(
        Topic, on_delete=models.RESTRICT, null=True, blank=True, related_name="sessions", verbose_name=_("topic")
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    format = models.CharField(_("format"), max_length=20, choices=SessionFormat.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions", verbose_name=_("venue")
    )
    online_url = models.URLField(_("online link"), blank=True, help_text=_("For sessions held online."))
    capacity = models.PositiveIntegerField(
        _("seats"), validators=[MinValueValidator(1), MaxValueValidator(20000)], help_text=_("How many may enrol.")
    )
    is_required = models.BooleanField(_("required"), default=False, help_text=_("Every admitted lawyer attends."))
    # The confirmed seats, stored so that taking one is a single `UPDATE … RETURNING` and no page counts them.
    # Kept exact by every seat change, in its transaction, with the session row locked (participants'
    # services, the demo's seeding); a session is only ever saved with `update_fields` that leave it out.
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    credit_hours = models.DecimalField(
        _("credit hours"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("40"))],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cancellation_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    sequence = models.PositiveIntegerField(default=0, editable=False)  # iCalendar SEQUENCE
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    title = bilingual("title")
    description = bilingual("description")

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["program", "starts_at"], name="session_program_start_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(condition=Q(credit_hours__gt=0), name="session_credit_hours_positive"),
            models.CheckConstraint(
                condition=Q(venue__isnull=False) | ~Q(online_url=""), name="session_has_venue_or_link"
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The session must end after it starts.")
        if not self.venue_id and not self.online_url:
            errors["venue"] = _("Choose a venue, or give an online link.")
        if self.topic_id and self.program_id and self.topic.program_id != self.program_id:
            errors["topic"] = _("This topic belongs to another program.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def is_taught_by(self, user) -> bool:
        """Whether `user` is one of this session's faculty; asked once per object (a page asks twice)."""
        if not (user.is_authenticated and user.is_faculty):
            return False
        answers = self.__dict__.setdefault("_taught_by", {})
        if user.pk not in answers:
            answers[user.pk] = self.assignments.filter(faculty__user=user).exists()
        return answers[user.pk]

    def is_run_by(self, user) -> bool:
        """Administrators and the session's faculty: they take its attendance and manage its materials."""
        return user.is_authenticated and (user.is_administrator or self.is_taught_by(user))

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()


class AssignmentRole(models.TextChoices):
    LECTURER = "lecturer", _("Lecturer")
    MODERATOR = "moderator", _("Moderator")
    JUDGE = "judge", _("Judge")
    PANELLIST = "panellist", _("Panellist")


class FacultyAssignment(models.Model):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="assignments")
    faculty = models.ForeignKey(
        Faculty, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("faculty")
    )
    role = models.CharField(_("role"), max_length=20, choices=AssignmentRole.choices, default=AssignmentRole.LECTURER)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("faculty assignment")
        verbose_name_plural = _("faculty assignments")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "faculty"], name="assignment_unique_faculty_in_session")
        ]

    def __str__(self):
        return f"{self.faculty} · {self.get_role_display()}"


class SessionChange(models.Model):
    """One entry in a session's history, for administrators."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        MOVED = "moved", _("Venue changed")
        CANCELLED = "cancelled", _("Cancelled")
        RESTORED = "restored", _("Restored")
        FACULTY = "faculty", _("Faculty changed")

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("session change")
        verbose_name_plural = _("session changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.session_id} {self.kind} {self.changed_at:%Y-%m-%d %H:%M}"

    # For the history page: the snapshots keep UTC ISO times and both venue names.
    @staticmethod
    def _moment(snapshot: dict):
        from datetime import datetime

        return datetime.fromisoformat(snapshot["starts_at"]) if snapshot.get("starts_at") else None

    @staticmethod
    def _venue(snapshot: dict) -> str:
        english = translation.get_language() == "en" and snapshot.get("venue_name_en")
        return english or snapshot.get("venue_name_zh") or snapshot.get("venue_name", "")

    @property
    def starts_before(self):
        return self._moment(self.before)

    @property
    def starts_after(self):
        return self._moment(self.after)

    @property
    def venue_before(self) -> str:
        return self._venue(self.before)

    @property
    def venue_after(self) -> str:
        return self._venue(self.after)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's private calendar address; replacing the token revokes the old address."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)
