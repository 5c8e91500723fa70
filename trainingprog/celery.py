"""The Celery application: queues, routing, reliability settings and the beat schedule.

Environment-dependent parts (broker URL, transport options) come from Django settings with the
CELERY_ prefix; what must hold everywhere is set here.
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trainingprog.settings")

app = Celery("trainingprog")
app.config_from_object("django.conf:settings", namespace="CELERY")

QUEUES = ("default", "notifications", "heavy")

app.conf.update(
    task_queues=[Queue(name) for name in QUEUES],
    task_default_queue="default",
    # Mail goes on its own queue so a long certificate or import run never delays a password reset.
    task_routes={
        "notifications.*": {"queue": "notifications"},
        "accounts.tasks.*": {"queue": "notifications"},  # password resets: mail, and as urgent
        "certificates.*": {"queue": "heavy"},
        "participants.tasks.import_*": {"queue": "heavy"},
    },
    # A task is acknowledged only when it has finished, and handed out again if its worker dies;
    # every task is therefore written to be safe to run twice.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=5 * 60,
    task_time_limit=6 * 60,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    timezone="Asia/Shanghai",
    enable_utc=True,
    broker_connection_retry_on_startup=True,
    # Publishing must not hang a web request when the broker is down: fail fast, the outbox
    # sweep sends what could not be queued.
    task_publish_retry=True,
    task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks()
