"""The outbox: every message to a person is a row here first, then goes out by e-mail and/or in the app."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    BOTH = "both", _("E-mail and in-app")
    EMAIL = "email", _("E-mail only")
    IN_APP = "in_app", _("In-app only")


class State(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NotificationQuerySet(models.QuerySet):
    def in_app_for(self, user):
        return self.filter(recipient=user).exclude(channel=Channel.EMAIL)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def state_counts(self):
        return self.values("state").annotate(n=models.Count("id")).order_by()

    def due(self, *, now=None, grace_seconds=0):
        """E-mails still waiting whose next attempt is due (with a grace for ones just queued)."""
        now = now or timezone.now()
        return self.filter(state=State.QUEUED, next_attempt_at__lte=now - timezone.timedelta(seconds=grace_seconds))


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    dedup_key = models.CharField(_("de-duplication key"), max_length=200, unique=True, default=uuid.uuid4)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.BOTH)
    language = models.CharField(_("language"), max_length=10)
    to_email = models.EmailField(_("sent to"), blank=True)
    # The words are written once, where the notice is sent (services.render): an e-mail's by the delivery task,
    # in the worker, not in the request that notified; a notice only shown in the app at once. Until then they
    # are empty (pages show `heading`) and `context` holds what they are rendered from.
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    context = models.JSONField(_("context to render"), null=True, blank=True, editable=False)
    link = models.CharField(_("link"), max_length=500, blank=True)
    sensitive = models.BooleanField(
        _("sensitive"), default=False, help_text=_("Holds a secret link: the body is erased once delivered.")
    )
    state = models.CharField(_("e-mail state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed by a worker"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        permissions = [("resend_notification", _("Can resend notifications"))]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notification_due_idx"),
            models.Index(
                fields=["recipient", "created_at"], name="notification_unread_idx", condition=Q(read_at__isnull=True)
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.recipient}"

    @property
    def heading(self) -> str:
        """The subject, or for an e-mail the worker has yet to write, that it is on its way."""
        return self.subject or str(_("A new notice, on its way"))

    @property
    def body_for_staff(self) -> str:
        """What staff may read: a message holding someone's personal link is never shown."""
        if self.sensitive:
            return str(_("[Hidden: this message holds a personal sign-in link for the recipient.]"))
        return self.body_text

    @property
    def wants_email(self) -> bool:
        return self.channel != Channel.IN_APP
