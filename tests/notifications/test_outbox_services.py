"""The outbox rules, in one process: rendering, de-duplication, claiming, retries, the sweep."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications import services
from notifications.models import Channel, Notification, State
from tests.support import words


@pytest.mark.django_db
def test_notification_is_rendered_in_the_recipients_language(lawyer):
    lawyer.language = "en"
    english = words(services.notify(lawyer, "welcome", dedup_key="w-en", link="/"))
    assert "Welcome" in english.subject
    assert english.language == "en"
    assert english.link.startswith("http")
    assert english.link in english.body_text and english.link in english.body_html

    lawyer.language = "zh-hans"
    second = words(services.notify(lawyer, "welcome", dedup_key="w-zh"))
    assert "欢迎" in second.subject


@pytest.mark.django_db
def test_same_dedup_key_stores_one_row(lawyer):
    first = services.notify(lawyer, "welcome", dedup_key="once")
    again = services.notify(lawyer, "welcome", dedup_key="once")
    assert first.pk == again.pk
    assert Notification.objects.count() == 1


def deliveries(callbacks) -> list:
    """The e-mails queued among what runs on commit (an in-app notice also refreshes the unread badge then)."""
    return [c for c in callbacks if isinstance(c, partial) and c.args[:1] == (services.DELIVER,)]


@pytest.mark.django_db
def test_only_email_notices_are_queued_and_only_after_commit(lawyer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        in_app = services.notify(lawyer, "welcome", channel=Channel.IN_APP)
    assert in_app.state == State.SENT
    assert deliveries(callbacks) == []
    with django_capture_on_commit_callbacks() as callbacks:
        email = services.notify(lawyer, "welcome", channel=Channel.EMAIL)
    assert email.state == State.QUEUED
    assert len(deliveries(callbacks)) == 1


@pytest.mark.django_db
def test_delivery_sends_once_and_erases_sensitive_bodies(lawyer, smtp):
    notice = services.notify(lawyer, "welcome", channel=Channel.EMAIL, sensitive=True, link="/secret/")
    assert services.deliver(notification_id=notice.pk) == State.SENT
    assert services.deliver(notification_id=notice.pk) == "skipped"
    [message] = smtp.to(lawyer.email)
    assert message["X-Notification-ID"] == str(notice.pk)
    text, html = (part.get_payload(decode=True).decode() for part in message.get_payload())
    assert "/secret/" in text and "/secret/" in html
    notice.refresh_from_db()
    assert "/secret/" not in notice.body_text + notice.body_html + notice.link
    assert notice.attempts == 1


@pytest.mark.django_db
def test_transient_failure_backs_off_then_fails_for_good(lawyer, smtp, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    notice = services.notify(lawyer, "welcome", channel=Channel.EMAIL)
    smtp.fail_next(2)
    with pytest.raises(services.RetryLater) as later:
        services.deliver(notification_id=notice.pk)
    assert later.value.seconds == settings.NOTIFICATION_RETRY_BASE_SECONDS
    notice.refresh_from_db()
    assert (notice.state, notice.attempts) == (State.QUEUED, 1)
    assert "Try again later" in notice.last_error
    assert notice.next_attempt_at > timezone.now()

    assert services.deliver(notification_id=notice.pk) == State.FAILED
    notice.refresh_from_db()
    assert (notice.state, notice.attempts) == (State.FAILED, 2)
    assert smtp.to(lawyer.email) == []


@pytest.mark.django_db
def test_sweep_requeues_due_and_abandoned_rows(lawyer):
    long_ago = timezone.now() - timedelta(hours=1)
    due = services.notify(lawyer, "welcome", channel=Channel.EMAIL)
    abandoned = services.notify(lawyer, "welcome", channel=Channel.EMAIL)
    fresh = services.notify(lawyer, "welcome", channel=Channel.EMAIL)
    Notification.objects.filter(pk=due.pk).update(next_attempt_at=long_ago)
    Notification.objects.filter(pk=abandoned.pk).update(state=State.SENDING, claimed_at=long_ago)

    assert services.sweep() == 2  # queued on the real broker
    leased = Notification.objects.filter(next_attempt_at__gt=timezone.now())
    assert set(leased.values_list("pk", flat=True)) == {due.pk, abandoned.pk}
    assert Notification.objects.get(pk=abandoned.pk).state == State.QUEUED
    assert fresh.pk not in leased.values_list("pk", flat=True)
    # Leased: the next sweep does not queue them again straight away.
    assert services.sweep() == 0


@pytest.mark.django_db
def test_resend_rules(lawyer, smtp):
    failed = services.notify(lawyer, "welcome", channel=Channel.EMAIL)
    Notification.objects.filter(pk=failed.pk).update(state=State.FAILED, attempts=6, last_error="boom")
    failed.refresh_from_db()
    services.resend(failed)
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.last_error) == (State.QUEUED, 0, "")

    secret = services.notify(lawyer, "welcome", channel=Channel.EMAIL, sensitive=True)
    services.deliver(notification_id=secret.pk)
    secret.refresh_from_db()
    with pytest.raises(services.ValidationError):
        services.resend(secret)

    in_app = services.notify(lawyer, "welcome", channel=Channel.IN_APP)
    with pytest.raises(services.ValidationError):
        services.resend(in_app)


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_notification_send_it_once(lawyer, smtp):
    with transaction.atomic():
        notice = services.notify(lawyer, "welcome", channel=Channel.EMAIL)
    # (The queued task waits on the broker: no worker runs in this module.)

    def deliver():
        try:
            return services.deliver(notification_id=notice.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: deliver(), range(4)))
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert len(smtp.to(lawyer.email)) == 1


@pytest.mark.django_db
def test_greylisting_is_retried_but_a_rejected_address_fails_at_once(lawyer, smtp):
    greylisted = services.notify(lawyer, "welcome", channel=Channel.EMAIL)
    smtp.refuse_recipients(1)
    with pytest.raises(services.RetryLater):
        services.deliver(notification_id=greylisted.pk)
    greylisted.refresh_from_db()
    assert greylisted.state == State.QUEUED
    assert "450" in greylisted.last_error

    rejected = services.notify(lawyer, "welcome", channel=Channel.EMAIL)
    smtp.refuse_recipients(1, "550 5.1.1 No such user")
    assert services.deliver(notification_id=rejected.pk) == State.FAILED
    rejected.refresh_from_db()
    assert rejected.attempts == 1 and "550" in rejected.last_error


@pytest.mark.django_db
def test_a_failed_sensitive_message_keeps_no_link(lawyer, smtp, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    secret = services.notify(lawyer, "welcome", channel=Channel.EMAIL, sensitive=True, link="/accounts/activate/x/")
    smtp.fail_next(1)
    assert services.deliver(notification_id=secret.pk) == State.FAILED
    secret.refresh_from_db()
    assert "/accounts/activate/x/" not in secret.body_text + secret.body_html + secret.link


@pytest.mark.django_db
def test_a_worker_dying_mid_send_too_often_ends_in_failed(lawyer, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    stuck = services.notify(lawyer, "welcome", channel=Channel.EMAIL)
    long_ago = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk=stuck.pk).update(state=State.SENDING, claimed_at=long_ago, attempts=2)
    services.sweep()
    stuck.refresh_from_db()
    assert stuck.state == State.FAILED


@pytest.mark.django_db
def test_the_words_are_written_by_the_delivery_task_not_by_the_caller(lawyer, smtp):
    """notify stores what the notice is made of; the worker's delivery renders it (in the recipient's
    language, from the rows as they are then and the plain values as they were) and sends it."""
    from datetime import datetime
    from decimal import Decimal

    from tests.factories import ProgramFactory

    lawyer.language = "en"
    program = ProgramFactory(name_en="Patent litigation")
    figures = {"attended": 1, "total": 4, "needed": 3, "rate": 25, "hours": Decimal("2.5"), "min_hours": 12}
    notice = services.notify(lawyer, "completion_at_risk", {"program": program, **figures, "outcome": "at_risk"})
    assert (notice.subject, notice.body_text, notice.body_html) == ("", "", "")
    assert notice.context["program"] == {"__model__": "training_sessions.program", "pk": program.pk}
    assert notice.context["hours"] == {"__decimal__": "2.5"}

    assert services.deliver(notification_id=notice.pk) == State.SENT
    [message] = smtp.to(lawyer.email)
    assert "Patent litigation" in message["Subject"]
    notice.refresh_from_db()
    assert "Patent litigation" in notice.subject and "2.5" in notice.body_text
    assert notice.context is None  # rendered once
    assert services._thaw(services._freeze({"at": datetime(2025, 6, 1, 9, 30)})) == {"at": datetime(2025, 6, 1, 9, 30)}
    with pytest.raises(TypeError):
        services.notify(lawyer, "welcome", {"something": object()})
