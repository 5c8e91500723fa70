"""What everyone signed in reads: the timetable, a session's page, the faculty directory and profiles."""

import mimetypes
from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import FileResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation

from common.panels import collect_panels
from common.stencil import Stencil

from .. import timetable
from ..forms import TimetableFilterForm
from ..models import AffiliationKind, Faculty, Program, SessionStatus, TrainingSession, in_language

TIMETABLE_PARAMETERS = ("topic", "format", "venue", "faculty", "view", "date")


def visible_program(request, slug) -> Program:
    return get_object_or_404(Program.objects.visible_to(request.user), slug=slug)


@login_required
def program_list(request):
    programs = Program.objects.visible_to(request.user).annotate(
        session_count=Count("sessions", filter=Q(sessions__status=SessionStatus.SCHEDULED))
    )
    if len(programs) == 1 and not request.user.is_administrator:
        return redirect("sessions:schedule", slug=programs[0].slug)
    return render(request, "sessions/program_list.html", {"programs": programs})


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def schedule(request, slug):
    """The program's timetable: everything, one week or one day, with filters.

    The filter bar and the days are cached per program version, language, period and filters
    (`{% cache %}` in the template); `days` is only evaluated, with its queries, on a miss.
    """
    program = visible_program(request, slug)
    # Only the parameters the page knows, shortened: they make the cache key and every link, so a
    # stray or hostile parameter neither pollutes the cache nor leaks into the cached links.
    query = QueryDict(mutable=True)
    for name in TIMETABLE_PARAMETERS:
        if request.GET.get(name):
            query[name] = request.GET[name][:40]
    form = TimetableFilterForm(query or None, program=program)
    sessions = program.sessions.select_related("topic", "venue", "program").prefetch_related(timetable.ASSIGNMENTS)
    form.is_valid()
    # Filters that are valid apply even when another one is not (a stale faculty id, say).
    filters = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if value}
    if filters:
        if "topic" in filters:
            sessions = sessions.filter(topic=filters["topic"])
        if "format" in filters:
            sessions = sessions.filter(format=filters["format"])
        if "venue" in filters:
            sessions = sessions.filter(venue=filters["venue"])
        if "faculty" in filters:
            sessions = sessions.filter(assignments__faculty=filters["faculty"])

    view = query.get("view", "all")
    if view not in ("all", "week", "day"):
        view = "all"
    today = timezone.localdate()
    anchor = _parse_date(query.get("date")) or min(max(today, program.starts_on), program.ends_on)
    context = {
        "program": program,
        "form": form,
        "view": view,
        "today": today,
        "filtered": bool(filters),
        "query_base": query,
        "cache_query": "&".join(f"{k}={v}" for k, v in sorted(query.items())),
        "period_first": None,
        **timetable.ROW_LABELS,
    }
    if view != "all":
        first = anchor - timedelta(days=anchor.weekday()) if view == "week" else anchor
        last, step = (first + timedelta(days=6), timedelta(days=7)) if view == "week" else (first, timedelta(days=1))
        sessions = sessions.filter(starts_at__date__gte=first, starts_at__date__lte=last)
        context.update(period_first=first, period_last=last, previous=first - step, next=first + step)
    context["days"] = lambda: timetable.by_day(timetable.rows(sessions))
    return render(request, "sessions/schedule.html", context)


@login_required
def session_detail(request, slug, pk):
    session = get_object_or_404(
        TrainingSession.objects.visible_to(request.user).select_related("topic", "venue", "program"),
        program__slug=slug,
        pk=pk,
    )
    context = {
        "program": session.program,
        "session": session,
        "panels": collect_panels("session_panels", request, session=session),
        # Read only when the cached part of the page is rendered again.
        "assignments": lambda: session.assignments.select_related("faculty"),
    }
    return render(request, "sessions/session_detail.html", context)


@login_required
def faculty_directory(request):
    kind = request.GET.get("kind", "")
    faculty = Faculty.objects.values_list(
        "slug", "name_zh", "name_en", "title_zh", "title_en", "affiliation_zh", "affiliation_en"
    )
    if kind in AffiliationKind.values:
        faculty = faculty.filter(affiliation_kind=kind)
    # Every card from one stencil (common/stencil.py): 500 cards rendered one by one were most of the page's time.
    # One reverse for the page rather than one per person.
    prefix = reverse("sessions:faculty_profile", args=["x"]).removesuffix("x/")
    card = Stencil("sessions/faculty_directory.html#card", {"profile_prefix": prefix}, CARD, name="card")
    language = translation.get_language()
    cards = []
    for slug, name_zh, name_en, title_zh, title_en, affiliation_zh, affiliation_en in faculty:
        name = in_language(name_zh, name_en, language)
        title, affiliation = (
            in_language(title_zh, title_en, language),
            in_language(affiliation_zh, affiliation_en, language),
        )
        cards.append(
            card.fill({"slug": slug, "initial": name[:1], "name": name, "title": title, "affiliation": affiliation})
        )
    context = {"cards": cards, "kinds": AffiliationKind.choices, "kind": kind}
    return render(request, "sessions/faculty_directory.html", context)


CARD = ("slug", "initial", "name", "title", "affiliation")


@login_required
def faculty_profile(request, slug):
    person = get_object_or_404(Faculty, slug=slug)
    sessions = (
        TrainingSession.objects.visible_to(request.user)
        .filter(assignments__faculty=person)
        .select_related("program", "venue", "topic")
        .prefetch_related(timetable.ASSIGNMENTS)
    )
    context = {"person": person, "rows": timetable.rows(sessions), **timetable.ROW_LABELS}
    return render(request, "sessions/faculty_profile.html", context)


@login_required
def faculty_photo(request, slug):
    """A faculty member's photo, for signed-in readers of the directory (media is never served directly)."""
    person = get_object_or_404(Faculty.objects.exclude(photo=""), slug=slug)
    response = FileResponse(
        person.photo.open("rb"), content_type=mimetypes.guess_type(person.photo.name)[0] or "image/jpeg"
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
