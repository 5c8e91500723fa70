"""Administrators' workbench: programs, topics, sessions with their faculty, venues, faculty, clashes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, ProtectedError, Q, RestrictedError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import administrator_required
from common.params import pk_from

from .. import services
from ..conflicts import check_session, program_clashes
from ..forms import AssignmentFormSet, CancelForm, FacultyForm, ProgramForm, SessionForm, TopicFormSet, VenueForm
from ..models import Faculty, Program, SessionChange, SessionStatus, TrainingSession, Venue
from ..timetable import ASSIGNMENTS


def _form_page(request, form, *, title, back, formset=None, extra=None):
    return render(
        request,
        "sessions/manage/form.html",
        {"form": form, "formset": formset, "title": title, "back": back, **(extra or {})},
    )


# --- programs and topics -----------------------------------------------------------------------
@administrator_required
def program_list(request):
    programs = Program.objects.annotate(
        session_count=Count("sessions", filter=Q(sessions__status=SessionStatus.SCHEDULED), distinct=True),
        topic_count=Count("topics", distinct=True),
    )
    return render(request, "sessions/manage/program_list.html", {"programs": programs})


@administrator_required
def program_edit(request, slug=None):
    program = get_object_or_404(Program, slug=slug) if slug else None
    # The form gets its own copy: a refused form leaves the values typed in its instance, and the page's
    # heading and tabs must still show (and link to) the program as stored.
    form = ProgramForm(request.POST or None, instance=Program.objects.get(pk=program.pk) if program else None)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("The program is saved."))
        return redirect("sessions_manage:program", slug=saved.slug)
    if program:
        back = reverse("sessions_manage:program", args=[program.slug])
        return _form_page(request, form, title=_("Edit program"), back=back, extra={"program": program})
    return _form_page(request, form, title=_("New program"), back=reverse("sessions_manage:program_list"))


@administrator_required
def program_topics(request, slug):
    program = get_object_or_404(Program, slug=slug)
    formset = TopicFormSet(request.POST or None, instance=program)
    if request.method == "POST" and formset.is_valid():
        try:
            with transaction.atomic():
                formset.save()
        except RestrictedError:
            messages.error(request, _("A topic that sessions still use cannot be removed; move those sessions first."))
        else:
            messages.success(request, _("Topics are saved."))
            return redirect("sessions_manage:program", slug=slug)
    return render(request, "sessions/manage/topics.html", {"program": program, "formset": formset})


@administrator_required
def program_detail(request, slug):
    """The program's sessions as a table with actions, and how many clashes remain."""
    program = get_object_or_404(Program, slug=slug)
    sessions = program.sessions.select_related("topic", "venue").prefetch_related(ASSIGNMENTS)
    clashes, warnings = program_clashes(program)
    return render(
        request,
        "sessions/manage/program_detail.html",
        {"program": program, "sessions": sessions, "clash_count": len(clashes), "warning_count": len(warnings)},
    )


@administrator_required
def program_conflicts(request, slug):
    program = get_object_or_404(Program, slug=slug)
    clashes, warnings = program_clashes(program)
    return render(
        request, "sessions/manage/conflicts.html", {"program": program, "clashes": clashes, "warnings": warnings}
    )


# --- sessions ----------------------------------------------------------------------------------
def _session_forms(request, program, session, initial_faculty):
    data = request.POST if request.method == "POST" else None
    form = SessionForm(data, instance=session, program=program)
    formset = AssignmentFormSet(data, initial=initial_faculty, prefix="faculty")
    return form, formset


def _initial_faculty(session):
    source = getattr(session, "_copied_from", None) or (session if session.pk else None)
    if source is None:
        return [{}]
    rows = [{"faculty": a.faculty, "role": a.role} for a in source.assignments.select_related("faculty")]
    return rows or [{}]


