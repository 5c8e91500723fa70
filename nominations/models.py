"""Provinces nominate their own lawyers: their coordinators, each program's nomination round, a province's list
for a program, and each nomination with its history.

A province's list is ordered: the nominations within its quota first, then its reserves in the coordinator's
order. The ministry approves a nominee (who becomes an admission, participants.services.admit) or returns them
with a reason; a reserve or a new lawyer takes the place of one who withdrew (a substitution), by the
coordinator until the round's freeze, by the ministry only after it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant, Province
from sessions.models import Program


class Coordinator(models.Model):
    """A person who answers for one province's lawyers: a province may have several; a person coordinates one
    province only (the one-to-one user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordinator", verbose_name=_("account")
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="coordinators", verbose_name=_("province")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("provincial coordinator")
        verbose_name_plural = _("provincial coordinators")
        ordering = ["province__code", "user__full_name"]

    def __str__(self):
        return f"{self.user} · {self.province}"


class NominationRound(models.Model):
    """When the provinces of a program nominate, and until when their coordinators may substitute."""

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, related_name="nomination_round", verbose_name=_("program")
    )
    opens_at = models.DateTimeField(_("nominations open"))
    closes_at = models.DateTimeField(_("nominations close"))
    freezes_at = models.DateTimeField(
        _("substitutions by provinces until"),
        help_text=_("After this moment only the program office may substitute a nominee."),
    )

    class Meta:
        verbose_name = _("nomination round")
        verbose_name_plural = _("nomination rounds")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="round_closes_after_opening"),
            models.CheckConstraint(condition=Q(freezes_at__gte=F("closes_at")), name="round_freezes_after_close"),
        ]

    def __str__(self):
        return str(self.program)

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at

    def is_frozen(self, at=None) -> bool:
        return (at or timezone.now()) >= self.freezes_at


class ListState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned to the province")
    APPROVED = "approved", _("Approved")


class ProvinceList(models.Model):
    """A province's list for a program: its row is the lock every change to the province's nominations takes."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="province_lists")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("province"))
    state = models.CharField(_("state"), max_length=10, choices=ListState.choices, default=ListState.DRAFT)
    reason = models.CharField(_("reason for returning"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("province's list")
        verbose_name_plural = _("provinces' lists")
        constraints = [models.UniqueConstraint(fields=["program", "province"], name="one_list_per_province")]

    def __str__(self):
        return f"{self.province} · {self.program}"


class NominationState(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    RESERVE = "reserve", _("Reserve")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUBSTITUTED = "substituted", _("Substituted")


# A lawyer is on one province's list of a program at a time, in one of these states.
LIVE = (NominationState.NOMINATED, NominationState.RESERVE, NominationState.APPROVED, NominationState.RETURNED)


class Nomination(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="nominations")
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("province"))
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="nominations", verbose_name=_("lawyer")
    )
    state = models.CharField(_("state"), max_length=12, choices=NominationState.choices)
    # The coordinator's order: the nominations within the quota, then the reserves, each from 1.
    rank = models.PositiveIntegerField(_("order"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by", verbose_name=_("replaces")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["program", "province", "state", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "participant"], condition=Q(state__in=LIVE), name="nominated_once_per_program"
            ),
        ]
        indexes = [models.Index(fields=["program", "province", "state"], name="nomination_list_idx")]

    def __str__(self):
        return f"{self.participant} · {self.province} · {self.get_state_display()}"


class NominationChange(models.Model):
    """The history of a nomination: every state it had, who set it, why and when."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="changes")
    state = models.CharField(_("state"), max_length=12, choices=NominationState.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("nomination change")
        verbose_name_plural = _("nomination changes")
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.nomination} ← {self.get_state_display()} ({self.changed_at:%Y-%m-%d %H:%M})"
