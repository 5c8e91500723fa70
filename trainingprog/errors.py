"""Error pages in the visitor's language (404 and 403 use Django's handlers with our templates)."""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from common.db import lock_not_available, query_cancelled

logger = logging.getLogger(__name__)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


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
