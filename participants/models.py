"""Lawyers (participants), provinces and their quotas, admission to programs, session enrolment."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sessions.models import Program, TrainingSession

from .provinces import province_name

license_validator = RegexValidator(r"^[0-9]{17}$", _("A practising-licence number has exactly 17 digits."))
mobile_validator = RegexValidator(r"^\+?[0-9]{6,15}$", _("Enter a mobile number of digits only, e.g. 13800138000."))


class Province(models.Model):
    code = models.CharField(_("code"), max_length=2, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=20)
    short_zh = models.CharField(_("short name (Chinese)"), max_length=10)
    name_en = models.CharField(_("name (English)"), max_length=40)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]

    def __str__(self):
        return province_name(self.code)

    @property
    def name(self) -> str:
        return str(self)


class Specialty(models.TextChoices):
    PATENTS = "patents", _("Patents")
    TRADEMARKS = "trademarks", _("Trademarks")
    COPYRIGHT = "copyright", _("Copyright")
    TRADE_SECRETS = "trade_secrets", _("Trade secrets")
    UNFAIR_COMPETITION = "unfair_competition", _("Unfair competition")
    LICENSING = "licensing", _("Licensing and transactions")
    CUSTOMS = "customs", _("Customs and border measures")
    ARBITRATION = "arbitration", _("International arbitration")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class ParticipantQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see every lawyer; a lawyer sees only themself."""
        if user.is_authenticated and user.is_administrator:
            return self
        if user.is_authenticated:
            return self.filter(user=user)
        return self.none()


