"""Attendance and completion: the writes with rules (recording, QR check-in) and the completion figures.

A check-in code changes every CHECKIN_PERIOD seconds: the QR code on the projector carries a signed token
naming the session and the period, and a six-digit code derived from the same two is shown beside it for
typing. Either is accepted for the period it was shown in and the one after, so a code lives 30 to 60
seconds: long enough to scan, too short to forward.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)  # fmt: skip
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from notifications.services import notify
from sessions.models import Program, SessionStatus, TrainingSession

from .models import (
    ATTENDED,
    AdmissionState,
    Attendance,
    AttendanceChange,
    AttendanceMethod,
    AttendanceStatus,
    Enrolment,
    EnrolmentState,
    Participant,
)

CHECKIN_PERIOD = 30  # seconds each QR code and typed code is shown for
PENDING_CHECKIN_MINUTES = 15  # how long a scan made before signing in stays good for
_SALT = "participants.attendance.checkin"
_signer = signing.Signer(salt=_SALT, sep=".")


class AttendanceRefused(ValidationError):
    """A recording or a check-in the rules do not allow; the message says why."""


# --- check-in codes -------------------------------------------------------------------------
def _period(at: datetime) -> int:
    return int(at.timestamp()) // CHECKIN_PERIOD


def checkin_token(session: TrainingSession, at: datetime | None = None) -> str:
    """What the QR code carries (inside the check-in URL) during the period containing `at`."""
    return _signer.sign(f"{session.pk}.{_period(at or timezone.now())}")


def checkin_code(session: TrainingSession, at: datetime | None = None) -> str:
    """The six digits shown under the QR code, for typing when a camera will not do."""
    return _code(session.pk, _period(at or timezone.now()))


def _code(session_pk: int, period: int) -> str:
    digest = salted_hmac(_SALT + ".code", f"{session_pk}.{period}").hexdigest()
    return f"{int(digest[:12], 16) % 1_000_000:06d}"


def checkin_url(session: TrainingSession, at: datetime | None = None) -> str:
    return reverse("participants:checkin", args=[session.pk, checkin_token(session, at)])


def seconds_left(at: datetime | None = None) -> int:
    """Until the code on the screen changes."""
    return CHECKIN_PERIOD - int((at or timezone.now()).timestamp()) % CHECKIN_PERIOD


def verify_token(session: TrainingSession, token: str, at: datetime | None = None) -> None:
    """Refuse a token that is forged, made for another session, or older than its two periods."""
    try:
        session_pk, period = (int(part) for part in _signer.unsign(token).split("."))
    except (signing.BadSignature, ValueError):
        raise AttendanceRefused(_("This check-in link is not valid. Scan the code on the screen again.")) from None
    if session_pk != session.pk:
        raise AttendanceRefused(_("This check-in code belongs to another session."))
    if _period(at or timezone.now()) - period not in (0, 1):
        raise AttendanceRefused(_("This check-in code has expired. Scan the code on the screen again."))


def session_for_code(code: str, participant: Participant, at: datetime | None = None) -> TrainingSession:
    """The session, among those the lawyer holds a seat in, whose screen shows (or just showed) this code."""
    at = at or timezone.now()
    code = "".join(code.split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise AttendanceRefused({"code": _("Type the six digits shown on the screen.")})
    # Sessions whose check-in may be open now: starting within the next four hours or started within
    # the last eight (the longest windows a program can set); each one's own window is checked later.
    candidates = TrainingSession.objects.filter(
        status=SessionStatus.SCHEDULED,
        starts_at__gte=at - timedelta(hours=8),
        starts_at__lte=at + timedelta(hours=4),
        enrolments__participant=participant,
        enrolments__state=EnrolmentState.CONFIRMED,
    ).select_related("program")
    now = _period(at)
    for session in candidates:
        if any(constant_time_compare(code, _code(session.pk, period)) for period in (now, now - 1)):
            return session
    raise AttendanceRefused({"code": _("This code is not valid or has expired. Type the code now on the screen.")})


def checkin_window(session: TrainingSession) -> tuple[datetime, datetime, datetime]:
    """When check-in opens, when lawyers start counting as late, and when it closes."""
    program = session.program
    return (
        session.starts_at - timedelta(minutes=program.checkin_opens_minutes),
        session.starts_at + timedelta(minutes=program.checkin_late_minutes),
        session.starts_at + timedelta(minutes=program.checkin_closes_minutes),
    )


def _local(value: datetime) -> str:
    return formats.time_format(timezone.localtime(value), "H:i")


# --- recording ------------------------------------------------------------------------------
def _check_may_record(participant: Participant, session: TrainingSession) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise AttendanceRefused(_("This session is cancelled; there is no attendance to record."))
    opens, _late, _closes = checkin_window(session)
    if timezone.now() < opens:
        raise AttendanceRefused(
            _("Attendance can be recorded from %(time)s, when check-in opens.") % {"time": _local(opens)}
        )
    if not Enrolment.objects.filter(participant=participant, session=session, state=EnrolmentState.CONFIRMED).exists():
        raise AttendanceRefused(
            _("%(name)s does not hold a seat in this session.") % {"name": participant.name_zh or participant}
        )


@transaction.atomic
def attendance_record(
    *, participant: Participant, session: TrainingSession, status: str, by, method: str, note: str = "",
    only_if_new: bool = False,
) -> Attendance:  # fmt: skip
    """Set a lawyer's attendance at a session, keeping the change in its history.

    Two people marking the same lawyer at once are serialised on the attendance row: the later one wins
    and both changes are in the history. Setting what is already there changes nothing.
    """
    if status not in AttendanceStatus.values:
        raise AttendanceRefused({"status": _("Choose present, late, absent or excused.")})
    note = " ".join(note.split())[:300]
    if status == AttendanceStatus.EXCUSED and not note:
        raise AttendanceRefused({"note": _("Say why the lawyer is excused.")})
    _check_may_record(participant, session)
    now = timezone.now()
    attendance, created = Attendance.objects.select_for_update().get_or_create(
        participant=participant,
        session=session,
        defaults={"status": status, "note": note, "method": method, "recorded_by": by, "recorded_at": now},
    )
    if not created:
        if only_if_new or (attendance.status, attendance.note) == (status, note):
            return attendance  # what someone recorded meanwhile stands
        attendance.status, attendance.note, attendance.method = status, note, method
        attendance.recorded_by, attendance.recorded_at = by, now
        attendance.save(update_fields=["status", "note", "method", "recorded_by", "recorded_at"])
    AttendanceChange.objects.create(
        attendance=attendance, status=status, note=note, method=method, recorded_by=by, recorded_at=now
    )
    return attendance


def mark_all_present(*, session: TrainingSession, by) -> int:
    """Everyone on the roster with no attendance yet is marked present; returns how many."""
    waiting = Participant.objects.filter(
        enrolments__session=session, enrolments__state=EnrolmentState.CONFIRMED
    ).exclude(attendances__session=session)
    marked = 0
    for participant in waiting:
        with transaction.atomic():
            attendance = attendance_record(
                participant=participant, session=session, status=AttendanceStatus.PRESENT,
                by=by, method=AttendanceMethod.ROSTER, only_if_new=True,
            )  # fmt: skip
        marked += attendance.status == AttendanceStatus.PRESENT and attendance.method == AttendanceMethod.ROSTER
    return marked


def check_in(*, participant: Participant, session: TrainingSession, method: str, scanned_at: datetime | None = None):
    """The lawyer checks themself in (QR code or typed code). Present, or late after the grace period.

    `scanned_at` is when the code was read, for a lawyer who had to sign in first. Checking in again
    changes nothing; a lawyer the roster marked absent who then checks in is present after all.
    """
    scanned_at = scanned_at or timezone.now()
    opens, late, closes = checkin_window(session)
    if session.status != SessionStatus.SCHEDULED:
        raise AttendanceRefused(_("This session is cancelled."))
    if scanned_at < opens:
        raise AttendanceRefused(_("Check-in opens at %(time)s.") % {"time": _local(opens)})
    if scanned_at > closes:
        raise AttendanceRefused(
            _("Check-in closed at %(time)s. Ask the program office if you were there.") % {"time": _local(closes)}
        )
    if not Enrolment.objects.filter(participant=participant, session=session, state=EnrolmentState.CONFIRMED).exists():
        raise AttendanceRefused(_("You do not hold a seat in this session, so you cannot check in to it."))
    existing = Attendance.objects.filter(participant=participant, session=session, status__in=ATTENDED).first()
    if existing is not None:
        return existing
    status = AttendanceStatus.LATE if scanned_at > late else AttendanceStatus.PRESENT
    return attendance_record(
        participant=participant, session=session, status=status, by=participant.user, method=method
    )


# --- completion -----------------------------------------------------------------------------
COMPLETED, AT_RISK, ON_TRACK = "completed", "at_risk", "on_track"


class Completion:
    """What a program's completion rule asks, and what is still to come, at a moment."""

    def __init__(self, program: Program, at: datetime | None = None):
        self.program = program
        at = at or timezone.now()
        required = program.sessions.filter(status=SessionStatus.SCHEDULED, is_required=True)
        # Sessions not over yet still count as to come: a lawyer may still check in to one running now.
        counts = required.aggregate(total=Count("pk"), upcoming=Count("pk", filter=Q(ends_at__gt=at)))
        self.required_total = counts["total"]
        self.required_upcoming = counts["upcoming"]
        self.required_needed = math.ceil(program.required_attendance_share * self.required_total)
        self.min_hours = program.min_credit_hours
        self.at = at

    def lawyers(self):
        """The program's admitted lawyers, each annotated with attended_required, hours, upcoming_hours,
        rate (share of required sessions attended, 0–100) and outcome: COMPLETED, AT_RISK (the sessions
        left can no longer bring them to the rule) or ON_TRACK."""
        program = self.program
        attended = Q(
            attendances__session__program=program,
            attendances__session__status=SessionStatus.SCHEDULED,
            attendances__status__in=ATTENDED,
        )
        hours_field = DecimalField(max_digits=7, decimal_places=1)
        # One row always (a SUM without GROUP BY), so no COALESCE is needed outside: outside, Django would
        # put the COALESCE into the GROUP BY and PostgreSQL would run the subquery once per attendance
        # record instead of once per lawyer (minutes instead of a second at 10,000 lawyers).
        upcoming_hours = (
            Enrolment.objects.filter(
                participant=OuterRef("pk"),
                state=EnrolmentState.CONFIRMED,
                session__program=program,
                session__status=SessionStatus.SCHEDULED,
                session__ends_at__gt=self.at,
            )
            .order_by()
            .values(hours=Coalesce(Func("session__credit_hours", function="SUM"), Value(Decimal(0))))
        )
        lawyers = (
            Participant.objects.filter(admissions__program=program, admissions__state=AdmissionState.ADMITTED)
            .select_related("province")
            .annotate(
                attended_required=Count("attendances", filter=attended & Q(attendances__session__is_required=True)),
                hours=Coalesce(Sum("attendances__session__credit_hours", filter=attended), Value(Decimal(0))),
                upcoming_hours=Subquery(upcoming_hours, output_field=hours_field),
            )
        )
        meets = Q(attended_required__gte=self.required_needed, hours__gte=self.min_hours)
        cannot = Q(attended_required__lt=self.required_needed - self.required_upcoming) | Q(
            LessThan(F("hours") + F("upcoming_hours"), self.min_hours)
        )
        if self.required_total:
            rate = ExpressionWrapper(F("attended_required") * 100.0 / self.required_total, output_field=FloatField())
        else:
            rate = Value(100.0)
        return lawyers.annotate(
            outcome=Case(
                When(meets, then=Value(COMPLETED)), When(cannot, then=Value(AT_RISK)), default=Value(ON_TRACK)
            ),
            rate=rate,
        )

    def of(self, participant: Participant):
        """One lawyer's figures (None if not admitted)."""
        return self.lawyers().filter(pk=participant.pk).first()

    def summary(self, lawyer) -> dict:
        return {
            "attended": lawyer.attended_required,
            "total": self.required_total,
            "needed": self.required_needed,
            "rate": round(lawyer.rate),
            "hours": lawyer.hours,
            "min_hours": self.min_hours,
            "outcome": lawyer.outcome,
        }


