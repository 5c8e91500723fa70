"""Attendance: the roster at the door, the check-in screen for the projector, and the lawyer's check-in."""

from datetime import datetime

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import administrator_required
from common.params import pk_from
from common.throttle import over_limit
from sessions.models import TrainingSession

from .. import services
from ..models import (
    ATTENDED,
    Attendance,
    AttendanceChange,
    AttendanceMethod,
    AttendanceStatus,
    EnrolmentState,
    Participant,
)
from ..pdfs import signin_sheet

PENDING_KEY = "pending_checkin"


def _session_for_attendance(request, pk: int) -> TrainingSession:
    session = get_object_or_404(TrainingSession.objects.select_related("program", "venue"), pk=pk)
    if not session.is_run_by(request.user):
        raise PermissionDenied
    return session


ROSTER_ROWS = 200  # at the door one searches a long roster: more rows only slow a phone down


def _roster(session: TrainingSession, query: str = "", *, limit: int | None = None):
    """The lawyers holding a seat (the first `limit`), each with their attendance record (or None) as
    `.record`."""
    lawyers = (
        Participant.objects.filter(enrolments__session=session, enrolments__state=EnrolmentState.CONFIRMED)
        .select_related("province")
        .prefetch_related(
            Prefetch("attendances", queryset=Attendance.objects.filter(session=session), to_attr="records")
        )
        .order_by("name_latin", "name_zh")
    )
    query = query.strip()
    if query:
        condition = Q(name_zh__icontains=query) | Q(name_latin__icontains=query)
        if query.isdigit() and len(query) <= 4:  # the last digits shown on the roster, never more
            condition |= Q(license_number__endswith=query)
        lawyers = lawyers.filter(condition)
    for lawyer in lawyers[:limit]:
        lawyer.record = lawyer.records[0] if lawyer.records else None
        yield lawyer


def _counts(session: TrainingSession) -> dict:
    checked_in = Attendance.objects.filter(session=session, status__in=ATTENDED).count()
    return {"seats": session.seats_taken, "checked_in": checked_in}


# --- administrators and the session's faculty -----------------------------------------------
@login_required
def roster(request, pk):
    """Mark attendance at the door: one tap a lawyer, or everyone present at once."""
    session = _session_for_attendance(request, pk)
    query = request.GET.get("q", "")
    lawyers = list(_roster(session, query, limit=ROSTER_ROWS + 1))
    context = {
        "session": session,
        "lawyers": lawyers[:ROSTER_ROWS],
        "more": len(lawyers) > ROSTER_ROWS,
        "query": query,
        "statuses": AttendanceStatus.choices,
        **dict(zip(("opens", "late", "closes"), services.checkin_window(session), strict=True)),
        **_counts(session),
    }
    if request.htmx and request.htmx.target == "roster-body":
        return render(request, "participants/attendance/_rows.html", context)
    return render(request, "participants/attendance/roster.html", context)


@login_required
@require_POST
def mark(request, pk):
    session = _session_for_attendance(request, pk)
    participant = get_object_or_404(
        Participant.objects.select_related("province"),
        pk=pk_from(request.POST.get("participant")),
        enrolments__session=session,
        enrolments__state=EnrolmentState.CONFIRMED,
    )
    error = None
    try:
        services.attendance_record(
            participant=participant,
            session=session,
            status=request.POST.get("status", ""),
            note=request.POST.get("note") or request.htmx.prompt or "",  # htmx asks for the reason in a prompt
            by=request.user,
            method=AttendanceMethod.ROSTER,
        )
    except services.AttendanceRefused as refusal:
        error = refusal.messages[0]
    participant.record = Attendance.objects.filter(participant=participant, session=session).first()
    context = {"session": session, "lawyer": participant, "statuses": AttendanceStatus.choices, "error": error}
    if request.htmx:
        return render(request, "participants/attendance/_row.html", {**context, **_counts(session), "oob": True})
    (messages.error if error else messages.success)(request, error or _("Saved."))
    return redirect("participants:attendance_roster", session.pk)


@login_required
@require_POST
def mark_all(request, pk):
    session = _session_for_attendance(request, pk)
    try:
        marked = services.mark_all_present(session=session, by=request.user)
    except services.AttendanceRefused as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(request, _("%(count)s lawyers marked present.") % {"count": marked})
    return redirect("participants:attendance_roster", session.pk)


@login_required
def screen(request, pk):
    """For the projector: the session, a QR code that changes every 30 seconds, the typed code, the count."""
    session = _session_for_attendance(request, pk)
    context = {"session": session, **_screen_context(request, session)}
    if request.htmx:
        return render(request, "participants/attendance/_screen_live.html", context)
    return render(request, "participants/attendance/screen.html", context)


