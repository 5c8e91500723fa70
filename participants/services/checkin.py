"""Checking in by QR code or typed code.

A check-in code changes every CHECKIN_PERIOD seconds: the QR code on the projector carries a signed token
naming the session and the period, and a six-digit code derived from the same two is shown beside it for
typing. Either is accepted for the period it was shown in and the one after, so a code lives 30 to 60
seconds: long enough to scan, too short to forward.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from sessions.models import SessionStatus, TrainingSession

from ..models import ATTENDED, Attendance, AttendanceStatus, Enrolment, EnrolmentState, Participant
from .attendance import AttendanceRefused, _local, attendance_record, checkin_window

CHECKIN_PERIOD = 30  # seconds each QR code and typed code is shown for
PENDING_CHECKIN_MINUTES = 15  # how long a scan made before signing in stays good for
_SALT = "participants.attendance.checkin"
_signer = signing.Signer(salt=_SALT, sep=".")


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
