"""Every change to coordinators and nominations, each under the rules of the issue that brought them (#16).

Locks: every change to a province's nominations for a program takes its list's row (ProvinceList, made on first
need), so two coordinators of one province nominating the last place of its quota are decided one after the other:
one gets the place, the other a reserve. A change that admits or withdraws a lawyer (approval, substitution) takes
the program's row first, as participants.services.admit does (the quota's lock), then the list's: every change
takes the two in that order, and none waits for the program's row while holding a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.services import invitation_send, user_add_role, user_invite
from notifications.services import notify
from participants.importing import PROFILE_FIELDS, ImportFileError
from participants.importing import read as read_list
from participants.models import Admission, AdmissionState, Participant, Province, ProvinceQuota
from participants.services import AT_RISK, COMPLETED, Completion, admission_decide, admit
from sessions.models import Program, ProgramStatus

from .models import (
    LIVE,
    Coordinator,
    ListState,
    Nomination,
    NominationChange,
    NominationRound,
    NominationState,
    ProvinceList,
)

# What a file says of a lawyer the office does not know (the province being the list's).
LIST_PROFILE_FIELDS = ("license_number", *(name for name in PROFILE_FIELDS if name != "province"))
REPLACEABLE = (NominationState.NOMINATED, NominationState.RETURNED, NominationState.APPROVED)
# A list its coordinator may change (before submitting it, or once returned).
EDITABLE = (ListState.DRAFT, ListState.RETURNED)
# A list the office has received: it decides each nominee, the returned ones back with the coordinator meanwhile.
SENT = (ListState.SUBMITTED, ListState.RETURNED)
# A list with the office (submitted, or approved whole): its province is not waited for.
WITH_OFFICE = (ListState.SUBMITTED, ListState.APPROVED)


class NominationRefused(ValidationError):
    """A nomination change the rules do not allow; the message says why. Nothing was changed."""


# --- coordinators ---------------------------------------------------------------------------------
@transaction.atomic
def coordinator_invite(*, province: Province, email: str, full_name: str, by, language: str | None = None):
    """Make `email` a coordinator of `province`: a new account is invited (the invitation flow of accounts); an
    active one gains the role at once. A person coordinates one province only."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is not None:
        current = Coordinator.objects.filter(user=user).select_related("province").first()
        if current is not None:
            names = {"email": user.email, "province": current.province}
            if current.province_id == province.pk:
                raise ValidationError({"email": _("%(email)s already coordinates %(province)s.") % names})
            raise ValidationError(
                {"email": _("%(email)s coordinates %(province)s; a person coordinates one province only.") % names}
            )
    if user is None or not user.is_active:
        invitation = user_invite(
            email=email, full_name=full_name, role=Role.COORDINATOR, invited_by=by, language=language
        )
        user = invitation.user
    else:
        user_add_role(user=user, role=Role.COORDINATOR)
    return Coordinator.objects.create(user=user, province=province, invited_by=by)


def province_of(user) -> Province | None:
    """The province `user` coordinates, or None."""
    coordinator = Coordinator.objects.filter(user=user).select_related("province").first()
    return coordinator.province if coordinator else None


# --- the province's list ----------------------------------------------------------------------------
def _list_locked(program: Program, province: Province) -> ProvinceList:
    """The province's list for the program, its row locked until the caller commits (made on first need)."""
    try:
        with transaction.atomic():
            ProvinceList.objects.get_or_create(program=program, province=province)
    except IntegrityError:  # made at the same moment by another change: it is there now
        pass
    return ProvinceList.objects.select_for_update().get(program=program, province=province)


def _record(nomination: Nomination, by, reason: str = "") -> None:
    NominationChange.objects.create(
        nomination=nomination, state=nomination.state, reason=reason, changed_by=by, changed_at=timezone.now()
    )


