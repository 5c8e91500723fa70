"""Completion certificates: one per lawyer and program, a readable serial, a secret verification code."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant
from sessions.models import Program


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


class Certificate(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="certificates")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="certificates")
    number = models.PositiveIntegerField(_("number in the series"))
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    code = models.CharField(_("verification code"), max_length=40, unique=True, default=new_code, editable=False)
    credit_hours = models.DecimalField(_("credit hours"), max_digits=6, decimal_places=1)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    override_reason = models.CharField(
        _("reason for issuing outside the rule"), max_length=300, blank=True,
        help_text=_("Filled only when the lawyer did not meet the completion rule."),
    )  # fmt: skip
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    pdf = models.FileField(upload_to="certificates/%Y/", max_length=200)
    sha256 = models.CharField(max_length=64)
    rendered_at = models.DateTimeField(default=timezone.now)

    objects = CertificateQuerySet.as_manager()

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
