"""What a lawyer does: My program, enrolling and cancelling (htmx on the session page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import Role
from common.panels import collect_panels
from sessions import timetable
from sessions.models import Program, TrainingSession

from .. import services
from ..forms import ApplicationForm, ContactForm
from ..models import Admission, AdmissionState, Attendance, AttendanceStatus, Enrolment, Participant
from ..services import profiles

# The newest program first (a lawyer back for a second cohort sees this one's sessions, not last year's).
SEAT_ORDER = ("-session__program__starts_on", "session__program_id", "session__starts_at")


@login_required
def my_program(request):
    """The lawyer's seats as the timetable's rows, rendered once for everyone (sessions.timetable.fragments),
    with their own marks; their waitlist places; each program's completion figures."""
    # One at most: without the default order, which joins the provinces again.
    participant = Participant.objects.filter(user=request.user).select_related("province").order_by().first()
    admissions = (
        Admission.objects.filter(participant=participant).select_related("program")
        if participant
        else Admission.objects.none()
    )
    waitlisted = (
        list(
            Enrolment.objects.waitlisted()
            .with_waitlist_position()
            .filter(participant=participant)
            .select_related("session__program")
            .order_by(*SEAT_ORDER)
        )
        if participant
        else []
    )
    waiting = [(e, e.waitlist_position) for e in waitlisted if not e.session.has_ended]
    # A session that ended while the lawyer waited: no seat came free, and none will (the latest first).
    lapsed = [e for e in reversed(waitlisted) if e.session.has_ended]
    admitted = [a for a in admissions if a.state == AdmissionState.ADMITTED]
    if admitted:  # the completion figures of each program the lawyer is in
        figures = services.lawyer_summaries(participant, [a.program for a in admitted])
        for admission in admitted:
            admission.figures = figures.get(admission.program_id)
    seats = _seats(participant) if participant else []
    context = {
        "participant": participant,
        "admissions": admissions,
        "admitted": admitted,
        "programs": _my_rows(participant, admissions, seats) if participant else [],
        "waiting": waiting,
        "lapsed": lapsed,
        "panels": collect_panels(
            "my_program_panels",
            request,
            seated=[pk for pk, _program in seats],
            admitted=[a.program_id for a in admitted],
        ),
    }
    return render(request, "participants/my_program.html", context)


def _seats(participant: Participant) -> list[tuple[int, int]]:
    """The sessions the lawyer holds a seat in, with their programs' ids, as ids."""
    return list(
        Enrolment.objects.confirmed()
        .filter(participant=participant)
        .order_by(*SEAT_ORDER)
        .values_list("session_id", "session__program_id")
    )


def _my_rows(participant: Participant, admissions, seats: list[tuple[int, int]]) -> list[tuple[Program, list[str]]]:
    """Per program, the lawyer's seats as the timetable's rows with their marks: ids and marks are read as
    values, the rows are the shared, cached ones."""
    programs = {a.program_id: a.program for a in admissions}
    if unknown := {program for _pk, program in seats} - programs.keys():  # a seat kept after leaving a program
        programs.update(Program.objects.in_bulk(unknown))
    marks = dict(Attendance.objects.filter(participant=participant).values_list("session_id", "status"))
    rows = timetable.fragments(
        [(pk, programs[program]) for pk, program in seats], marks, dict(AttendanceStatus.choices)
    )
    grouped: dict[int, tuple[Program, list[str]]] = {}
    for pk, program in seats:
        if pk in rows:
            grouped.setdefault(program, (programs[program], []))[1].append(rows[pk])
    return list(grouped.values())


def enrolment_panel_context(
    request, session: TrainingSession, *, participant=None, enrolment=None, seats_current: bool = False
) -> dict:
    """The enrol box on a session page, for the signed-in lawyer (callers that know the lawyer and
    their enrolment pass them in and save the queries; `seats_current`: `session` was read in this request and
    nothing since changed its seats, as on the session page, so its seat count needs no second read)."""
    participant = participant or Participant.objects.filter(user=request.user).order_by().first()
    if enrolment is None and participant:  # one at most (and no need of the default order's join)
        enrolment = Enrolment.objects.active().filter(participant=participant, session=session).order_by().first()
    admitted = enrolment is not None or (
        bool(participant)
        and Admission.objects.filter(
            participant=participant, program_id=session.program_id, state=AdmissionState.ADMITTED
        ).exists()
    )
    if enrolment is None:  # the seats left are shown only next to the "Enrol" button
        # Unless `session` is current, read now: a seat given up in this request is free again.
        taken = (
            session.seats_taken
            if seats_current
            else TrainingSession.objects.values_list("seats_taken", flat=True).get(pk=session.pk)
        )
        seats_left = max(session.capacity - taken, 0)
    return {
        "session": session,
        "participant": participant,
        "enrolment": enrolment,
        "position": enrolment.waitlist_position if enrolment else None,
        "admitted": admitted,
        "seats_left": None if enrolment else seats_left,
    }


