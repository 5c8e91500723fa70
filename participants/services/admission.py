"""Admission to programs under province quotas: applying, admitting (a seat in every required session comes with
it) and deciding an application or withdrawing a lawyer."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.services import user_add_role
from common.bulk import ids_in, ids_table
from notifications.services import notify
from sessions.models import Program, SessionStatus, TrainingSession

from ..models import Admission, AdmissionState, Enrolment, EnrolmentState, Participant, ProvinceQuota
from . import progress
from .enrolment import (
    BUSY,
    EnrolmentRefused,
    _lock_sessions,
    _refused_when_busy,
    _waiting_in,
    enrolment_cancel,
    lock_lawyers,
    seats_recount,
)
from .profiles import participant_contact_update


# --- admission --------------------------------------------------------------------------------
@transaction.atomic
def application_submit(*, user, profile, program: Program) -> Admission:
    """A lawyer applies: a new lawyer with the whole profile (a validated form), an existing one with their
    contact details only (who they are is the program office's to change: profiles.py)."""
    participant = Participant.objects.filter(user=user).first()
    if participant is None:
        participant = profile.save(commit=False)
        participant.user = user
        participant.full_clean()
        participant.save()
    else:
        participant = participant_contact_update(participant=participant, values=profile.cleaned_data)
    admission, _created = Admission.objects.get_or_create(participant=participant, program=program)
    return admission


@_refused_when_busy
@transaction.atomic
def admit(*, participant: Participant, program: Program, by, override_reason: str = "") -> Admission:
    """Admit a lawyer within their province's quota (or over it, with a recorded reason), and enrol
    them in every required session of the program."""
    Program.objects.select_for_update().get(pk=program.pk)  # one admission decision at a time
    admission, _created = Admission.objects.select_for_update().get_or_create(participant=participant, program=program)
    if admission.state == AdmissionState.ADMITTED:
        return admission
    # The province as it is now, kept so until this commits: the office moving the lawyer to another province
    # checks that province's quota under its programs' locks (profiles.participant_update), this one included
    # once admitted. A key-share-free lock: enrolments and attendances of the lawyer are not held up.
    participant.province_id = (
        Participant.objects.select_for_update(no_key=True).values_list("province_id", flat=True).get(pk=participant.pk)
    )
    quota = ProvinceQuota.objects.filter(program=program, province_id=participant.province_id).first()
    if quota is not None:
        province = participant.province_id
        used = Admission.objects.filter(participant__province=province).admitted_by_province(program).get(province, 0)
        if used >= quota.seats and not override_reason.strip():
            raise ValidationError(
                _("%(province)s has used all %(seats)s of its places. Give a reason to admit over the quota.")
                % {"province": participant.province, "seats": quota.seats}
            )
        admission.quota_override = override_reason.strip() if used >= quota.seats else ""
    admission.state = AdmissionState.ADMITTED
    admission.reason = ""
    admission.decided_by, admission.decided_at = by, timezone.now()
    admission.save()
    user_add_role(user=participant.user, role=Role.PARTICIPANT)
    required = program.sessions.filter(is_required=True, status=SessionStatus.SCHEDULED)
    seat_in_required(session_ids=list(required.values_list("pk", flat=True)), participant_ids=[participant.pk], by=by)
    progress.refresh(program, [participant.pk])
    notify(
        participant.user,
        "admitted",
        {"program": program},
        dedup_key=f"admitted:{admission.pk}:{admission.decided_at.timestamp()}",
        link=reverse("participants:my_program"),
    )
    return admission


def seat_in_required(*, session_ids: list[int], participant_ids: list[int], by) -> int:
    """Required sessions are for every admitted lawyer: a confirmed seat in each, whatever the capacity;
    a waitlist place they hold becomes the seat. For admission (one lawyer, every required session), an
    import (many lawyers) and a session made required (everyone admitted). Returns the seats given.
    Call inside a transaction.

    Two statements whatever the numbers (an import seats 10,000 lawyers in 17 sessions): the waitlist places
    confirmed, then a seat inserted for every lawyer and session with no live enrolment yet."""
    if not session_ids or not participant_ids:
        return 0
    # The sessions' rows, in primary-key order as every writer takes them, as an enrolment would. No seat lock
    # of the lawyers': the seat lock keeps a lawyer from two seats at the same hour, and a required seat is given
    # whatever the lawyer holds at that time (it is checked against nothing), so racing their own enrolment in
    # an elective at the same hour ends as either order would: both seats. An import or a session made
    # required seats thousands of lawyers at once, and would otherwise take thousands of locks.
    _lock_sessions(session_ids)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sessions, session_params = ids_table(session_ids)
    lawyers, lawyer_params = ids_table(participant_ids)
    in_sessions, in_session_params = ids_in("session_id", session_ids)
    in_lawyers, in_lawyer_params = ids_in("participant_id", participant_ids)
    enrolments = connection.ops.quote_name(Enrolment._meta.db_table)
    confirmed, waitlisted = EnrolmentState.CONFIRMED.value, EnrolmentState.WAITLISTED.value
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {enrolments} SET state = %s, confirmed_at = %s
            WHERE state = %s AND {in_sessions} AND {in_lawyers}""",  # noqa: S608 - our names
            [confirmed, now, waitlisted, *in_session_params, *in_lawyer_params],
        )
        upgraded = cursor.rowcount
        # A seat for every pair of lawyer and session but those with a live enrolment (a seat, or the place just
        # made one). The sessions named again inside: PostgreSQL then reads their enrolments only, not the table's.
        cursor.execute(
            f"""INSERT INTO {enrolments} (participant_id, session_id, state, confirmed_at, created_by_id, created_at)
            SELECT lawyer.id, required.id, %s, %s, %s, %s FROM ({lawyers}) AS lawyer CROSS JOIN ({sessions}) AS required
            WHERE NOT EXISTS (
                SELECT 1 FROM {enrolments} AS live
                WHERE live.participant_id = lawyer.id AND live.session_id = required.id AND live.state <> %s
                AND live.{in_sessions}
            )""",  # noqa: S608 - our names
            [
                confirmed,
                now,
                getattr(by, "pk", None),
                now,
                *lawyer_params,
                *session_params,
                EnrolmentState.CANCELLED.value,
                *in_session_params,
            ],
        )
        created = cursor.rowcount
    # The sessions' counters (their rows are locked above): counted again, as the statements say no session's share.
    seats_recount(sessions=TrainingSession.objects.filter(pk__in=session_ids))
    return upgraded + created


def seat_everyone_admitted(*, session: TrainingSession, by) -> int:
    """A session that is (or became) required: a seat in it for every lawyer admitted to its program."""
    if session.has_ended:
        return 0
    admitted = list(
        Admission.objects.filter(program_id=session.program_id, state=AdmissionState.ADMITTED).values_list(
            "participant_id", flat=True
        )
    )
    seated = seat_in_required(session_ids=[session.pk], participant_ids=admitted, by=by)
    if seated:
        progress.refresh(session.program_id, admitted)
    return seated


@_refused_when_busy
@transaction.atomic
def admission_decide(*, admission: Admission, state: str, reason: str, by) -> Admission:
    """Reject an application, or withdraw an admitted lawyer (their seats go to the waitlists)."""
    if state not in (AdmissionState.REJECTED, AdmissionState.WITHDRAWN):
        raise ValidationError(_("Only rejection or withdrawal is decided here."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason; the lawyer reads it.")})
    # The admission's row only (`of`): the lawyer's, their account's and the program's rows stay free, and the
    # sessions come next, before any lawyer, as in every seat change (see the top).
    admission = (
        Admission.objects.select_for_update(of=("self",))
        .select_related("participant__user", "program")
        .get(pk=admission.pk)
    )
    admission.state, admission.reason = state, reason.strip()
    admission.decided_by, admission.decided_at = by, timezone.now()
    admission.save()
    if state == AdmissionState.WITHDRAWN:
        enrolments = Enrolment.objects.active().filter(
            participant=admission.participant, session__program=admission.program
        )
        # Every session the seats are freed in, then the lawyer with everyone its waitlists may promote. Holding
        # the lawyer's seat lock, no seat of theirs is given any more; one given just before it, in a session not
        # locked here, would have to be locked after a lawyer, against the order: the change is refused instead.
        held = set(enrolments.values_list("session_id", flat=True))
        _lock_sessions(held)
        lock_lawyers([admission.participant_id, *_waiting_in(held)])
        if set(enrolments.values_list("session_id", flat=True)) - held:
            raise EnrolmentRefused(BUSY)
        for enrolment in enrolments:
            enrolment_cancel(enrolment=enrolment, by=by, notify_lawyer=False)
    notify(
        admission.participant.user,
        "admission_decided",
        {"admission": admission, "program": admission.program},
        dedup_key=f"admission:{admission.pk}:{state}:{admission.decided_at.timestamp()}",
        link=reverse("participants:my_program"),
    )
    return admission