def places(program: Program, province: Province) -> tuple[int, int | None]:
    """(places used, quota) of the province: its lawyers admitted to the program and its nominations waiting
    for approval; None when the province has no quota (no limit)."""
    admitted = Admission.objects.filter(
        program=program, state=AdmissionState.ADMITTED, participant__province=province
    ).count()
    waiting = Nomination.objects.filter(program=program, province=province, state=NominationState.NOMINATED).count()
    seats = ProvinceQuota.objects.filter(program=program, province=province).values_list("seats", flat=True).first()
    return admitted + waiting, seats


def _check_may_edit(province_list: ProvinceList, round_: NominationRound | None, by) -> None:
    office = Role.ADMINISTRATOR in by.roles
    if not office:
        if round_ is None or not round_.is_open():
            raise NominationRefused(_("Nominations for this program are not open."))
        if province_list.state not in EDITABLE:
            raise NominationRefused(
                _("The list of %(province)s is %(state)s: it cannot be changed now.")
                % {"province": province_list.province, "state": province_list.get_state_display().lower()}
            )


def nominate(*, program: Program, province: Province, participant: Participant, by) -> Nomination:
    """Put a lawyer of the province on its list: within the quota while places are left, else as the last
    reserve. A coordinator nominates while the round is open and the list is not submitted.

    Another province's lawyer is refused, and that province and the office are told: a refusal that is kept
    (the notices are written before the nomination's transaction, which would take them back)."""
    participant = Participant.objects.select_related("province").get(pk=participant.pk)
    if participant.province_id != province.pk:
        _flag_other_province(program, province, participant)
        raise NominationRefused(
            _("%(name)s is a lawyer of %(other)s, not of %(province)s; the program office has been told.")
            % {"name": participant.name_zh or participant, "other": participant.province, "province": province}
        )
    return _nominate(program, province, participant, by)


@transaction.atomic
def _nominate(program: Program, province: Province, participant: Participant, by) -> Nomination:
    province_list = _list_locked(program, province)
    _check_may_edit(province_list, NominationRound.objects.filter(program=program).first(), by)
    listed = _listed(program, participant, returned_allowed=True)
    used, seats = places(program, province)
    state = NominationState.NOMINATED if seats is None or used < seats else NominationState.RESERVE
    last = Nomination.objects.filter(program=program, province=province, state=state).aggregate(n=Max("rank"))["n"]
    if listed is not None:  # returned by the office, nominated again (the reason dealt with): the same row
        listed.state, listed.rank, listed.reason = state, (last or 0) + 1, ""
        listed.save(update_fields=["state", "rank", "reason"])
        _record(listed, by)
        return listed
    nomination = Nomination.objects.create(
        program=program, province=province, participant=participant, state=state, rank=(last or 0) + 1, created_by=by
    )
    _record(nomination, by)
    return nomination


def _listed(program: Program, lawyer: Participant, *, returned_allowed: bool = False) -> Nomination | None:
    """Refuses a lawyer admitted to the program or already on a list of it; answers their nomination the office
    returned, when `returned_allowed` (nominated again, it is the same row)."""
    name = lawyer.name_zh or str(lawyer)
    if Admission.objects.filter(program=program, participant=lawyer, state=AdmissionState.ADMITTED).exists():
        raise NominationRefused(_("%(name)s is already admitted to this program.") % {"name": name})
    listed = Nomination.objects.filter(program=program, participant=lawyer, state__in=LIVE).first()
    if listed is not None and not (returned_allowed and listed.state == NominationState.RETURNED):
        raise NominationRefused(_("%(name)s is already on the list.") % {"name": name})
    return listed


def nominate_new(*, program: Program, province: Province, profile: dict, email: str, by) -> Nomination:
    """A lawyer the office does not know yet, entered by the province (a validated NewLawyerForm's values) and
    nominated. Their account waits, inactive, for the office's approval, which invites them. A licence or an
    e-mail address already on record is refused (_new_lawyer_refusal)."""
    email = User.objects.normalize_email(email.strip()).lower()
    refused = _new_lawyer_refusal(province, profile["license_number"], email)
    if refused is not None:
        refusal, elsewhere = refused
        if elsewhere is not None:
            _flag_other_province(program, province, elsewhere)
        raise refusal
    return _nominate_new(program, province, profile, email, by)


