"""Recording attendance: one record per lawyer and session, every change kept in its history, from the moment
the session's check-in opens."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sessions.models import SessionStatus, TrainingSession

from ..models import (
    Attendance,
    AttendanceChange,
    AttendanceMethod,
    AttendanceStatus,
    Enrolment,
    EnrolmentState,
    Participant,
)
from . import progress


class AttendanceRefused(ValidationError):
    """A recording or a check-in the rules do not allow; the message says why."""


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
    *,
    participant: Participant,
    session: TrainingSession,
    status: str,
    by,
    method: str,
    note: str = "",
    only_if_new: bool = False,
) -> Attendance:
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
    counted = created
    if not created:
        if only_if_new or (attendance.status, attendance.note) == (status, note):
            return attendance  # what someone recorded meanwhile stands
        counted = attendance.status != status
        attendance.status, attendance.note, attendance.method = status, note, method
        attendance.recorded_by, attendance.recorded_at = by, now
        attendance.save(update_fields=["status", "note", "method", "recorded_by", "recorded_at"])
    AttendanceChange.objects.create(
        attendance=attendance, status=status, note=note, method=method, recorded_by=by, recorded_at=now
    )
    if counted:
        progress.refresh(session.program_id, [participant.pk])
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
                participant=participant,
                session=session,
                status=AttendanceStatus.PRESENT,
                by=by,
                method=AttendanceMethod.ROSTER,
                only_if_new=True,
            )
        marked += attendance.status == AttendanceStatus.PRESENT and attendance.method == AttendanceMethod.ROSTER
    return marked