class Participant(models.Model):
    """A lawyer: their profile, whatever programs they join."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="participant", verbose_name=_("account")
    )
    name_zh = models.CharField(_("name"), max_length=60)
    name_latin = models.CharField(_("name in Latin letters"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    license_number = models.CharField(
        _("practising-licence number"), max_length=17, unique=True, validators=[license_validator]
    )
    law_firm = models.CharField(_("law firm"), max_length=200)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="participants", verbose_name=_("province")
    )
    city = models.CharField(_("city"), max_length=60, blank=True)
    years_of_practice = models.PositiveSmallIntegerField(
        _("years in practice"), null=True, blank=True, validators=[MaxValueValidator(70)]
    )
    specialties = models.JSONField(_("specialties"), default=list, blank=True)
    languages = models.CharField(_("foreign languages"), max_length=120, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[mobile_validator])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("lawyer")
        verbose_name_plural = _("lawyers")
        ordering = ["province__code", "name_zh"]
        constraints = [
            models.CheckConstraint(
                condition=Q(license_number__regex=r"^[0-9]{17}$"), name="participant_license_17_digits"
            )
        ]
        # Lawyers in name order, from the index: the door roster's first page walks them and stops at 200 seats
        # (each looked up in enrolment_seat_idx), and the completion list's first page at 100, rather than
        # sorting every seat or every lawyer of the program.
        indexes = [models.Index(fields=["name_latin", "name_zh", "id"], name="participant_roster_order_idx")]

    def __str__(self):
        return self.name_zh

    @property
    def masked_license(self) -> str:
        """What anyone but the lawyer and administrators may see: the last four digits."""
        return "*" * 13 + self.license_number[-4:]

    def specialty_labels(self) -> list[str]:
        labels = dict(Specialty.choices)
        return [str(labels.get(code, code)) for code in self.specialties]


class IdentityField(models.TextChoices):
    """What says who a lawyer is: printed on certificates (names, firm), checked against the bar's register
    (licence) or deciding their quota (province). Only the program office changes these, with a reason."""

    NAME_ZH = "name_zh", _("name")
    NAME_LATIN = "name_latin", _("name in Latin letters")
    GENDER = "gender", _("gender")
    LICENSE_NUMBER = "license_number", _("practising-licence number")
    LAW_FIRM = "law_firm", _("law firm")
    PROVINCE = "province", _("province")


class IdentityChange(models.Model):
    """One change of one identity field of a lawyer: what it was, what it became, who changed it, when and
    why. A province is kept as its code, a gender as its value.

    The reason is what the program office typed; for a provincial list it is the list's file name, and the
    words around it are said in the language of whoever reads the history (`reason_shown`)."""

    class Source(models.TextChoices):
        OFFICE = "office", _("Program office")
        LIST = "list", _("Provincial list")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="identity_changes")
    field = models.CharField(_("field"), max_length=20, choices=IdentityField.choices)
    before = models.CharField(_("before"), max_length=200, blank=True)
    after = models.CharField(_("after"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    source = models.CharField(_("changed in"), max_length=10, choices=Source.choices, default=Source.OFFICE)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("identity change")
        verbose_name_plural = _("identity changes")
        ordering = ["-changed_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="identity_change_has_reason")]

    def __str__(self):
        return f"{self.participant} · {self.field}: {self.before} → {self.after}"

    @property
    def reason_shown(self) -> str:
        """The reason as the reader reads it, in their language."""
        if self.source == self.Source.LIST:
            return _("Provincial list “%(file)s”") % {"file": self.reason}
        return self.reason


QUOTA_MAX_SEATS = 10000  # more than any program admits: a bigger number is a typing slip


class ProvinceQuota(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("program"))
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("province"))
    seats = models.PositiveIntegerField(
        _("seats"), validators=[MinValueValidator(0), MaxValueValidator(QUOTA_MAX_SEATS)]
    )

    class Meta:
        verbose_name = _("province quota")
        verbose_name_plural = _("province quotas")
        ordering = ["province__code"]
        constraints = [models.UniqueConstraint(fields=["program", "province"], name="quota_unique_province")]

    def __str__(self):
        return f"{self.province}: {self.seats}"

    def get_absolute_url(self) -> str:
        return reverse("participants:quotas", args=[self.program.slug])


class QuotaChange(models.Model):
    """The history of a program's province quotas: who set which province's quota from what to what,
    when, and from where. `None` is no limit (the province has no ProvinceQuota row)."""

    class Source(models.TextChoices):
        TABLE = "table", _("Quota table")
        BULK = "bulk", _("Set for several provinces")
        IMPORT = "import", _("Spreadsheet import")

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="quota_changes", verbose_name=_("program")
    )
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("province"))
    seats_before = models.PositiveIntegerField(_("quota before"), null=True, blank=True)
    seats_after = models.PositiveIntegerField(_("quota after"), null=True, blank=True)
    source = models.CharField(_("changed in"), max_length=10, choices=Source.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("quota change")
        verbose_name_plural = _("quota changes")
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["program", "-changed_at"], name="quotachange_program_time_idx")]

    def __str__(self):
        before, after = (_("no limit") if seats is None else seats for seats in (self.seats_before, self.seats_after))
        return f"{self.province}: {before} → {after} ({timezone.localtime(self.changed_at):%Y-%m-%d %H:%M})"


class AdmissionState(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ADMITTED = "admitted", _("Admitted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AdmissionQuerySet(models.QuerySet):
    def admitted_by_province(self, program: Program) -> dict[int, int]:
        """Province id → lawyers admitted to the program from it (one query): the one count every quota
        decision uses (the quota table, admission, imports, a quota's change)."""
        rows = (
            self.filter(program=program, state=AdmissionState.ADMITTED)
            .values("participant__province")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {row["participant__province"]: row["n"] for row in rows}


class Admission(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="admissions")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="admissions")
    state = models.CharField(_("state"), max_length=10, choices=AdmissionState.choices, default=AdmissionState.APPLIED)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    quota_override = models.CharField(
        _("reason for exceeding the quota"),
        max_length=300,
        blank=True,
        help_text=_("Recorded when admitted over quota."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AdmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("admission")
        verbose_name_plural = _("admissions")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["participant", "program"], name="admission_once_per_program")]
        indexes = [models.Index(fields=["program", "state"], name="admission_program_state_idx")]

    def __str__(self):
        return f"{self.participant} · {self.program} · {self.get_state_display()}"


class Progress(models.Model):
    """A lawyer's figures in a program, kept exact by services.progress from their attendance and seats in the
    transaction that changes them. A table of its own, without foreign-key constraints in the database: every
    seat and attendance change writes it last, and it must wait for no other row (the admission's columns, or a
    constraint's key-share lock on the admission or the program, would wait for a withdrawal or an admission
    decision holding them while they wait for the seat's session: a deadlock). Django deletes it with them."""

    admission = models.OneToOneField(
        Admission, on_delete=models.CASCADE, primary_key=True, related_name="progress", db_constraint=False
    )
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    attended_required = models.PositiveIntegerField(_("required sessions attended"), default=0)
    credit_hours = models.DecimalField(_("credit hours"), max_digits=7, decimal_places=1, default=Decimal(0))
    # From this moment the lawyer's hours, with those of the seats still to come, fall short of the program's
    # minimum (NULL: never).
    short_of_hours_from = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("progress")
        verbose_name_plural = _("progress")
        indexes = [  # the completion list's sorts by the figures
            models.Index(fields=["program", "attended_required"], name="progress_attended_idx"),
            models.Index(fields=["program", "credit_hours"], name="progress_hours_idx"),
        ]

    def __str__(self):
        return f"{self.admission_id}: {self.attended_required} · {self.credit_hours}"


class EnrolmentState(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waitlisted")
    CANCELLED = "cancelled", _("Cancelled")


class EnrolmentQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(state=EnrolmentState.CANCELLED)

    def confirmed(self):
        return self.filter(state=EnrolmentState.CONFIRMED)

    def waitlisted(self):
        # First come, first served: the order they joined the waitlist.
        return self.filter(state=EnrolmentState.WAITLISTED).order_by("waitlisted_at", "pk")

    def with_waitlist_position(self):
        """Each enrolment with how many wait before it in its session (`waitlist_ahead`), read in the same
        query, so a list's `waitlist_position`s cost no query each."""
        ahead = (
            self.model.objects.filter(session_id=OuterRef("session_id"), state=EnrolmentState.WAITLISTED)
            .filter(
                Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
                | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lt=OuterRef("pk"))
            )
            .order_by()
            .values("session_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(waitlist_ahead=Coalesce(Subquery(ahead), 0))


class Enrolment(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="enrolments")
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="enrolments")
    state = models.CharField(_("state"), max_length=10, choices=EnrolmentState.choices)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["session__starts_at"]
        constraints = [
            # One live enrolment per lawyer and session; cancelled ones stay as history.
            models.UniqueConstraint(
                fields=["participant", "session"],
                condition=~Q(state=EnrolmentState.CANCELLED),
                name="enrolment_one_live_per_session",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "state"], name="enrolment_session_state_idx"),
            # The seats: who holds one in a session, answered from the index (the door roster's page).
            models.Index(
                fields=["session", "participant"],
                condition=Q(state=EnrolmentState.CONFIRMED),
                name="enrolment_seat_idx",
            ),
        ]

    def __str__(self):
        return f"{self.participant} · {self.session} · {self.get_state_display()}"

    @cached_property
    def waitlist_position(self) -> int | None:
        """1 for the lawyer first in line for a seat; None unless waitlisted. Counted once per object."""
        if self.state != EnrolmentState.WAITLISTED:
            return None
        if hasattr(self, "waitlist_ahead"):  # read with the list (EnrolmentQuerySet.with_waitlist_position)
            return self.waitlist_ahead + 1
        ahead = Enrolment.objects.waitlisted().filter(
            Q(waitlisted_at__lt=self.waitlisted_at) | Q(waitlisted_at=self.waitlisted_at, pk__lt=self.pk),
            session_id=self.session_id,
        )
        return ahead.count() + 1


class ImportJob(models.Model):
    """One uploaded list: checked at upload (the preview), then written, in the background if large."""

    class State(models.TextChoices):
        CHECKED = "checked", _("Checked")
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", pgettext_lazy("import", "Failed")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CHECKED)
    # When it was queued or began running: a job in the worker's hands longer than the task may run was lost
    # (importing.jobs_release gives it back).
    state_changed_at = models.DateTimeField(null=True, blank=True)
    only_valid = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    progress = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    known_rows = models.PositiveIntegerField(default=0)  # valid rows naming a lawyer already on record
    # Every problem as [{"row", "column", "code", "params"}], rendered in the reader's language (older
    # jobs stored [{"row", "column", "message"}], rendered in the uploader's).
    problems = models.JSONField(default=list, blank=True)
    new_specialties = models.JSONField(default=list, blank=True)  # [{"value", "rows"}]: kept as written
    unknown_columns = models.JSONField(default=list, blank=True)
    # What the administrator was shown: the import writes only if a fresh check of the file finds the same.
    check_digest = models.CharField(max_length=64, blank=True)
    rechecked_at = models.DateTimeField(null=True, blank=True)  # the data changed after the check shown first
    # Why a job stopped, or was given back to be started again, or waits: a code of importing.FAILURES (older
    # jobs: a message).
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.original_name} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        target = self.valid_rows or 1
        return min(100, round(100 * self.progress / target))