def _new_lawyer_refusal(
    province: Province, licence: str, email: str
) -> tuple[NominationRefused, Participant | None] | None:
    """Why a lawyer entered as new cannot be, naming where the licence or address belongs, with the other
    province's lawyer it names (to be flagged to that province and the office: a lawyer nominated by two
    provinces); None when they are new indeed."""
    known = (
        Participant.objects.select_related("province")
        .filter(Q(license_number=licence) | Q(user__email__iexact=email))
        .first()
    )
    if known is not None:
        field = "license_number" if known.license_number == licence else "email"
        if known.province_id != province.pk:
            message = _("This belongs to a lawyer of %(other)s, who nominates them; the program office has been told.")
            return NominationRefused({field: message % {"other": known.province}}), known
        message = _("This belongs to %(name)s, a lawyer of the province on record: nominate them from the search.")
        return NominationRefused({field: message % {"name": known.name_zh}}), None
    if User.objects.filter(email__iexact=email).exists():
        return NominationRefused({"email": _("This address belongs to an account that is not a lawyer's.")}), None
    return None


@transaction.atomic
def _nominate_new(program: Program, province: Province, profile: dict, email: str, by) -> Nomination:
    user = User(email=email, full_name=profile["name_zh"], is_active=False)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    lawyer = Participant(user=user, province=province, **profile)
    lawyer.full_clean()
    lawyer.save()
    return _nominate(program, province, lawyer, by)


# --- the province's list as a file ----------------------------------------------------------------------
UPLOAD_MAX_ROWS = 300  # a province's list, reserves and all; the office's import takes the long ones


@dataclass(frozen=True)
class RowProblem:
    row: int  # as the spreadsheet numbers it
    column: str  # the column's header as the file writes it; "" for the row as a whole
    message: str


class UploadRefused(Exception):
    """Rows of a province's file that cannot be nominated, each named; nothing was nominated."""

    def __init__(self, problems: list[RowProblem]):
        super().__init__(problems)
        self.problems = problems


@dataclass
class Uploaded:
    nominated: int = 0
    reserves: int = 0
    already: int = 0  # lawyers on the list already: left as they are


def nominate_from_file(*, program: Program, province: Province, data: bytes, filename: str, by) -> Uploaded:
    """The province's list as a spreadsheet (the columns of the office's import): every row nominated in the file's
    order, a reserve once the quota is used, or none at all. A row the import's check finds wrong, a lawyer of
    another province (flagged to it and the office, as nominate does) or one the rules refuse is a problem of its row
    (UploadRefused names each); a lawyer on the list already is left as they are, so a growing file can be uploaded
    again. A lawyer on record is nominated as on record (the file does not change a profile: the office does); one
    the office does not know is entered as nominate_new enters one. Raises ImportFileError for an unreadable file."""
    table = read_list(data, filename)
    if len(table.rows) > UPLOAD_MAX_ROWS:
        raise ImportFileError(
            _("The file has %(rows)s rows; a province's list has at most %(limit)s.")
            % {"rows": len(table.rows), "limit": UPLOAD_MAX_ROWS}
        )
    problems: list[RowProblem] = []
    elsewhere: list[Participant] = []
    outcome = Uploaded()
    with transaction.atomic():
        province_list = _list_locked(program, province)
        _check_may_edit(province_list, NominationRound.objects.filter(program=program).first(), by)
        licences = [row.values["license_number"] for row in table.rows if row.values["license_number"]]
        on_record = {
            lawyer.license_number: lawyer
            for lawyer in Participant.objects.select_related("province", "user").filter(license_number__in=licences)
        }
        for row in table.rows:
            found = _nominate_row(program, province, row, table.headers, on_record, by, outcome, elsewhere)
            problems += [RowProblem(row.number, column, message) for column, message in found]
        if problems:
            transaction.set_rollback(True)
    for lawyer in elsewhere:  # kept, as nominate keeps them, though the file is refused
        _flag_other_province(program, province, lawyer)
    if problems:
        raise UploadRefused(problems)
    return outcome


