"""What everyone signed in reads: the timetable, a session's page, the faculty directory and profiles."""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

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


@login_required
def schedule(request, slug):
    """The program's timetable: everything, one week or one day, with filters."""
    program = visible_program(request, slug)
    form = TimetableFilterForm(request.GET or None, program=program)
    sessions = program.sessions.select_related("topic", "venue").prefetch_related(ASSIGNMENTS)
    if form.is_valid():
        data = form.cleaned_data
        if data["topic"]:
            sessions = sessions.filter(topic=data["topic"])
        if data["format"]:
            sessions = sessions.filter(format=data["format"])
        if data["venue"]:
            sessions = sessions.filter(venue=data["venue"])
        if data["faculty"]:
            sessions = sessions.filter(assignments__faculty=data["faculty"])

    view = request.GET.get("view", "all")
    if view not in ("all", "week", "day"):
        view = "all"
    today = timezone.localdate()
    anchor = _parse_date(request.GET.get("date")) or min(max(today, program.starts_on), program.ends_on)
    period = None
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        period = (first, first + timedelta(days=6), timedelta(days=7))
    elif view == "day":
        period = (anchor, anchor, timedelta(days=1))
    if period:
        first, last, step = period
        sessions = sessions.filter(starts_at__date__gte=first, starts_at__date__lte=last)

    days: list[tuple[date, list[TrainingSession]]] = []
    for session in sessions:
        day = timezone.localdate(session.starts_at)
        if not days or days[-1][0] != day:
            days.append((day, []))
        days[-1][1].append(session)

    context = {
        "program": program,
        "form": form,
        "days": days,
        "view": view,
        "today": today,
        "filtered": form.is_valid() and any(form.cleaned_data.values()),
    }
    if period:
        first, last, step = period
        context.update(period_first=first, period_last=last, previous=first - step, next=first + step)
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
    return render(
        request, "sessions/faculty_directory.html", {"faculty": faculty, "kinds": AffiliationKind.choices, "kind": kind}
    )


@login_required
def faculty_profile(request, slug):
    person = get_object_or_404(Faculty, slug=slug)
    sessions = (
        TrainingSession.objects.visible_to(request.user)
        .filter(assignments__faculty=person)
        .select_related("program", "venue")
        .prefetch_related(ASSIGNMENTS)
    )
    return render(request, "sessions/faculty_profile.html", {"person": person, "sessions": sessions})