@administrator_required
def session_edit(request, slug=None, pk=None):
    """Create (optionally as a copy of another session) or edit a session with its faculty."""
    if pk:
        session = get_object_or_404(TrainingSession.objects.select_related("program"), pk=pk)
        program = session.program
    else:
        program = get_object_or_404(Program, slug=slug)
        session = TrainingSession(program=program)
        source = pk_from(request.GET.get("from"))
        if source is not None:
            original = get_object_or_404(TrainingSession, pk=source, program=program)
            session = _copy(original)
    form, formset = _session_forms(request, program, session, _initial_faculty(session))
    conflicts = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.session_save(
                session=form.instance,
                faculty=formset.assignments(),
                by=request.user,
                acknowledge_warnings=form.cleaned_data["acknowledge_warnings"],
            )
        except services.ScheduleConflict as conflict:
            conflicts = conflict.conflicts
            if conflict.blocking:
                form.add_error(None, _("The session is not saved: fix the clashes below first."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": form.instance.title})
            return redirect("sessions_manage:program", slug=program.slug)
    return render(
        request,
        "sessions/manage/session_form.html",
        {"program": program, "session": session, "form": form, "formset": formset, "conflicts": conflicts},
    )


def _copy(original: TrainingSession) -> TrainingSession:
    copy = TrainingSession(
        program=original.program,
        topic=original.topic,
        title_zh=original.title_zh,
        title_en=original.title_en,
        description_zh=original.description_zh,
        description_en=original.description_en,
        format=original.format,
        starts_at=original.starts_at,
        ends_at=original.ends_at,
        venue=original.venue,
        online_url=original.online_url,
        capacity=original.capacity,
        is_required=original.is_required,
        credit_hours=original.credit_hours,
    )
    copy._copied_from = original
    return copy


@administrator_required
@require_POST
def session_check(request, slug):
    """htmx: the clashes the session form would have, while the administrator is still typing."""
    program = get_object_or_404(Program, slug=slug)
    pk = pk_from(request.POST.get("session_pk"))
    session = get_object_or_404(TrainingSession, pk=pk, program=program) if pk is not None else None
    form = SessionForm(request.POST, instance=session, program=program)
    formset = AssignmentFormSet(request.POST, prefix="faculty")
    form.is_valid()
    formset.is_valid()
    data = form.cleaned_data
    conflicts = []
    if data.get("starts_at") and data.get("ends_at") and data["ends_at"] > data["starts_at"]:
        faculty_ids = [f.pk for f, _role in formset.assignments()] if formset.is_valid() else []
        conflicts = check_session(
            program=program,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            venue=data.get("venue"),
            capacity=data.get("capacity"),
            faculty_ids=faculty_ids,
            exclude_pk=session.pk if session else None,
        )
    return render(request, "sessions/manage/session_form.html#conflicts", {"conflicts": conflicts, "checked": True})


@administrator_required
def session_cancel(request, pk):
    session = get_object_or_404(TrainingSession.objects.select_related("program"), pk=pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(session=session, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(title)s” is cancelled; its faculty are told.") % {"title": session.title})
            return redirect("sessions_manage:program", slug=session.program.slug)
    return render(request, "sessions/manage/session_cancel.html", {"session": session, "form": form})


@administrator_required
@require_POST
def session_restore(request, pk):
    session = get_object_or_404(TrainingSession.objects.select_related("program"), pk=pk)
    try:
        services.session_restore(session=session, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("“%(title)s” is back on the timetable.") % {"title": session.title})
    return redirect("sessions_manage:program", slug=session.program.slug)


@administrator_required
def session_history(request, pk):
    session = get_object_or_404(TrainingSession.objects.select_related("program"), pk=pk)
    changes = session.changes.select_related("changed_by")
    return render(
        request,
        "sessions/manage/session_history.html",
        {"session": session, "changes": changes, "Kind": SessionChange.Kind},
    )


# --- venues ------------------------------------------------------------------------------------
@administrator_required
def venue_list(request):
    venues = Venue.objects.annotate(session_count=Count("sessions"))
    return render(request, "sessions/manage/venue_list.html", {"venues": venues})


@administrator_required
def venue_edit(request, pk=None):
    venue = get_object_or_404(Venue, pk=pk) if pk else None
    form = VenueForm(request.POST or None, instance=venue)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The venue is saved."))
        return redirect("sessions_manage:venue_list")
    return _form_page(
        request, form, title=_("Edit venue") if venue else _("New venue"), back=reverse("sessions_manage:venue_list")
    )


@administrator_required
@require_POST
def venue_delete(request, pk):
    venue = get_object_or_404(Venue, pk=pk)
    try:
        venue.delete()
    except ProtectedError:
        messages.error(
            request, _("%(venue)s is used by sessions and cannot be deleted; move them first.") % {"venue": venue}
        )
    else:
        messages.success(request, _("%(venue)s is deleted.") % {"venue": venue})
    return redirect("sessions_manage:venue_list")


# --- faculty -----------------------------------------------------------------------------------
@administrator_required
def faculty_list(request):
    faculty = Faculty.objects.select_related("user").annotate(session_count=Count("assignments"))
    query = request.GET.get("q", "").strip()
    if query:
        faculty = faculty.filter(
            Q(name_zh__icontains=query) | Q(name_en__icontains=query) | Q(affiliation_zh__icontains=query)
        )
    return render(request, "sessions/manage/faculty_list.html", {"faculty": faculty, "query": query})


@administrator_required
def faculty_edit(request, pk=None):
    person = get_object_or_404(Faculty, pk=pk) if pk else None
    form = FacultyForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The faculty profile is saved."))
        return redirect("sessions_manage:faculty_list")
    title = _("Edit faculty member") if person else _("New faculty member")
    return _form_page(request, form, title=title, back=reverse("sessions_manage:faculty_list"))


@administrator_required
@require_POST
def faculty_invite(request, pk):
    person = get_object_or_404(Faculty, pk=pk)
    try:
        services.faculty_invite(faculty=person, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(name)s can now sign in (or has an invitation on its way).") % {"name": person})
    return redirect("sessions_manage:faculty_list")