def _nominate_row(program, province, row, headers, on_record, by, outcome, elsewhere) -> list[tuple[str, str]]:
    """Nominate the lawyer a row names (counted in `outcome`), or say what is wrong with it: (column, message)."""
    if not row.valid:
        return [(problem.column, problem.message) for problem in row.errors]
    values = row.values
    if values["province"].pk != province.pk:
        message = _("A lawyer of %(other)s: this is the list of %(province)s.")
        return [(headers["province"], message % {"other": values["province"], "province": province})]
    lawyer = on_record.get(values["license_number"])
    try:
        with transaction.atomic():
            if lawyer is None:
                refused = _new_lawyer_refusal(province, values["license_number"], values["email"])
                if refused is not None:
                    refusal, other = refused
                    elsewhere += [other] if other else []
                    raise refusal
                profile = {name: values[name] for name in LIST_PROFILE_FIELDS}
                nomination = _nominate_new(program, province, profile, values["email"], by)
            elif lawyer.province_id != province.pk:
                elsewhere.append(lawyer)
                message = _("This licence belongs to a lawyer of %(other)s; the program office has been told.")
                raise NominationRefused({"license_number": message % {"other": lawyer.province}})
            elif (
                Nomination.objects.filter(program=program, participant=lawyer, state__in=LIVE)
                .exclude(state=NominationState.RETURNED)
                .exists()
            ):
                outcome.already += 1
                return []
            else:
                nomination = _nominate(program, province, lawyer, by)
    except ValidationError as refusal:
        if not hasattr(refusal, "error_dict"):
            return [("", message) for message in refusal.messages]
        return [
            (headers.get(name, ""), message) for name, messages in refusal.message_dict.items() for message in messages
        ]
    except IntegrityError:  # the same lawyer nominated meanwhile by someone else
        return [("", _("Changed meanwhile by someone else: upload the file again."))]
    if nomination.state == NominationState.RESERVE:
        outcome.reserves += 1
    else:
        outcome.nominated += 1
    return []


def _flag_other_province(program: Program, province: Province, participant: Participant) -> None:
    """A province tried to nominate another province's lawyer: that province's coordinators and the office
    hear of it (once a lawyer, province and program)."""
    recipients = list(User.objects.filter(coordinator__province=participant.province_id))
    recipients += list(User.objects.filter(groups__name=Role.ADMINISTRATOR, is_active=True))
    for recipient in recipients:
        notify(
            recipient,
            "nomination_clash",
            {"program": program, "participant": participant, "province": province},
            dedup_key=f"nomination-clash:{program.pk}:{province.pk}:{participant.pk}:{recipient.pk}",
        )


@transaction.atomic
def list_submit(*, program: Program, province: Province, by) -> ProvinceList:
    """The coordinator sends the province's list to the program office."""
    province_list = _list_locked(program, province)
    _check_may_edit(province_list, NominationRound.objects.filter(program=program).first(), by)
    if not Nomination.objects.filter(program=program, province=province, state=NominationState.NOMINATED).exists():
        raise NominationRefused(_("Nominate at least one lawyer within the quota before submitting the list."))
    province_list.state, province_list.reason = ListState.SUBMITTED, ""
    province_list.submitted_by, province_list.submitted_at = by, timezone.now()
    province_list.save()
    for administrator in User.objects.filter(groups__name=Role.ADMINISTRATOR, is_active=True):
        notify(
            administrator,
            "province_list_submitted",
            {"program": program, "province": province},
            dedup_key=f"list-submitted:{province_list.pk}:{province_list.submitted_at.timestamp()}:{administrator.pk}",
        )
    return province_list


