"""Operational endpoints: /healthz for load balancers and monitoring, /robots.txt for crawlers."""

import time

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # noqa: BLE001 - any failure is reported, never raised
        return {"ok": False, "error": type(error).__name__, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker():
    with Connection(
        settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS, connect_timeout=2
    ) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        broker.default_channel  # noqa: B018 - opening a channel proves the broker answers


@never_cache
def healthz(request):
    checks = {"database": _timed(_database), "broker": _timed(_broker)}
    if not checks["database"]["ok"]:
        status = "down"
    elif all(check["ok"] for check in checks.values()):
        status = "ok"
    else:
        status = "degraded"  # pages still work; e-mails wait in the outbox
    return JsonResponse({"status": status, "checks": checks}, status=503 if status == "down" else 200)


ROBOTS = "User-agent: *\nDisallow: /\n"  # nothing here is for search engines; verification links are shared directly


def robots_txt(request):
    return HttpResponse(ROBOTS, content_type="text/plain")