_LAWYER_ID = f"SELECT id FROM {Participant._meta.db_table} WHERE user_id = %s"  # noqa: S608 - our table's name


@role_required(Role.PARTICIPANT)
@require_POST
def enrolment_action(request, session_pk):
    """Enrol, or cancel, for oneself; answers with the refreshed box (htmx) or the session page."""
    # The session with the lawyer's id, in one query; the lawyer as that id (the rest of their row loads if read).
    # The id's subquery written out: built as a Subquery, it cost more CPU than a query of its own.
    mine = RawSQL(_LAWYER_ID, [request.user.pk])  # noqa: S611 - our statement, the account's id its parameter
    session = get_object_or_404(
        TrainingSession.objects.visible_to(request.user).select_related("program").annotate(lawyer=mine),
        pk=session_pk,
    )
    if session.lawyer is None:
        raise Http404
    participant = Participant.from_db(DEFAULT_DB_ALIAS, ["id", "user_id"], [session.lawyer, request.user.pk])
    participant.user = request.user  # the notices go to them: no need to load the account again
    error, enrolment = None, None
    try:
        if request.POST.get("action") == "cancel":
            current = Enrolment.objects.active().filter(participant=participant, session=session).first()
            if current is not None:
                services.enrolment_cancel(enrolment=current, by=request.user)
        else:
            enrolment = services.enrol(participant=participant, session=session)
    except ValidationError as refusal:
        error = refusal.messages[0]
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or _("Done."))
        return redirect("sessions:session_detail", session.program.slug, session.pk)
    context = {
        **enrolment_panel_context(request, session, participant=participant, enrolment=enrolment),
        "error": error,
    }
    if request.POST.get("compact"):  # the timetable's small slot rather than the session page's box
        return render(request, "participants/_slot.html", context)
    return render(request, "participants/_enrolment_box.html", context)


@role_required(Role.PARTICIPANT)
def my_profile(request):
    """The lawyer keeps their contact details current; name, licence, firm and province are the office's."""
    participant = get_object_or_404(Participant.objects.select_related("province"), user=request.user)
    form = ContactForm(request.POST or None, instance=participant)
    if request.method == "POST" and form.is_valid():
        profiles.participant_contact_update(participant=participant, values=form.cleaned_data)
        messages.success(request, _("Your details are saved."))
        return redirect("participants:my_program")
    return render(request, "participants/my_profile.html", {"form": form, "participant": participant})


@login_required
def apply(request, slug):
    """Apply to a program that is open for applications, with one's lawyer profile."""
    if request.user.roles & {Role.FACULTY.value, Role.COORDINATOR.value}:
        # Faculty teach the program and coordinators nominate for it: a lawyer's profile would mix the two.
        raise PermissionDenied
    program = get_object_or_404(Program.objects.visible_to(request.user), slug=slug)
    participant = Participant.objects.filter(user=request.user).select_related("province").first()
    existing = Admission.objects.filter(participant=participant, program=program).first() if participant else None
    if existing is not None:
        messages.info(
            request, _("You have already applied to this program: %(state)s.") % {"state": existing.get_state_display()}
        )
        return redirect("participants:my_program")
    if not program.accepts_applications:
        messages.error(request, _("This program is not taking applications."))
        return redirect("sessions:program_list")
    if participant is None:  # a new lawyer: the whole profile
        form = ApplicationForm(request.POST or None)
    else:  # who they are is on file (the office corrects it); they may bring their contact details up to date
        form = ContactForm(request.POST or None, instance=participant, submit_label=_("Send my application"))
    if request.method == "POST" and form.is_valid():
        services.application_submit(user=request.user, profile=form, program=program)
        messages.success(request, _("Your application is sent. The program office will tell you its decision."))
        return redirect("participants:my_program")
    return render(request, "participants/apply.html", {"form": form, "program": program, "participant": participant})


@role_required(Role.PARTICIPANT)
def timetable_slots(request, slug):
    """htmx, after the timetable loads: for each open elective, this lawyer's seat, waitlist place or
    an enrol button, swapped into the cached rows out of band."""
    program = get_object_or_404(Program.objects.visible_to(request.user), slug=slug)
    participant = Participant.objects.filter(user=request.user).first()
    slots = services.timetable_slots(participant=participant, program=program) if participant else []
    return render(request, "participants/_timetable_slots.html", {"slots": slots})
