"""Error pages in the visitor's language (404 and 403 use Django's handlers with our templates)."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    # Rendered without context processors: whatever broke (the database?) may be what they need.
    return HttpResponseServerError(loader.get_template("500.html").render())
