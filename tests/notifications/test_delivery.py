"""End to end through a real Celery worker process on real Redis and a real SMTP server."""

import subprocess
import sys

import pytest
from django.db import transaction

from notifications.models import Channel, Notification, State
from notifications.services import notify
from notifications.tasks import deliver_notification
from tests.support import ROOT, celery_worker, free_port, redis_server, service_env, test_database_url, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _email(recipient, key):
    return notify(recipient, "welcome", dedup_key=key, channel=Channel.EMAIL, link="/")


def _wait_sent(notification, timeout=30):
    wait_for(
        lambda: Notification.objects.get(pk=notification.pk).state == State.SENT,
        timeout=timeout,
        message=f"notification {notification.pk} to be sent",
    )


def test_committed_notification_is_sent_once_even_if_its_task_runs_twice(mail_worker, sink, lawyer, other_lawyer):
    with transaction.atomic():
        notice = _email(lawyer, "twice")
    # Two more deliveries of the same notification, as after a redelivery or a double enqueue.
    deliver_notification.delay(notification_id=notice.pk)
    deliver_notification.delay(notification_id=notice.pk)
    # The worker runs one task at a time in order: once this marker is out, the duplicates are done.
    with transaction.atomic():
        marker = _email(other_lawyer, "marker")
    _wait_sent(marker)
    _wait_sent(notice)
    assert len(sink.to(lawyer.email)) == 1
    notice.refresh_from_db()
    assert notice.attempts == 1


def test_rolled_back_notification_is_never_sent(mail_worker, sink, lawyer, other_lawyer):
    with pytest.raises(RuntimeError), transaction.atomic():
        _email(lawyer, "rolled-back")
        raise RuntimeError("the caller's transaction fails")
    with transaction.atomic():
        marker = _email(other_lawyer, "after-rollback")
    _wait_sent(marker)
    assert not Notification.objects.filter(dedup_key="rolled-back").exists()
    assert sink.to(lawyer.email) == []


def test_temporary_smtp_failure_is_retried_by_the_worker(mail_worker, sink, lawyer):
    sink.fail_next(1)
    with transaction.atomic():
        notice = _email(lawyer, "retry")
    _wait_sent(notice)
    notice.refresh_from_db()
    assert notice.attempts == 2
    assert len(sink.to(lawyer.email)) == 1


def test_with_the_broker_down_the_notification_waits_and_goes_out_when_it_returns(tmp_path, sink, lawyer):
    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    env = service_env(DATABASE_URL=test_database_url(), REDIS_URL=broker, EMAIL_URL=sink.url)
    # A web process creates a notification while nothing listens on the broker's port.
    script = (
        "import django; django.setup()\n"
        "from django.db import transaction\n"
        "from accounts.models import User\n"
        "from notifications.services import notify\n"
        "with transaction.atomic():\n"
        f"    notify(User.objects.get(pk={lawyer.pk}), 'welcome', dedup_key='outage', channel='email')\n"
        "print('stored')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "stored" in result.stdout
    notice = Notification.objects.get(dedup_key="outage")
    assert notice.state == State.QUEUED

    # The broker comes back; the worker's beat runs the outbox sweep, which sends it.
    with (
        redis_server(port, tmp_path),
        celery_worker(
            tmp_path / "worker.log",
            beat=True,
            DATABASE_URL=test_database_url(),
            REDIS_URL=broker,
            EMAIL_URL=sink.url,
            NOTIFICATION_SWEEP_SECONDS=1,
        ),
    ):
        _wait_sent(notice, timeout=60)
    assert len(sink.to(lawyer.email)) == 1