def _screen_context(request, session: TrainingSession) -> dict:
    now = timezone.now()
    opens, late, closes = services.checkin_window(session)
    url = request.build_absolute_uri(services.checkin_url(session, now))
    return {
        "qr_svg": segno.make(url, error="m").svg_inline(scale=8, border=2, omitsize=True, svgclass="checkin-qr"),
        "checkin_url": url,
        "code": services.checkin_code(session, now),
        "seconds_left": services.seconds_left(now),
        "open": opens <= now <= closes,
        "opens": opens,
        "late": late,
        "closes": closes,
        **_counts(session),
    }


@login_required
def signin_sheet_pdf(request, pk):
    session = _session_for_attendance(request, pk)
    response = HttpResponse(signin_sheet(session, list(_roster(session))), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="signin-{session.pk}.pdf"'
    return response


@administrator_required
def history(request, pk):
    """Every change to this session's attendance: who set what, how and when."""
    session = get_object_or_404(TrainingSession.objects.select_related("program"), pk=pk)
    changes = (
        AttendanceChange.objects.filter(attendance__session=session)
        .select_related("attendance__participant", "recorded_by")
        .order_by("-recorded_at", "-pk")
    )
    return render(request, "participants/attendance/history.html", {"session": session, "changes": changes[:1000]})


# --- the lawyer -----------------------------------------------------------------------------
def checkin(request, pk, token):
    """What the QR code opens. A lawyer not signed in signs in first; the scan time is kept meanwhile."""
    session = get_object_or_404(TrainingSession.objects.select_related("program"), pk=pk)
    try:
        services.verify_token(session, token)
    except services.AttendanceRefused as refusal:
        return _result(request, session, error=refusal.messages[0], status=400)
    if not request.user.is_authenticated:
        request.session[PENDING_KEY] = {"session": session.pk, "at": timezone.now().isoformat()}
        return redirect_to_login(reverse("participants:checkin_resume"))
    return _check_in(request, session, AttendanceMethod.QR, timezone.now())


@login_required
def checkin_resume(request):
    """After signing in: finish the check-in begun by a scan less than a quarter of an hour ago."""
    pending = request.session.pop(PENDING_KEY, None)
    if not pending:
        return redirect("participants:checkin_code")
    session = get_object_or_404(TrainingSession.objects.select_related("program"), pk=pending["session"])
    scanned_at = datetime.fromisoformat(pending["at"])
    if (timezone.now() - scanned_at).total_seconds() > services.PENDING_CHECKIN_MINUTES * 60:
        error = _("That scan is too old. Scan the code on the screen again.")
        return _result(request, session, error=error, status=400)
    return _check_in(request, session, AttendanceMethod.QR, scanned_at)


@login_required
def checkin_code(request):
    """Check in by typing the six digits shown under the QR code."""
    error = None
    if request.method == "POST":
        participant = Participant.objects.filter(user=request.user).first()
        if _too_many_tries(request.user):
            error = _("Too many tries. Wait a minute, then type the code now on the screen.")
        elif participant is None:
            error = _("Only lawyers taking part in the program check in.")
        else:
            try:
                session = services.session_for_code(request.POST.get("code", ""), participant)
            except services.AttendanceRefused as refusal:
                error = refusal.messages[0]
            else:
                return _check_in(request, session, AttendanceMethod.CODE, timezone.now())
    return render(request, "participants/checkin_code.html", {"error": error}, status=400 if error else 200)


CODE_TRIES_PER_MINUTE = 10


def _too_many_tries(user) -> bool:
    """Six digits are few: a lawyer gets ten tries a minute, so guessing one from home is hopeless."""
    return over_limit(f"checkin-code-tries:{user.pk}", CODE_TRIES_PER_MINUTE)


def _check_in(request, session: TrainingSession, method: str, scanned_at: datetime):
    participant = Participant.objects.filter(user=request.user).first()
    if participant is None:
        return _result(request, session, error=_("Only lawyers taking part in the program check in."), status=403)
    try:
        record = services.check_in(participant=participant, session=session, method=method, scanned_at=scanned_at)
    except services.AttendanceRefused as refusal:
        return _result(request, session, error=refusal.messages[0], status=400)
    return _result(request, session, record=record)


def _result(request, session, *, record=None, error=None, status=200):
    context = {"session": session, "record": record, "error": error}
    return render(request, "participants/checkin_result.html", context, status=status)
