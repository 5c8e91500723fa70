"""Writing to the outbox and delivering from it.

`notify` is called by every app inside its own transaction; the e-mail is queued only after that
transaction commits, and `deliver` claims a row before sending so a task that runs twice sends once.
A notice's words are rendered where it is sent (`render`): an e-mail's by the delivery task in the worker, a notice
shown only in the app at once.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from common.cache import replace_token, token_key
from common.tasks import enqueue, send

from .models import Channel, Notification, State

logger = logging.getLogger(__name__)

RETRY_CAP_SECONDS = 30 * 60  # below the broker's visibility timeout (2 h)
SWEEP_LEASE_SECONDS = 5 * 60  # a row the sweep queued is not queued again for this long
STALE_CLAIM_SECONDS = 10 * 60  # longer than a task's hard time limit


# What a message holding someone's personal link keeps once it is delivered or given up on.
_ERASED = {
    "body_text": "[Erased: this message held a personal link.]",
    "body_html": "",
    "link": "",
}


class RetryLater(Exception):
    def __init__(self, seconds: int):
        super().__init__(f"retry in {seconds}s")
        self.seconds = seconds


def absolute_url(path_or_url: str) -> str:
    if not path_or_url or "://" in path_or_url:
        return path_or_url
    return settings.SITE_URL + "/" + path_or_url.lstrip("/")


def _render(kind: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    with translation.override(language):
        subject = " ".join(render_to_string(f"notifications/{kind}/subject.txt", context).split())
        text = render_to_string(f"notifications/{kind}/body.txt", context).strip() + "\n"
        try:
            html = render_to_string(f"notifications/{kind}/body.html", context)
        except TemplateDoesNotExist:
            html = ""
    return subject, text, html


# A notice's context waits in its row as JSON: rows by reference (read again when it is rendered: their state
# then, which a notice sent at once shares), and the plain values as they were.
_TAGS = {"__date__": date.fromisoformat, "__datetime__": datetime.fromisoformat, "__decimal__": Decimal}


def _freeze(value):
    if isinstance(value, Model):
        return {"__model__": value._meta.label_lower, "pk": value.pk}
    if isinstance(value, dict):
        return {str(key): _freeze(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_freeze(item) for item in value]
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, Promise):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a notice's context cannot hold {type(value).__name__}: pass rows and plain values")


def _thaw(value):
    if isinstance(value, list):
        return [_thaw(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "__model__" in value:
        return apps.get_model(value["__model__"])._default_manager.filter(pk=value["pk"]).first()
    for tag, parse in _TAGS.items():
        if tag in value:
            return parse(value[tag])
    return {key: _thaw(item) for key, item in value.items()}


def _words(notification: Notification, context: dict[str, Any]) -> tuple[str, str, str]:
    full = {"recipient": notification.recipient, "site_url": settings.SITE_URL, "link": notification.link, **context}
    subject, text, html = _render(notification.kind, full, notification.language)
    return subject[:250], text, html


def render(notifications) -> None:
    """Write the words of the notices not yet rendered (in their recipients' languages), once, and save them."""
    for notification in notifications:
        if notification.context is None:
            continue
        subject, text, html = _words(notification, _thaw(notification.context))
        notification.subject, notification.body_text, notification.body_html = subject, text, html
        notification.context = None
        # Only while still unrendered: a delivered sensitive notice is erased, and stays so.
        Notification.objects.filter(pk=notification.pk, context__isnull=False).update(
            subject=notification.subject, body_text=text, body_html=html, context=None
        )


def notify(
    recipient,
    kind: str,
    context: dict[str, Any] | None = None,
    *,
    dedup_key: str | None = None,
    channel: str = Channel.BOTH,
    link: str = "",
    sensitive: bool = False,
) -> Notification:
    """Store a message for `recipient` in their language; e-mail it once the caller commits. An e-mail's words
    are rendered by the delivery task in the worker (`render`), not in the caller's request.

    With a `dedup_key` that was used before, nothing new is stored and the earlier row is returned,
    so callers can notify from code that may run twice.
    """
    if dedup_key:
        existing = Notification.objects.filter(dedup_key=dedup_key).first()
        if existing:
            return existing
    notification = Notification(
        recipient=recipient,
        kind=kind,
        channel=channel,
        language=recipient.language or settings.LANGUAGE_CODE,
        to_email=recipient.email,
        context=_freeze(context or {}),
        link=absolute_url(link),
        sensitive=sensitive,
        state=State.QUEUED if channel != Channel.IN_APP else State.SENT,
    )
    if dedup_key:
        notification.dedup_key = dedup_key
    notification.full_clean(exclude=["recipient", "dedup_key"])
    if not notification.wants_email:  # no worker delivers it: its words now
        notification.context = None
        notification.subject, notification.body_text, notification.body_html = _words(notification, context or {})
    if not dedup_key:
        notification.save()  # a fresh random key cannot collide: no savepoint needed
    else:
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            # A concurrent caller stored the same key first.
            return Notification.objects.get(dedup_key=dedup_key)
    if notification.channel != Channel.EMAIL:
        unread_changed(recipient.pk)
    if notification.wants_email:
        enqueue(DELIVER, notification_id=notification.pk)  # a broker outage: the row stays queued for the sweep
    return notification


DELIVER = "notifications.tasks.deliver_notification"


def _send_email(notification: Notification) -> None:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_email],
        headers={"Auto-Submitted": "auto-generated", "X-Notification-ID": str(notification.pk)},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    message.send(fail_silently=False)


