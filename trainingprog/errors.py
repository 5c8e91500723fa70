"""Error pages in the visitor's language (404 and 403 use Django's handlers with our templates)."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    # Rendered without context processors: whatever broke (the database?) may be what they need.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        # The database went away (a restart, a failover): a moment's wait, not a defect.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