class SpecialtyMerge(models.Model):
    """An administrator merged a specialty value outside the known ones into another: who, when, how many."""

    value = models.CharField(_("specialty"), max_length=60)
    into = models.CharField(_("merged into"), max_length=60)
    lawyers = models.PositiveIntegerField(_("lawyers"))
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("merged by")
    )
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)

    class Meta:
        verbose_name = _("specialty merge")
        verbose_name_plural = _("specialty merges")
        ordering = ["-merged_at", "-pk"]

    def __str__(self):
        return f"{self.value} → {self.into}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class AttendanceMethod(models.TextChoices):
    ROSTER = "roster", _("Roster")
    QR = "qr", _("QR code")
    CODE = "code", _("Typed check-in code")
    IMPORT = "import", _("Import")
    API = "api", _("API")


class Attendance(models.Model):
    """Whether a lawyer was at a session: one row per lawyer and session, its changes in AttendanceChange."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="attendances")
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(_("attendance"), max_length=8, choices=AttendanceStatus.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    method = models.CharField(_("recorded by way of"), max_length=8, choices=AttendanceMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["participant", "session"], name="attendance_once_per_session")]
        indexes = [models.Index(fields=["session", "status"], name="attendance_session_status_idx")]

    def __str__(self):
        return f"{self.participant} · {self.session} · {self.get_status_display()}"

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED


class AttendanceChange(models.Model):
    """The history of an attendance record: every status it had, who set it, how and when."""

    attendance = models.ForeignKey(Attendance, on_delete=models.CASCADE, related_name="changes")
    status = models.CharField(_("attendance"), max_length=8, choices=AttendanceStatus.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    method = models.CharField(_("recorded by way of"), max_length=8, choices=AttendanceMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("attendance change")
        verbose_name_plural = _("attendance changes")
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"{self.attendance} ← {self.get_status_display()} ({self.recorded_at:%Y-%m-%d %H:%M})"
