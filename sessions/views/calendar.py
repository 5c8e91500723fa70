"""Calendar feeds: the program's, and each person's private one (a secret, revocable address)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..calendar import build_calendar
from ..models import CalendarFeed, Program, TrainingSession
from ..timetable import ASSIGNMENTS


def _ics(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _feed_user(request):
    """The signed-in person, or the owner of a valid private feed key (calendar apps cannot sign in)."""
    if request.user.is_authenticated:
        return request.user
    key = request.GET.get("key", "")
    feed = CalendarFeed.objects.select_related("user").filter(token=key).first() if key else None
    if feed is None or not feed.user.is_active:
        raise Http404
    return feed.user


def program_ics(request, slug):
    user = _feed_user(request)
    program = get_object_or_404(Program.objects.visible_to(user), slug=slug)
    sessions = program.sessions.select_related("venue", "program").prefetch_related(ASSIGNMENTS)
    return _ics(build_calendar(sessions, name=program.tr("name"), language=user.language), f"{slug}.ics")


def personal_ics(request, token):
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    user = feed.user
    sessions = (
        TrainingSession.objects.visible_to(user)
        .filter(pk__in=TrainingSession.objects.for_user(user).values("pk"))
        .select_related("venue", "program")
        .prefetch_related(ASSIGNMENTS)
    )
    return _ics(build_calendar(sessions, name=_("My training sessions"), language=user.language), "my-sessions.ics")


@login_required
def my_calendar(request):
    feed = services.calendar_feed_for(request.user)
    url = settings.SITE_URL + reverse("sessions:personal_ics", args=[feed.token])
    return render(request, "sessions/my_calendar.html", {"feed": feed, "feed_url": url})


@login_required
@require_POST
def my_calendar_reset(request):
    services.calendar_feed_reset(request.user)
    messages.success(request, _("Your calendar has a new private address; the old one no longer works."))
    return redirect("sessions:my_calendar")