@transaction.atomic
def nomination_approve(*, nomination: Nomination, by) -> Admission:
    """The office approves a nominee of a submitted list: they are admitted (with their required seats and
    invitation). The list is approved when none of its nominees is left to decide and none was returned."""
    Program.objects.select_for_update().get(pk=nomination.program_id)  # admit's lock, taken before the list's
    province_list = _list_locked(nomination.program, nomination.province)
    nomination = Nomination.objects.select_for_update().select_related("participant", "program").get(pk=nomination.pk)
    if province_list.state not in SENT:
        raise NominationRefused(_("Only a nominee of a submitted list is approved."))
    if nomination.state != NominationState.NOMINATED:
        raise NominationRefused(
            _("%(name)s is %(state)s, not waiting for approval.")
            % {"name": nomination.participant.name_zh, "state": nomination.get_state_display().lower()}
        )
    admission = admit(participant=nomination.participant, program=nomination.program, by=by)
    _invite_if_new(nomination.participant.user, by)
    nomination.state = NominationState.APPROVED
    nomination.save(update_fields=["state"])
    _record(nomination, by)
    _close_if_decided(province_list, by)
    return admission


@transaction.atomic
def nomination_return(*, nomination: Nomination, reason: str, by) -> Nomination:
    """The office returns a nominee to the province with a reason; the list goes back to the coordinator."""
    (returned,) = _return(nomination.program, nomination.province, reason, by, only=nomination)
    return returned


@transaction.atomic
def list_return(*, program: Program, province: Province, reason: str, by) -> list[Nomination]:
    """The office returns the whole list: every nominee waiting for approval, with one reason."""
    return _return(program, province, reason, by)


def _return(program: Program, province: Province, reason: str, by, only: Nomination | None = None) -> list:
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise NominationRefused({"reason": _("Say why: the province reads it.")})
    province_list = _list_locked(program, province)
    waiting = (
        Nomination.objects.select_for_update()
        .select_related("participant", "program")
        .filter(program=program, province=province, state=NominationState.NOMINATED)
    )
    if only is not None:
        waiting = waiting.filter(pk=only.pk)
    returned = list(waiting.order_by("rank", "pk"))
    if province_list.state not in SENT or not returned:
        raise NominationRefused(_("Only a nominee of a submitted list waiting for approval is returned."))
    for nomination in returned:
        nomination.state, nomination.reason = NominationState.RETURNED, reason
        nomination.save(update_fields=["state", "reason"])
        _record(nomination, by, reason)
    province_list.state, province_list.reason = ListState.RETURNED, reason
    province_list.decided_by, province_list.decided_at = by, timezone.now()
    province_list.save()
    names = "、".join(n.participant.name_zh for n in returned)
    for coordinator in Coordinator.objects.filter(province=province).select_related("user"):
        notify(
            coordinator.user,
            "nomination_returned",
            {"program": program, "names": names, "count": len(returned), "reason": reason},
            dedup_key=f"nomination-returned:{province_list.pk}:{province_list.decided_at.timestamp()}:{coordinator.pk}",
        )
    return returned


