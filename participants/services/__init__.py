"""Every write with rules about lawyers, by subject; callers use the names exported here.

- admission: applying, admitting (with the required seats), deciding an application, withdrawing;
- enrolment: seats and the first-come waitlist, and the seat locks every seat change takes;
- attendance: recording it, with its history; checkin: QR and typed codes, a lawyer checking in;
- completion: the program's rule applied to each lawyer, transcripts, the lawyers at risk;
- profiles: a lawyer's contact details (theirs) and identity (the office's, with a reason);
- quotas and specialties, used as namespaces (`services.quotas.quotas_set`): the province quotas of a program,
  and the open vocabulary of specialties.
"""

from . import progress, quotas, specialties
from .admission import admission_decide, admit, application_submit, seat_everyone_admitted, seat_in_required
from .attendance import AttendanceRefused, attendance_record, mark_all_present
from .checkin import (
    CHECKIN_PERIOD,
    PENDING_CHECKIN_MINUTES,
    check_in,
    checkin_code,
    checkin_token,
    checkin_url,
    checkin_window,
    seconds_left,
    session_for_code,
    verify_token,
)
from .completion import (
    AT_RISK,
    COMPLETED,
    ON_TRACK,
    Completion,
    completion_sheet,
    lawyer_summaries,
    notify_at_risk,
    outcome_labels,
    transcript_lines,
)
from .enrolment import (
    BUSY,
    SEAT_LOCKS,
    EnrolmentRefused,
    enrol,
    enrolment_cancel,
    enrolment_move,
    lock_lawyers,
    promote_waitlist,
    seats_recount,
    timetable_slots,
)
from .profiles import (
    CONTACT_FIELDS,
    IDENTITY_FIELDS,
    identity_changes,
    participant_contact_update,
    participant_update,
    shown,
)

__all__ = [
    "AT_RISK",
    "BUSY",
    "CHECKIN_PERIOD",
    "COMPLETED",
    "CONTACT_FIELDS",
    "IDENTITY_FIELDS",
    "ON_TRACK",
    "PENDING_CHECKIN_MINUTES",
    "SEAT_LOCKS",
    "AttendanceRefused",
    "Completion",
    "EnrolmentRefused",
    "admission_decide",
    "admit",
    "application_submit",
    "attendance_record",
    "check_in",
    "checkin_code",
    "checkin_token",
    "checkin_url",
    "checkin_window",
    "completion_sheet",
    "enrol",
    "enrolment_cancel",
    "enrolment_move",
    "identity_changes",
    "lawyer_summaries",
    "lock_lawyers",
    "mark_all_present",
    "notify_at_risk",
    "outcome_labels",
    "participant_contact_update",
    "participant_update",
    "progress",
    "promote_waitlist",
    "quotas",
    "seat_everyone_admitted",
    "seat_in_required",
    "seats_recount",
    "seconds_left",
    "session_for_code",
    "shown",
    "specialties",
    "timetable_slots",
    "transcript_lines",
    "verify_token",
]
