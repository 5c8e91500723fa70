"""Completion certificates: one per lawyer and program, a readable serial, a secret verification code."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant
from sessions.models import Bilingual, Program, bilingual


def new_code() -> str:
    """160 random bits as 40 hexadecimal digits: not guessable, not derived from the serial."""
    return secrets.token_hex(20)


class SerialCounter(models.Model):
    """The last serial number used in a program; its row lock puts issuing in order."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="serial_counter")
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.program}: {self.last}"


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at__isnull=True)


class Certificate(Bilingual, models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="certificates")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="certificates")
    # What the certificate says, as issued: its PDF and the public verification page show these, never the
    # profile or the program as they are today (an administrator may correct a name or extend a program
    # later). A corrected name reaches a certificate only by certificate_amend, recorded.
    holder_name_zh = models.CharField(_("holder's name"), max_length=60)
    holder_name_latin = models.CharField(_("holder's name in Latin letters"), max_length=100, blank=True)
    holder_law_firm = models.CharField(_("holder's law firm"), max_length=200, blank=True)
    program_name_zh = models.CharField(_("program name (Chinese)"), max_length=200)
    program_name_en = models.CharField(_("program name (English)"), max_length=200, blank=True)
    organisers_zh = models.CharField(_("organisers (Chinese)"), max_length=300)
    organisers_en = models.CharField(_("organisers (English)"), max_length=300, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    number = models.PositiveIntegerField(_("number in the series"))
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    code = models.CharField(_("verification code"), max_length=40, unique=True, default=new_code, editable=False)
    credit_hours = models.DecimalField(_("credit hours"), max_digits=6, decimal_places=1)
    # Whether the rule it was issued under assessed coursework: only then does it say 经考核合格 ("passed the
    # assessment"). Certificates issued before coursework existed keep the words they were issued with.
    assessed = models.BooleanField(_("assessed"), default=False)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    override_reason = models.CharField(
        _("reason for issuing outside the rule"),
        max_length=300,
        blank=True,
        help_text=_("Filled only when the lawyer did not meet the completion rule."),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    pdf = models.FileField(upload_to="certificates/%Y/", max_length=200)
    sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField(default=timezone.now)

    objects = CertificateQuerySet.as_manager()

    program_name = bilingual("program_name")
    organisers = bilingual("organisers")

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["program", "number"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "program"], name="certificate_once_per_program"),
            models.UniqueConstraint(fields=["program", "number"], name="certificate_number_once"),
        ]

    def __str__(self):
        return self.serial

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def names_differ(self) -> bool:
        """The names in the holder's profile were changed since this certificate was issued or corrected."""
        lawyer = self.participant
        return (lawyer.name_zh, lawyer.name_latin) != (self.holder_name_zh, self.holder_name_latin)


class CertificateAmendment(models.Model):
    """A correction of the holder's names on an issued certificate: what it said and what it says now, who
    corrected it, when and why. The serial and verification code stay; the PDF is made again."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="amendments")
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))
    reason = models.CharField(_("reason"), max_length=300)
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    amended_at = models.DateTimeField(_("corrected"), default=timezone.now)

    class Meta:
        verbose_name = _("certificate correction")
        verbose_name_plural = _("certificate corrections")
        ordering = ["-amended_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="amendment_has_reason")]

    def __str__(self):
        return f"{self.certificate} · {self.amended_at:%Y-%m-%d}"


class CertificateDesign(models.Model):
    """What an administrator sets for a program's certificates: the seal or signature image."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="certificate_design")
    seal = models.ImageField(_("seal or signature image"), upload_to="certificates/seals/", blank=True)

    class Meta:
        verbose_name = _("certificate design")
        verbose_name_plural = _("certificate designs")

    def __str__(self):
        return str(self.program)


class IssueJob(models.Model):
    """One "issue to everyone who completed" request: the lawyers it covers and who asked. Its progress
    is counted from the certificates themselves, so it survives reloads, restarts and retried tasks."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="issue_jobs")
    participant_ids = models.JSONField(default=list)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.program} · {len(self.participant_ids)} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return len(self.participant_ids)

    def done(self) -> int:
        return Certificate.objects.filter(program_id=self.program_id, participant_id__in=self.participant_ids).count()
