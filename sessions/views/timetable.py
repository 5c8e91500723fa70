"""What everyone signed in reads: the timetable, a session's page, the faculty directory and profiles."""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import timetable
from ..forms import TimetableFilterForm
from ..models import AffiliationKind, Faculty, FacultyAssignment, Program, TrainingSession

ASSIGNMENTS = Prefetch("assignments", queryset=FacultyAssignment.objects.select_related("faculty"))


def visible_program(request, slug) -> Program:
    return get_object_or_404(Program.objects.visible_to(request.user), slug=slug)


@login_required
def program_list(request):
    programs = Program.objects.visible_to(request.user).annotate(
        session_count=Count("sessions", filter=Q(sessions__status="scheduled"))
    )
    if len(programs) == 1 and not request.user.is_administrator:
        return redirect("sessions:schedule", slug=programs[0].slug)
    return render(request, "sessions/program_list.html", {"programs": programs})


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


ROW_LABELS = {
    "label_required": _("Required"),
    "label_elective": _("Elective"),
    "label_cancelled": _("Cancelled"),
    "label_online": _("Online"),
}


@login_required
def schedule(request, slug):
    """The program's timetable: everything, one week or one day, with filters.

    The filter bar and the days are cached per program version, language, period and filters
    (`{% cache %}` in the template); `days` is only evaluated, with its queries, on a miss.
    """
    program = visible_program(request, slug)
    form = TimetableFilterForm(request.GET or None, program=program)
    sessions = program.sessions.select_related("topic", "venue", "program").prefetch_related(ASSIGNMENTS)
    filters = {}
    if form.is_valid():
        filters = {name: value for name, value in form.cleaned_data.items() if value}
        if "topic" in filters:
            sessions = sessions.filter(topic=filters["topic"])
        if "format" in filters:
            sessions = sessions.filter(format=filters["format"])
        if "venue" in filters:
            sessions = sessions.filter(venue=filters["venue"])
        if "faculty" in filters:
            sessions = sessions.filter(assignments__faculty=filters["faculty"])

    view = request.GET.get("view", "all")
    if view not in ("all", "week", "day"):
        view = "all"
    today = timezone.localdate()
    anchor = _parse_date(request.GET.get("date")) or min(max(today, program.starts_on), program.ends_on)
    context = {
        "program": program,
        "form": form,
        "view": view,
        "today": today,
        "filtered": bool(filters),
        "cache_filters": "|".join(f"{k}={getattr(v, 'pk', v)}" for k, v in sorted(filters.items())),
        "period_first": None,
        **ROW_LABELS,
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
    program = visible_program(request, slug)
    session = get_object_or_404(
        TrainingSession.objects.select_related("topic", "venue", "program").prefetch_related(ASSIGNMENTS),
        program=program,
        pk=pk,
    )
    return render(request, "sessions/session_detail.html", {"program": program, "session": session})


@login_required
def faculty_directory(request):
    kind = request.GET.get("kind", "")
    faculty = Faculty.objects.only(
        "slug", "name_zh", "name_en", "title_zh", "title_en", "affiliation_zh", "affiliation_en", "affiliation_kind"
    )
    if kind in AffiliationKind.values:
        faculty = faculty.filter(affiliation_kind=kind)
    context = {
        "faculty": faculty,
        "kinds": AffiliationKind.choices,
        "kind": kind,
        # One reverse for the page rather than one per person.
        "profile_prefix": reverse("sessions:faculty_profile", args=["x"]).removesuffix("x/"),
    }
    return render(request, "sessions/faculty_directory.html", context)


@login_required
def faculty_profile(request, slug):
    person = get_object_or_404(Faculty, slug=slug)
    sessions = (
        TrainingSession.objects.visible_to(request.user)
        .filter(assignments__faculty=person)
        .select_related("program", "venue", "topic")
        .prefetch_related(ASSIGNMENTS)
    )
    context = {"person": person, "rows": timetable.rows(sessions), **ROW_LABELS}
    return render(request, "sessions/faculty_profile.html", context)
