"""Error pages in the visitor's language (404 and 403 use Django's handlers with our templates)."""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger(__name__)

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled (at statement_timeout, or by hand)
LOCK_NOT_AVAILABLE = "55P03"  # a lock not granted within lock_timeout (WEB_LOCK_TIMEOUT)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def query_cancelled(exception: BaseException | None) -> bool:
    """PostgreSQL cancelled the query (WEB_STATEMENT_TIMEOUT, settings.py)."""
    return _sqlstate(exception) == QUERY_CANCELED


def lock_not_available(exception: BaseException | None) -> bool:
    """PostgreSQL gave up waiting for a lock (WEB_LOCK_TIMEOUT, settings.py): someone else is changing the
    same rows. The services where a person changes something refuse with a message (participants/services.py);
    anywhere else the visitor gets the 503 page, as for a query too slow."""
    return _sqlstate(exception) == LOCK_NOT_AVAILABLE


def _sqlstate(exception: BaseException | None) -> str | None:
    """PostgreSQL's code for the error: Django's OperationalError around the driver's error, which carries it."""
    return getattr(exception.__cause__, "pgcode", None) if isinstance(exception, OperationalError) else None


def unavailable(*, too_slow: bool) -> HttpResponse:
    """The 503 page, rendered without the database or context processors (the database may be what failed)."""
    response = HttpResponse(loader.get_template("503.html").render({"too_slow": too_slow}), status=503)
    response["Retry-After"] = "30"
    return response


class QueryCancelledMiddleware:
    """A view whose query PostgreSQL cancelled at the statement timeout answers the 503 page saying the page
    took too long, and the log says which page in one line: it is a page too slow for its data, to look into,
    not a crash with a stack trace."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if lock_not_available(exception):
            logger.warning(
                "no lock within WEB_LOCK_TIMEOUT (%ss): %s %s", settings.WEB_LOCK_TIMEOUT, request.method, request.path
            )
            return unavailable(too_slow=True)
        if not query_cancelled(exception):
            return None
        logger.warning(
            "query cancelled at WEB_STATEMENT_TIMEOUT (%ss): %s %s",
            settings.WEB_STATEMENT_TIMEOUT,
            request.method,
            request.path,
        )
        return unavailable(too_slow=True)


def server_error(request):
    # Rendered without context processors: whatever broke (the database?) may be what they need.
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        # The database went away (a restart, a failover): a moment's wait. Or it cancelled a query that took
        # too long, or a lock wait, outside a view (QueryCancelledMiddleware answers those of views).
        return unavailable(too_slow=query_cancelled(error) or lock_not_available(error))
    return HttpResponseServerError(loader.get_template("500.html").render())