@transaction.atomic
def substitute(
    *, nomination: Nomination, reason: str, by, reserve: Nomination | None = None, lawyer: Participant | None = None
) -> Nomination:
    """A nominee who withdrew gives their place to one of the province's reserves or to another of its lawyers, in
    one change: the withdrawn lawyer's admission and seats go (their waitlists move on), the new one is admitted
    with the required seats, the quota's place passes from one to the other. A nominee not yet approved is
    replaced on the list, waiting for the office's approval as they were. The province's coordinators substitute
    until the round's freeze; after it the office only. Returns the replacement's nomination."""
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise NominationRefused({"reason": _("Say why the nominee is replaced: it is kept in their history.")})
    if (reserve is None) == (lawyer is None):
        raise NominationRefused(_("Choose one reserve or one lawyer to take the place."))
    # The program's row first, as every admission decision takes it (participants.services.admit), then the list.
    program = Program.objects.select_for_update().get(pk=nomination.program_id)
    province = nomination.province
    _list_locked(program, province)
    nomination = Nomination.objects.select_for_update().select_related("participant").get(pk=nomination.pk)
    round_ = NominationRound.objects.filter(program=program).first()
    if Role.ADMINISTRATOR not in by.roles and (round_ is None or round_.is_frozen()):
        raise NominationRefused(_("Substitutions by the province have ended; the program office substitutes now."))
    if nomination.state not in REPLACEABLE:
        raise NominationRefused(_("Only a nominee waiting for approval, returned or approved is replaced."))
    if reserve is not None:
        replacement = Nomination.objects.select_for_update().select_related("participant").get(pk=reserve.pk)
        if (replacement.program_id, replacement.province_id, replacement.state) != (
            program.pk,
            province.pk,
            NominationState.RESERVE,
        ):
            raise NominationRefused(_("Only a reserve of the same list takes the place."))
    else:
        replacement = _newcomer(program, province, lawyer, by)
    approved = nomination.state == NominationState.APPROVED
    if approved:
        admission = Admission.objects.filter(
            program=program, participant=nomination.participant, state=AdmissionState.ADMITTED
        ).first()
        if admission is not None:
            admission_decide(admission=admission, state=AdmissionState.WITHDRAWN, reason=reason, by=by)
    # The replacement holds the place as the nominee did: admitted, or waiting for the office's approval.
    replaced_state = NominationState.APPROVED if approved else NominationState.NOMINATED
    nomination.state, nomination.reason = NominationState.SUBSTITUTED, reason
    nomination.save(update_fields=["state", "reason"])
    _record(nomination, by, reason)
    if approved:
        admit(participant=replacement.participant, program=program, by=by)
        _invite_if_new(replacement.participant.user, by)
    replacement.state, replacement.rank, replacement.replaces = replaced_state, nomination.rank, nomination
    replacement.save(update_fields=["state", "rank", "replaces"])
    _record(replacement, by, reason)
    _tell_of_substitution(nomination, replacement, by)
    return replacement


def _newcomer(program: Program, province: Province, lawyer: Participant, by) -> Nomination:
    """A lawyer of the province not on its list, put on it to take a place (as `nominate` checks them)."""
    lawyer = Participant.objects.select_related("province").get(pk=lawyer.pk)
    name = lawyer.name_zh or str(lawyer)
    if lawyer.province_id != province.pk:
        raise NominationRefused(
            _("%(name)s is a lawyer of %(other)s, not of %(province)s.")
            % {"name": name, "other": lawyer.province, "province": province}
        )
    _listed(program, lawyer)
    return Nomination.objects.create(
        program=program, province=province, participant=lawyer, state=NominationState.RESERVE, rank=0, created_by=by
    )


def _tell_of_substitution(replaced: Nomination, replacement: Nomination, by) -> None:
    """The province's coordinators and the office hear of it (but the one who made it)."""
    people = (
        User.objects.filter(
            Q(coordinator__province=replaced.province_id) | Q(groups__name=Role.ADMINISTRATOR, is_active=True)
        )
        .exclude(pk=by.pk)
        .distinct()
    )
    for person in people:
        notify(
            person,
            "nomination_substituted",
            {
                "program": replaced.program,
                "province": replaced.province,
                "replaced": replaced.participant,
                "replacement": replacement.participant,
                "reason": replaced.reason,
            },
            dedup_key=f"nomination-substituted:{replaced.pk}:{person.pk}",
        )


def _invite_if_new(user, by) -> None:
    """A lawyer entered by their province has an account no one has used: the approval invites them to it."""
    if not user.is_active and not user.invitations.exists():
        invitation_send(user=user, role=Role.PARTICIPANT, invited_by=by)


