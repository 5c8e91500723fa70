"""Administrators: admissions against province quotas, session rosters and waitlists, exports."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import administrator_required
from common.exports import spreadsheet_response
from common.panels import collect_panels
from common.params import pk_from
from sessions.models import Program, SessionStatus, TrainingSession

from .. import services
from ..forms import AdministratorProfileForm
from ..models import Admission, AdmissionState, Enrolment, EnrolmentState, Participant, Province
from ..services import profiles, quotas


@administrator_required
def admissions(request, slug):
    program = get_object_or_404(Program, slug=slug)
    applied = dict(
        Admission.objects.filter(program=program, state=AdmissionState.APPLIED)
        .values("participant__province")
        .annotate(n=Count("pk"))
        .values_list("participant__province", "n")
        .order_by()
    )
    provinces = []
    for line in quotas.quota_table(program).lines:
        waiting = applied.get(line.province.pk, 0)
        if line.admitted or line.seats or waiting:
            provinces.append(
                {"province": line.province, "admitted": line.admitted, "seats": line.seats, "applied": waiting}
            )

    listed = Admission.objects.filter(program=program).select_related("participant__province", "participant__user")
    state = request.GET.get("state", "")
    if state in AdmissionState.values:
        listed = listed.filter(state=state)
    province = request.GET.get("province", "")
    if province.isdigit():
        listed = listed.filter(participant__province__code=province)
    query = request.GET.get("q", "").strip()
    if query:
        listed = listed.filter(
            Q(participant__name_zh__icontains=query)
            | Q(participant__name_latin__icontains=query)
            | Q(participant__license_number__endswith=query)
            | Q(participant__law_firm__icontains=query)
        )
    page = Paginator(listed.order_by("participant__province__code", "participant__name_zh"), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "program": program,
        "provinces": provinces,
        "page": page,
        "states": AdmissionState.choices,
        "state": state,
        "province": province,
        "query": query,
        "all_provinces": Province.objects.all(),
    }
    return render(request, "participants/manage/admissions.html", context)


@administrator_required
@require_POST
def admission_action(request, pk):
    admission = get_object_or_404(Admission.objects.select_related("participant", "program"), pk=pk)
    action = request.POST.get("action")
    try:
        if action == "admit":
            services.admit(
                participant=admission.participant,
                program=admission.program,
                by=request.user,
                override_reason=request.POST.get("override_reason", ""),
            )
        elif action in (AdmissionState.REJECTED, AdmissionState.WITHDRAWN):
            services.admission_decide(
                admission=admission, state=action, reason=request.POST.get("reason", ""), by=request.user
            )
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, f"{admission.participant}: {message}")
    else:
        messages.success(request, _("%(name)s: done.") % {"name": admission.participant})
    return redirect("participants:admissions", slug=admission.program.slug)


@administrator_required
def roster(request, pk):
    session = get_object_or_404(TrainingSession.objects.select_related("program", "venue"), pk=pk)
    enrolments = (
        Enrolment.objects.active().filter(session=session).select_related("participant__province", "participant__user")
    )
    confirmed = [
        e
        for e in enrolments.order_by("participant__province__code", "participant__name_zh")
        if e.state == EnrolmentState.CONFIRMED
    ]
    waiting = list(enrolments.filter(state=EnrolmentState.WAITLISTED).order_by("waitlisted_at", "pk"))
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        header = [
            _("Status"),
            _("Waitlist position"),
            _("Name"),
            _("Name in Latin letters"),
            _("Province"),
            _("Law firm"),
            _("Practising-licence number"),
            _("Mobile"),
            _("E-mail"),
        ]
        rows = [
            [
                e.get_state_display(),
                position or "",
                e.participant.name_zh,
                e.participant.name_latin,
                str(e.participant.province),
                e.participant.law_firm,
                e.participant.license_number,
                e.participant.mobile,
                e.participant.user.email,
            ]
            for position, e in [*((None, e) for e in confirmed), *enumerate(waiting, start=1)]
        ]
        return spreadsheet_response(filename=f"roster-{session.pk}", fmt=fmt, header=header, rows=rows)
    candidates = []
    query = request.GET.get("q", "").strip()
    if query:
        candidates = (
            Participant.objects.filter(admissions__program=session.program, admissions__state=AdmissionState.ADMITTED)
            .filter(Q(name_zh__icontains=query) | Q(name_latin__icontains=query) | Q(license_number__endswith=query))
            .exclude(enrolments__in=enrolments)
            .select_related("province")[:20]
        )
    context = {"session": session, "confirmed": confirmed, "waiting": waiting, "candidates": candidates, "query": query}
    return render(request, "participants/manage/roster.html", context)


@administrator_required
@require_POST
def roster_action(request, pk):
    """Enrol a lawyer on their behalf, or remove one (their seat goes to the waitlist) once confirmed."""
    session = get_object_or_404(TrainingSession, pk=pk)
    try:
        if request.POST.get("action") == "remove":
            enrolment = get_object_or_404(
                Enrolment.objects.select_related("participant__province"),
                pk=pk_from(request.POST.get("enrolment")),
                session=session,
            )
            if request.POST.get("confirm") != "yes":
                return _confirm_removal(request, session, enrolment)
            services.enrolment_cancel(enrolment=enrolment, by=request.user)
        else:
            participant = get_object_or_404(Participant, pk=pk_from(request.POST.get("participant")))
            services.enrol(participant=participant, session=session, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The roster is updated."))
    return redirect("participants:roster", pk=session.pk)


def _confirm_removal(request, session, enrolment):
    """The roster's Remove asks first, on a page of its own (so it works without script): only that page's
    button, which sends confirm=yes, removes."""
    if enrolment.state == EnrolmentState.CANCELLED:  # removed meanwhile, or the roster was old
        messages.info(request, _("%(name)s is no longer on this roster.") % {"name": enrolment.participant})
        return redirect("participants:roster", pk=session.pk)
    # A seat freed once the session has ended goes to no one (services.promote_waitlist): no promise of one.
    ended = session.has_ended
    waiting = 0 if ended else session.enrolments.filter(state=EnrolmentState.WAITLISTED).count()
    context = {"session": session, "enrolment": enrolment, "waiting": waiting, "ended": ended}
    return render(request, "participants/manage/roster_remove.html", context)


@administrator_required
def lawyer_edit(request, pk):
    """A lawyer's whole profile; a change of who they are takes a reason, and the page shows that history."""
    participant = get_object_or_404(Participant.objects.select_related("user", "province"), pk=pk)
    # The form works on a copy: a refused change must not show in the page's heading as if saved.
    form = AdministratorProfileForm(request.POST or None, instance=copy.copy(participant))
    if request.method == "POST" and form.is_valid():
        try:
            profiles.participant_update(
                participant=participant,
                values=form.cleaned_data,
                by=request.user,
                reason=form.cleaned_data["reason"],
                quota_override=form.cleaned_data["quota_override"],
            )
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": form.instance})
            return redirect("participants:lawyer_edit", pk=participant.pk)
    provinces = {province.code: province for province in Province.objects.all()}
    history = list(participant.identity_changes.select_related("changed_by"))
    for change in history:
        change.before_shown = profiles.shown(change.field, change.before, provinces)
        change.after_shown = profiles.shown(change.field, change.after, provinces)
    context = {
        "form": form,
        "participant": participant,
        "admissions": participant.admissions.select_related("program"),
        "history": history,
        "certificates": participant.certificates.select_related("program"),
        "panels": collect_panels("lawyer_panels", request, participant=participant),
    }
    return render(request, "participants/manage/lawyer_edit.html", context)


@administrator_required
def enrolment_move(request, pk):
    """Move a lawyer's seat or waitlist place to another session of the program, as one change."""
    enrolment = get_object_or_404(
        Enrolment.objects.active().select_related("participant__province", "session__program"), pk=pk
    )
    session = enrolment.session
    targets = (
        session.program.sessions.filter(status=SessionStatus.SCHEDULED, ends_at__gt=timezone.now())
        .exclude(pk=session.pk)
        .order_by("starts_at")
    )
    # No session is chosen until the administrator chooses one: a slip must not move a lawyer.
    target = targets.filter(pk=pk_from(request.POST.get("to"))).first() if request.method == "POST" else None
    problem = _("Choose the session to move the lawyer to.") if request.method == "POST" and target is None else None
    if target is not None:
        try:
            moved = services.enrolment_move(enrolment=enrolment, to=target, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request,
                _("%(name)s is moved to “%(title)s” (%(state)s).")
                % {"name": enrolment.participant.name_zh, "title": target.title, "state": moved.get_state_display()},
            )
            return redirect("participants:roster", pk=session.pk)
    context = {"enrolment": enrolment, "session": session, "targets": targets, "chosen": target, "problem": problem}
    return render(request, "participants/manage/enrolment_move.html", context)
