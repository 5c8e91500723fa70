"""Attendance: the roster at the door, the check-in screen for the projector, and the lawyer's check-in."""

from datetime import datetime
from typing import NamedTuple

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import administrator_required
from common.panels import collect_panels
from common.params import pk_from
from common.stencil import Stencil
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
from ..provinces import province_name

PENDING_KEY = "pending_checkin"


def _session_for_attendance(request, pk: int) -> TrainingSession:
    session = get_object_or_404(TrainingSession.objects.select_related("program", "venue"), pk=pk)
    if not session.is_run_by(request.user):
        raise PermissionDenied
    return session


ROSTER_ROWS = 200  # at the door one searches a long roster: more rows only slow a phone down


class Mark(NamedTuple):
    status: str
    method: str
    recorded_at: datetime
    note: str


class Seat(NamedTuple):
    """A lawyer holding a seat, as the door roster and the sign-in sheet show them (read as values: a page of
    them costs no model objects)."""

    pk: int
    name_zh: str
    name_latin: str
    law_firm: str
    province: str
    last_digits: str  # of the licence, all anyone at the door sees
    record: Mark | None


def _roster(
    session: TrainingSession, query: str = "", *, limit: int | None = None, lawyer: int | None = None
) -> list[Seat]:
    """The lawyers holding a seat (the first `limit`, or only `lawyer`), each with their attendance record.

    In the order of participant_roster_order_idx, so that PostgreSQL walks it, looks each lawyer up in the
    session's seats (enrolment_seat_idx) and stops at `limit`, whatever the session's size."""
    lawyers = Participant.objects.filter(
        enrolments__session=session, enrolments__state=EnrolmentState.CONFIRMED
    ).order_by("name_latin", "name_zh", "pk")
    query = query.strip()
    if query:
        condition = Q(name_zh__icontains=query) | Q(name_latin__icontains=query)
        if query.isdigit() and len(query) <= 4:  # the last digits shown on the roster, never more
            condition |= Q(license_number__endswith=query)
        lawyers = lawyers.filter(condition)
    if lawyer is not None:
        lawyers = lawyers.filter(pk=lawyer)
    found = list(
        lawyers.values_list("pk", "name_zh", "name_latin", "law_firm", "province__code", "license_number")[:limit]
    )
    records = {
        lawyer: Mark(*mark)
        for lawyer, *mark in Attendance.objects.filter(
            session=session, participant__in=[row[0] for row in found]
        ).values_list("participant_id", "status", "method", "recorded_at", "note")
    }
    return [
        Seat(pk, zh, latin, firm, province_name(code), licence[-4:], records.get(pk))
        for pk, zh, latin, firm, code, licence in found
    ]


class Rows:
    """A session's roster rows, from stencils (common/stencil.py): one for each kind of row (its mark, whether
    it has a note), rendered on first need, then filled in with each lawyer's values."""

    FIELDS = ("id", "name_zh", "name_latin", "province", "last_digits", "method", "time", "note")

    def __init__(self, session: TrainingSession, *, error: str | None = None):
        self.context = {
            "mark_url": reverse("participants:attendance_mark", args=[session.pk]),  # once, not 800 times
            "statuses": AttendanceStatus.choices,
            "error": error,
        }
        self.stencils: dict[tuple[str, bool], Stencil] = {}
        self.methods = {value: str(label) for value, label in AttendanceMethod.choices}

    def html(self, seat: Seat) -> str:
        mark = seat.record
        kind = (mark.status if mark else "", bool(mark and mark.note))
        if kind not in self.stencils:
            fields = [field for field in self.FIELDS if field != "note" or kind[1]]
            context = {**self.context, "status": kind[0]}
            self.stencils[kind] = Stencil("participants/attendance/_rows.html#row", context, fields)
        return self.stencils[kind].fill(
            {
                "id": seat.pk,
                "name_zh": seat.name_zh,
                "name_latin": seat.name_latin,
                "province": seat.province,
                "last_digits": seat.last_digits,
                "method": self.methods[mark.method] if mark else "",
                "time": f"{timezone.localtime(mark.recorded_at):%H:%M}" if mark else "",
                "note": mark.note if mark else "",
            }
        )


def _counts(session: TrainingSession) -> dict:
    checked_in = Attendance.objects.filter(session=session, status__in=ATTENDED).count()
    return {"seats": session.seats_taken, "checked_in": checked_in}


# --- administrators and the session's faculty -----------------------------------------------
@login_required
def roster(request, pk):
    """Mark attendance at the door: one tap a lawyer, or everyone present at once."""
    session = _session_for_attendance(request, pk)
    query = request.GET.get("q", "")
    lawyers = _roster(session, query, limit=ROSTER_ROWS + 1)
    rows = Rows(session)
    context = {
        "session": session,
        "rows": [rows.html(lawyer) for lawyer in lawyers[:ROSTER_ROWS]],
        "more": len(lawyers) > ROSTER_ROWS,
        "query": query,
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
    (seat,) = _roster(session, lawyer=participant.pk)
    context = {"session": session, "row": Rows(session, error=error).html(seat)}
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
    response = HttpResponse(signin_sheet(session, _roster(session)), content_type="application/pdf")
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
    """The check-in's outcome; once checked in, what the apps above offer next (a forum's questions)."""
    panels = collect_panels("checkin_panels", request, session=session)["main"] if record else []
    context = {"session": session, "record": record, "error": error, "panels": panels}
    return render(request, "participants/checkin_result.html", context, status=status)