def _close_if_decided(province_list: ProvinceList, by) -> None:
    waiting = Nomination.objects.filter(
        program=province_list.program_id, province=province_list.province_id, state=NominationState.NOMINATED
    )
    if province_list.state == ListState.SUBMITTED and not waiting.exists():
        province_list.state = ListState.APPROVED
        province_list.decided_by, province_list.decided_at = by, timezone.now()
        province_list.save()


# --- reading -----------------------------------------------------------------------------------------
def province_list(program: Program, province: Province) -> ProvinceList:
    """The province's list for the program as it stands (unsaved and in draft when nothing was nominated yet)."""
    return ProvinceList.objects.filter(program=program, province=province).first() or ProvinceList(
        program=program, province=province
    )


def nominations_of(program: Program, province: Province) -> dict[str, list[Nomination]]:
    """The province's nominations by state, each in the coordinator's order."""
    grouped: dict[str, list[Nomination]] = {state: [] for state in NominationState.values}
    rows = (
        Nomination.objects.filter(program=program, province=province)
        .select_related("participant")
        .order_by("state", "rank", "pk")
    )
    for nomination in rows:
        grouped[nomination.state].append(nomination)
    return grouped


SEARCH_LIMIT = 20


def search_lawyers(province: Province, query: str) -> list[Participant]:
    """Lawyers of the province known to the program office, by name, firm or the last digits of the licence (never
    the whole number: a coordinator sees what the door roster shows)."""
    query = " ".join(query.split())
    if len(query) < 2:
        return []
    condition = Q(name_zh__icontains=query) | Q(name_latin__icontains=query) | Q(law_firm__icontains=query)
    if query.isdigit() and len(query) <= 4:
        condition |= Q(license_number__endswith=query)
    return list(Participant.objects.filter(condition, province=province).order_by("name_latin", "pk")[:SEARCH_LIMIT])


@dataclass(frozen=True)
class ProvinceLine:
    """One province in the office's table of a program's provinces."""

    province: Province
    seats: int | None  # its quota; None: no limit
    nominated: int  # waiting for the office's approval
    reserves: int
    returned: int
    admitted: int
    completed: int
    at_risk: int
    state: str  # of its list: a ListState value, or "" when it has nominated no one

    @property
    def state_label(self) -> str:
        return ListState(self.state).label if self.state else ""


def provinces_table(program: Program) -> list[ProvinceLine]:
    """The 34 provinces in code order with their quota, their list's state and counts, and their lawyers admitted,
    completed and at risk (a fixed number of queries, whatever the program's size)."""
    counts: dict[tuple[int, str], int] = {
        (row["province"], row["state"]): row["n"]
        for row in Nomination.objects.filter(program=program).values("province", "state").annotate(n=Count("pk"))
    }
    states = dict(ProvinceList.objects.filter(program=program).values_list("province", "state"))
    seats = dict(ProvinceQuota.objects.filter(program=program).values_list("province", "seats"))
    admitted = Admission.objects.admitted_by_province(program)
    outcomes: dict[tuple[int, str], int] = {
        (row["province"], row["outcome"]): row["n"]
        for row in Completion(program).lawyers().values("province", "outcome").annotate(n=Count("pk")).order_by()
    }
    return [
        ProvinceLine(
            province=province,
            seats=seats.get(province.pk),
            nominated=counts.get((province.pk, NominationState.NOMINATED), 0),
            reserves=counts.get((province.pk, NominationState.RESERVE), 0),
            returned=counts.get((province.pk, NominationState.RETURNED), 0),
            admitted=admitted.get(province.pk, 0),
            completed=outcomes.get((province.pk, COMPLETED), 0),
            at_risk=outcomes.get((province.pk, AT_RISK), 0),
            state=states.get(province.pk, ""),
        )
        for province in Province.objects.all()
    ]