def transcript_lines(participant: Participant, program: Program) -> list[dict]:
    """Each session of the program the lawyer held a seat in or was recorded at, oldest first."""
    now = timezone.now()
    records = {a.session_id: a for a in Attendance.objects.filter(participant=participant, session__program=program)}
    # The lawyer's own rows, as subqueries: joining the sessions to all their seats and all their attendance
    # and filtering afterwards grew with the square of the program's lawyers (35 s of SQL at 3,000).
    seated = Enrolment.objects.filter(participant=participant, state=EnrolmentState.CONFIRMED).values("session_id")
    sessions = (
        TrainingSession.objects.filter(program=program, status=SessionStatus.SCHEDULED)
        .filter(Q(pk__in=seated) | Q(pk__in=list(records)))
        .order_by("starts_at")
    )
    lines = []
    for session in sessions:
        record = records.get(session.pk)
        if record is not None:
            status = record.get_status_display()
        elif session.starts_at > now:
            status = _("Upcoming")
        else:
            status = _("Not recorded")
        lines.append(
            {
                "session": session,
                "kind": _("Required") if session.is_required else _("Elective"),
                "status": status,
                "hours": session.credit_hours if record is not None and record.attended else 0,
            }
        )
    return lines


def notify_at_risk(*, program: Program, by) -> int:
    """Tell every lawyer who can no longer complete the program; once a day at most. Returns how many."""
    completion = Completion(program)
    today = timezone.localdate().isoformat()
    lawyers = completion.lawyers().filter(outcome=AT_RISK).select_related("user")
    sent = 0
    for lawyer in lawyers:
        notify(
            lawyer.user,
            "completion_at_risk",
            {"program": program, **completion.summary(lawyer)},
            dedup_key=f"completion-at-risk:{program.pk}:{lawyer.pk}:{today}",
            link=reverse("participants:my_program"),
        )
        sent += 1
    return sent
