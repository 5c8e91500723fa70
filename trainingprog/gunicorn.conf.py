"""gunicorn settings for production: `gunicorn -c trainingprog/gunicorn.conf.py trainingprog.wsgi`.

Read from the environment, or from the .env file beside manage.py as trainingprog/settings.py reads it, so
that gunicorn and Django see the same values (GUNICORN_TIMEOUT above all: see `post_fork`).
"""

import multiprocessing
import os
import sys
from pathlib import Path

import environ

environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never grow for weeks.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = max_requests // 10
# Behind nginx or a load balancer on the same host/network: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%({x-request-id}o)s"'
# Invitation, password-reset and calendar tokens never reach the access log.
logger_class = "trainingprog.gunicorn_logging.RedactingLogger"


def post_fork(server, worker):
    """In each worker, before it imports the app: it is a web process, and the timeout gunicorn applies is the
    one it was given in the end (this file, GUNICORN_CMD_ARGS or `--timeout`), from which settings.py sizes
    the database's statement timeout and against which it checks WEB_STATEMENT_TIMEOUT."""
    os.environ["TRAININGPROG_WEB_PROCESS"] = "true"
    os.environ["GUNICORN_TIMEOUT"] = str(server.cfg.timeout)


def on_starting(server):
    """With `--preload` the app, and its settings, were loaded here before any `post_fork`, from the timeout in
    the environment: refuse a statement timeout that a `--timeout` given since would not be above."""
    if not server.cfg.preload_app or not server.cfg.timeout:
        return
    from django.conf import settings

    if server.cfg.timeout <= settings.WEB_STATEMENT_TIMEOUT:
        server.log.error(
            "WEB_STATEMENT_TIMEOUT=%g s is not below gunicorn's timeout of %s s: a query would outlive the request "
            "gunicorn gave up on. Set GUNICORN_TIMEOUT rather than --timeout, or a lower WEB_STATEMENT_TIMEOUT.",
            settings.WEB_STATEMENT_TIMEOUT,
            server.cfg.timeout,
        )
        sys.exit(1)