def remind_unsubmitted(*, at=None) -> int:
    """Once a day at most, while a program's round is open: the coordinators of provinces with places in their quota
    whose list is not with the office (never submitted, or returned) are reminded of the closing date (the provinces
    the office's table counts as waited for). Returns how many."""
    at = at or timezone.now()
    today = timezone.localdate(at).isoformat()
    sent = 0
    for round_ in NominationRound.objects.filter(opens_at__lte=at, closes_at__gt=at).select_related("program"):
        program = round_.program
        with_places = ProvinceQuota.objects.filter(program=program, seats__gt=0).values("province")
        sent_lists = ProvinceList.objects.filter(program=program, state__in=WITH_OFFICE)
        coordinators = (
            Coordinator.objects.filter(province__in=with_places, user__is_active=True)
            .exclude(province__in=sent_lists.values("province"))
            .select_related("user", "province")
        )
        for coordinator in coordinators:
            notify(
                coordinator.user,
                "nomination_reminder",
                {"program": program, "province": coordinator.province, "closes_at": round_.closes_at},
                dedup_key=f"nomination-reminder:{program.pk}:{coordinator.pk}:{today}",
            )
            sent += 1
    return sent


DIGEST_AT_RISK_SHOWN = 30  # lawyers named in a digest; the province's page lists every one


def send_weekly_digests(*, at=None) -> int:
    """Once a week: each coordinator of a province nominating for a program (its round opened, the program not ended
    more than a week ago) hears of the week's steps of the province's nominations and of its lawyers at risk, when
    there is either to tell. Returns how many digests were written (one a coordinator, program and week)."""
    at = at or timezone.now()
    since = at - timedelta(days=7)
    year, week, _day = timezone.localdate(at).isocalendar()
    sent = 0
    rounds = NominationRound.objects.filter(opens_at__lte=at, program__ends_on__gte=timezone.localdate(since)).exclude(
        program__status=ProgramStatus.DRAFT
    )
    for round_ in rounds.select_related("program"):
        program = round_.program
        completion = Completion(program, at)
        coordinators = Coordinator.objects.filter(user__is_active=True).select_related("user", "province")
        for province, people in _by_province(coordinators).items():
            digest = _digest(program, province, completion, since, at)
            if not (digest["steps"] or digest["at_risk_count"]):
                continue
            for coordinator in people:
                notify(
                    coordinator.user,
                    "province_digest",
                    {"program": program, "province": province, **digest},
                    dedup_key=f"province-digest:{program.pk}:{coordinator.pk}:{year}-{week}",
                    link=reverse("nominations:province", args=[program.slug]),
                )
                sent += 1
    return sent


def _by_province(coordinators) -> dict[Province, list[Coordinator]]:
    grouped: dict[Province, list[Coordinator]] = {}
    for coordinator in coordinators:
        grouped.setdefault(coordinator.province, []).append(coordinator)
    return grouped


def _digest(program: Program, province: Province, completion: Completion, since, at) -> dict:
    """What a province's digest tells: the steps of its nominations in the week, oldest first, and its lawyers at
    risk (the first DIGEST_AT_RISK_SHOWN by name, with their count), as plain values for the notice."""
    steps = (
        NominationChange.objects.filter(
            nomination__program=program, nomination__province=province, changed_at__gt=since, changed_at__lte=at
        )
        .order_by("changed_at", "pk")
        .values("changed_at", "state", "reason", "nomination__participant__name_zh")
    )
    at_risk = completion.lawyers().filter(province=province, outcome=AT_RISK).order_by("name_latin", "name_zh", "pk")
    return {
        "steps": [
            {
                "at": step["changed_at"],
                "state": step["state"],
                "reason": step["reason"],
                "name": step["nomination__participant__name_zh"],
            }
            for step in steps
        ],
        "at_risk": [
            {"name": lawyer.name_zh, "attended": lawyer.attended_required, "rate": round(lawyer.rate)}
            for lawyer in at_risk[:DIGEST_AT_RISK_SHOWN]
        ],
        "at_risk_count": at_risk.count(),
        "required": completion.required_total,
    }
