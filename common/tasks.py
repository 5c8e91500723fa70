"""Queueing background work: one way, with one policy for a broker that is down.

`enqueue` hands a Celery task to the broker once the current transaction commits (at once outside one), so a
worker never looks for rows that are not there yet, and work is never queued for a transaction that rolled
back (pretix's TransactionAwareTask). Tasks are named, not imported: services never import their app's tasks,
which import the services. If the broker cannot take the task, the warning is logged and `on_failure` runs;
whatever the task was to do waits in the database for its sweep, so nothing is lost but time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: str, *, on_failure: Callable[[], object] | None = None, **kwargs) -> None:
    """Queue the task named `task` with these keyword arguments once the current transaction commits."""
    transaction.on_commit(partial(send, task, on_failure=on_failure, **kwargs))


def send(task: str, *, on_failure: Callable[[], object] | None = None, **kwargs) -> bool:
    """Hand the task to the broker now (a sweep, outside any transaction); False if the broker refused it."""
    registered = _task(task)  # a name no task has is a mistake in the code, not an outage
    try:
        registered.apply_async(kwargs=kwargs)
    except Exception:  # noqa: BLE001 - any broker failure: the work waits in the database for its sweep
        logger.warning("broker unavailable: %s not queued", task)
        if on_failure is not None:
            on_failure()
        return False
    return True


_IMPORTING = threading.Lock()


def _task(name: str):
    """The task of that name. A web process imports no tasks module of its own accord (the worker does, as it
    starts): the first look-up imports them all, as the worker would (Celery's autodiscovery), once, while any
    other thread's look-up waits (one finding the modules half imported would find no task of that name)."""
    if name not in current_app.tasks:
        with _IMPORTING:
            current_app.loader.import_default_modules()
    return current_app.tasks[name]