def deliver(*, notification_id: int) -> str:
    """Send one queued notification by e-mail; returns the state it ends in (or 'skipped').

    Raises RetryLater for a failure worth retrying while attempts remain.
    """
    now = timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, state=State.QUEUED).update(
        state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"  # already sent, being sent, failed for good, or gone
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    render([notification])
    try:
        _send_email(notification)
    except Exception as exc:
        if _is_permanent(exc) or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            return _fail(notification, exc)
        delay = min(settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** (notification.attempts - 1), RETRY_CAP_SECONDS)
        Notification.objects.filter(pk=notification.pk).update(
            state=State.QUEUED, last_error=_describe(exc), next_attempt_at=timezone.now() + timedelta(seconds=delay)
        )
        logger.warning(
            "notification %s: attempt %s failed, retry in %ss", notification.pk, notification.attempts, delay
        )
        raise RetryLater(delay) from exc
    fields = {"state": State.SENT, "sent_at": timezone.now(), "last_error": ""}
    if notification.sensitive:
        fields.update(_ERASED)
    Notification.objects.filter(pk=notification.pk).update(**fields)
    logger.info("notification %s (%s) sent", notification.pk, notification.kind)
    return State.SENT


def _is_permanent(exc: Exception) -> bool:
    """A 5xx answer for every recipient, or the sender, is final; 4xx (greylisting, full queues) is not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _fail(notification: Notification, exc: Exception) -> str:
    fields = {"state": State.FAILED, "last_error": _describe(exc)}
    if notification.sensitive:
        fields.update(_ERASED)  # a link that never arrived must not wait in the database either
    Notification.objects.filter(pk=notification.pk).update(**fields)
    logger.error("notification %s failed for good: %s", notification.pk, _describe(exc))
    return State.FAILED


def sweep(*, batch: int = 500) -> int:
    """Queue again what the broker never received or a dead worker left half-done."""
    now = timezone.now()
    stale = Notification.objects.filter(
        state=State.SENDING, claimed_at__lt=now - timedelta(seconds=STALE_CLAIM_SECONDS)
    )
    # A worker died mid-send (or the task hit its time limit): try again, unless attempts are used up.
    stale.filter(attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS).update(
        state=State.FAILED, last_error="The worker stopped while sending, too many times."
    )
    stale.update(state=State.QUEUED, next_attempt_at=F("claimed_at"))  # due at once
    due = list(
        Notification.objects.due(now=now, grace_seconds=settings.NOTIFICATION_SWEEP_SECONDS).values_list(
            "pk", flat=True
        )[:batch]
    )
    queued = [pk for pk in due if send(DELIVER, notification_id=pk)]
    Notification.objects.filter(pk__in=queued, state=State.QUEUED).update(
        next_attempt_at=now + timedelta(seconds=SWEEP_LEASE_SECONDS)
    )
    if queued:
        logger.info("outbox sweep queued %s notification(s)", len(queued))
    return len(queued)


def resend(notification: Notification) -> None:
    """An administrator sends a notification again (it failed, or the person did not get it)."""
    if not notification.wants_email:
        raise ValidationError(_("This notice is shown in the app only; there is no e-mail to resend."))
    if notification.state == State.SENDING:
        raise ValidationError(_("This e-mail is being sent right now."))
    if notification.sensitive and notification.state in (State.SENT, State.FAILED):
        raise ValidationError(
            _(
                "This e-mail held a personal link, erased once it was sent or given up on; "
                "send a new invitation or password reset instead."
            )
        )
    Notification.objects.filter(pk=notification.pk).update(
        state=State.QUEUED, attempts=0, last_error="", next_attempt_at=timezone.now(), sent_at=None
    )
    enqueue(DELIVER, notification_id=notification.pk)


def mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    unread = Notification.objects.in_app_for(user).unread()
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    done = unread.update(read_at=timezone.now())
    if done:
        unread_changed(user.pk)
    return done


# The navigation's badge on every page: how many in-app notices a person has not read. Counted once, then kept in
# the cache beside the "generation" it was counted in; each notice added, read or deleted starts a new generation
# (unread_changed), and a count of an older one is counted again. A count taken by a request while a notice was
# being added, read too early to see it, is thus never shown once that notice's transaction has committed.
# The time limit only bounds what an unreachable cache could leave behind (common/cache.py drops writes then); a
# generation outlives every count taken in it.
UNREAD_SECONDS = 10 * 60
GENERATION_SECONDS = 24 * 3600


def _unread_keys(user_id: int) -> tuple[str, str]:
    """The count's key and its generation's (a token of common/cache.py), read together in one round trip."""
    name = f"notices-unread:{user_id}"
    return name, token_key(name)


def unread_count(user) -> int:
    """How many in-app notices `user` has not read (exact: see UNREAD_SECONDS above)."""
    count_key, generation_key = _unread_keys(user.pk)
    kept = cache.get_many([count_key, generation_key])
    generation = kept.get(generation_key)
    counted = kept.get(count_key)
    if counted is not None and counted[0] == generation:
        return counted[1]
    count = Notification.objects.in_app_for(user).unread().count()
    cache.set(count_key, (generation, count), UNREAD_SECONDS)
    return count


def unread_changed(user_id: int) -> None:
    """A notice of this person's was added, read or deleted: their badge is counted again, from now on and again
    once the caller's transaction commits (a count taken in between, before the change could be seen, is dropped)."""
    replace_token(_unread_keys(user_id)[0], GENERATION_SECONDS)
