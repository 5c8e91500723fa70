"""Practice's rules (#18): cases, building a session's teams from its lawyers, moving and locking places, and
what a lawyer sees of their team."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import groups
from faculty.services import MaterialRefused, check_file
from notifications.services import notify
from participants.models import Enrolment, EnrolmentState, Participant
from sessions.models import TrainingSession

from . import builder
from .models import WITH_CASES, Case, CaseMaterial, Dispute, Lineup, Member, Role, Score, Side, Team

# The specialty (participants.models.Specialty) that makes a lawyer the natural expert of a dispute.
EXPERT_IN = {
    Dispute.PATENT: "patents",
    Dispute.TRADEMARK: "trademarks",
    Dispute.TRADE_SECRET: "trade_secrets",
    Dispute.COPYRIGHT: "copyright",
    Dispute.LICENSING: "licensing",
    Dispute.MEDIATION: "arbitration",
    Dispute.ARBITRATION: "arbitration",
}
ENGLISH = ("english", "英语", "英文")


class PracticeRefused(ValidationError):
    """A change the rules refuse, with the message a page shows."""


# --- who may do what -----------------------------------------------------------------------------------------
def may_build(user, session: TrainingSession) -> bool:
    """Administrators and the session's own faculty build its teams."""
    return user.is_authenticated and (user.is_administrator or session.is_taught_by(user))


def check_may_build(user, session: TrainingSession) -> None:
    if not may_build(user, session):
        raise PermissionDenied


def holds_cases(session: TrainingSession) -> bool:
    return session.format in WITH_CASES


def is_scored(session: TrainingSession) -> bool:
    """Whether the bench has scored any of the session's teams (scoring.score_team)."""
    return Score.objects.filter(team__case__session=session).exists()


# --- cases ---------------------------------------------------------------------------------------------------
def case_save(case: Case) -> Case:
    """Save a case of a mock-court or case-study session (its form checked its fields)."""
    if not holds_cases(case.session):
        raise PracticeRefused(_("Only a mock court or a case study holds cases."))
    case.full_clean()
    case.save()
    return case


def report_group(assignment, participant: Participant):
    """A case study's group hands in the report of the coursework its case counts as once, for all its members
    (assessment.groups): the lawyer's group, or None."""
    member = (
        Member.objects.filter(participant=participant, team__case__assignment=assignment, team__side="")
        .select_related("team__case")
        .first()
    )
    if member is None:
        return None
    members = tuple(Member.objects.filter(team=member.team_id).order_by("pk").values_list("participant", flat=True))
    name = f"{member.team.case.title} · {member.team.name}"
    return groups.Group(key=f"team:{member.team_id}", name=name, members=members)


# --- a case's materials ---------------------------------------------------------------------------------------
def material_add(*, case: Case, upload, title: str, side: str, by) -> CaseMaterial:
    """A file for the case's teams, or for one side's: checked as the faculty's materials are (its content read,
    its size limited), stored under a name of ours."""
    check_may_build(by, case.session)
    if side and not case.has_sides:
        raise PracticeRefused({"side": _("A case study's groups have no sides: leave it empty.")})
    try:
        name, content_type = check_file(upload)
    except MaterialRefused as refusal:
        raise PracticeRefused({"file": refusal.messages}) from None
    material = CaseMaterial(
        case=case, side=side, title=title.strip() or name, original_name=name, size=upload.size,
        content_type=content_type, uploaded_by=by,
    )  # fmt: skip
    material.file.save(name, upload, save=False)
    material.save()
    return material


def may_read(user, material: CaseMaterial) -> bool:
    """Those who build the teams; the case's team members, of its side when the file is for one side only."""
    session = material.case.session
    if may_build(user, session):
        return True
    place = Member.objects.filter(session=session, participant__user=user, team__case=material.case_id)
    if material.side:
        place = place.filter(team__side=material.side)
    return place.exists()


def materials_for(member: Member):
    """What a team member reads of their case: the files for both sides and their own side's."""
    return member.team.case.materials.filter(Q(side="") | Q(side=member.team.side)).order_by("side", "pk")


# --- building ------------------------------------------------------------------------------------------------
def speaks_english(languages: str) -> bool:
    text = languages.lower()
    return any(word in text for word in ENGLISH)


def _lawyer(participant: Participant) -> builder.Lawyer:
    return builder.Lawyer(
        pk=participant.pk,
        years=participant.years_of_practice or 0,
        firm=participant.law_firm.strip().casefold(),
        province=participant.province_id,
        specialties=frozenset(participant.specialties or ()),
        english=speaks_english(participant.languages),
    )


def seated(session: TrainingSession):
    """The lawyers holding a confirmed seat in the session: those the teams are built from."""
    return Participant.objects.filter(enrolments__session=session, enrolments__state=EnrolmentState.CONFIRMED)


def _keys(case: Case) -> list[tuple]:
    """The (case id, side, number) of each team the case asks for, the sides interleaved (claimant 1, respondent 1,
    claimant 2 …) so that the sizes planned in this order keep the sides even."""
    sides = (Side.CLAIMANT, Side.RESPONDENT) if case.has_sides else ("",)
    return [(case.pk, side, number) for number in range(1, case.teams + 1) for side in sides]


def _slots(cases: list[Case]) -> list[builder.Slot]:
    """An empty slot for each team the cases ask for."""
    firms: dict[tuple, Counter] = {}
    return [_slot(key, case, key[1], firms) for case in cases for key in _keys(case)]


def _slot(key, case: Case, side: str, firms: dict[tuple, Counter]) -> builder.Slot:
    """An empty slot for a team of `case`. In a mock court the firms of its side are counted in `firms` (by case
    and side), which the teams of the other side read as their rivals'."""
    if not side:
        return builder.Slot(key=key, english=case.in_english)
    own = firms.setdefault((case.pk, side), Counter())
    rival = firms.setdefault((case.pk, _other(side)), Counter())
    return builder.Slot(key=key, english=case.in_english, rival=rival, side_firms=own)


def roles(case: Case, members: list[builder.Lawyer], kept: dict[int, str]) -> dict[int, str]:
    """Each member's role: locked places keep theirs. In a mock court the most experienced leads, the experts
    come from those whose specialty is the dispute's, the witnesses are the least experienced, the rest are
    counsel; in a case study the most experienced reports for the group."""
    given = dict(kept)
    left = sorted((m for m in members if m.pk not in kept), key=lambda m: (-m.years, m.pk))
    taken = Counter(kept.values())

    def give(lawyer: builder.Lawyer, role: str) -> None:
        given[lawyer.pk] = role
        left.remove(lawyer)
        taken[role] += 1

    if not case.has_sides:
        if left and not taken[Role.RAPPORTEUR]:
            give(left[0], Role.RAPPORTEUR)
        for lawyer in list(left):
            give(lawyer, Role.MEMBER)
        return given
    if left and not taken[Role.LEAD_COUNSEL]:
        give(left[0], Role.LEAD_COUNSEL)
    specialty = EXPERT_IN.get(case.dispute)
    while left and taken[Role.EXPERT] < case.experts:
        give(next((m for m in left if specialty in m.specialties), left[0]), Role.EXPERT)
    while left and taken[Role.WITNESS] < case.witnesses:
        give(left[-1], Role.WITNESS)
    for lawyer in list(left):
        give(lawyer, Role.COUNSEL)
    return given


@transaction.atomic
def build_teams(session: TrainingSession, *, by, seed: int | None = None) -> Lineup:
    """Build the session's teams from the lawyers seated in it: locked places stay (a locked lawyer who no
    longer holds a seat leaves), everyone else is placed anew by the builder. The same seed and the same lawyers
    build the same teams; no seed: a new draw. Lawyers whose place changed are told once the teams settle
    (announce_places)."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)  # one build of a session at a time
    check_may_build(by, session)
    if is_scored(session):
        raise PracticeRefused(
            _("The bench has scored these teams: they stay as they were scored. Move a lawyer by hand if you must.")
        )
    cases = list(session.cases.select_related("session").order_by("position", "pk"))
    if not cases:
        raise PracticeRefused(_("Add a case before building teams."))
    seed = random.SystemRandom().randrange(1, 2**31) if seed is None else seed
    participants = {p.pk: p for p in seated(session).select_related("province", "user")}
    teams = _teams(cases)
    locked, kept_roles = {}, {}
    for member in Member.objects.filter(session=session, locked=True).select_related("team"):
        key = (member.team.case_id, member.team.side, member.team.number)
        # A seat given up, or a team the cases no longer ask for, frees a locked place.
        if member.participant_id in participants and key in teams:
            locked[member.participant_id], kept_roles[member.participant_id] = key, member.role
    slots = builder.build(
        [_lawyer(p) for p in sorted(participants.values(), key=lambda p: p.pk)],
        _slots(cases),
        locked=locked,
        seed=seed,
    )
    Member.objects.filter(session=session).exclude(participant__in=locked).delete()  # locked places stay as they are
    Team.objects.filter(case__session=session).exclude(pk__in=[t.pk for t in teams.values()]).delete()
    by_case = {case.pk: case for case in cases}
    rows = []
    for slot in slots:
        team = teams[slot.key]
        kept = {m.pk: kept_roles[m.pk] for m in slot.members if m.pk in locked}
        given = roles(by_case[team.case_id], slot.members, kept)
        rows += [
            Member(team=team, session=session, participant_id=m.pk, role=given[m.pk])
            for m in slot.members
            if m.pk not in locked
        ]
    Member.objects.bulk_create(rows)
    now = timezone.now()
    lineup, _created = Lineup.objects.update_or_create(
        session=session, defaults={"seed": seed, "built_at": now, "built_by": by, "changed_at": now}
    )
    return lineup


def _teams(cases: list[Case]) -> dict[tuple, Team]:
    """The teams the cases ask for (made where missing), by (case id, side, number)."""
    wanted = [key for case in cases for key in _keys(case)]
    existing = {(t.case_id, t.side, t.number): t for t in Team.objects.filter(case__in=cases)}
    missing = [Team(case_id=c, side=s, number=n) for c, s, n in wanted if (c, s, n) not in existing]
    for team in Team.objects.bulk_create(missing):
        existing[(team.case_id, team.side, team.number)] = team
    return {key: existing[key] for key in wanted}


# --- adjusting -----------------------------------------------------------------------------------------------
def move(member: Member, team: Team, *, by) -> Member:
    """Move a lawyer to another team of the same session, and lock them there (a rebuild leaves them). A lawyer
    who no longer holds a seat is not moved: their place is removed, and the refusal says why."""
    with transaction.atomic():
        moved = _move(member, team, by=by)
    if moved is None:
        raise PracticeRefused(
            _("%(name)s no longer holds a seat in this session: their place is removed.")
            % {"name": member.participant.name_zh}
        )
    return moved


def _move(member: Member, team: Team, *, by) -> Member | None:
    session = TrainingSession.objects.select_for_update().get(pk=member.session_id)
    check_may_build(by, session)
    member = Member.objects.select_related("participant__user").filter(pk=member.pk).first()
    if member is None:  # removed meanwhile (a rebuild, another tab)
        raise PracticeRefused(_("This place is no longer in the teams: the teams were rebuilt meanwhile."))
    if team.case.session_id != session.pk:
        raise PracticeRefused(_("That team is in another session."))
    holds_seat = Enrolment.objects.filter(
        session=session, participant=member.participant_id, state=EnrolmentState.CONFIRMED
    ).exists()
    if not holds_seat:
        member.delete()
        return None
    if member.team_id != team.pk:
        member.team = team
        member.role = Role.COUNSEL if team.side else Role.MEMBER
    member.locked = True
    member.save(update_fields=["team", "role", "locked"])
    Lineup.objects.filter(session=session).update(changed_at=timezone.now())
    return member


def set_role(member: Member, role: str, *, by) -> Member:
    """Give a member another role (of their team's kind); the place is locked with it."""
    check_may_build(by, member.session)
    allowed = {Role.RAPPORTEUR, Role.MEMBER} if not member.team.side else set(Role) - {Role.RAPPORTEUR, Role.MEMBER}
    if role not in allowed:
        raise PracticeRefused(_("That role is not one of this team's."))
    member.role, member.locked = role, True
    member.save(update_fields=["role", "locked"])
    Lineup.objects.filter(session=member.session_id).update(changed_at=timezone.now())
    return member


def set_locked(member: Member, locked: bool, *, by) -> Member:
    check_may_build(by, member.session)
    member.locked = locked
    member.save(update_fields=["locked"])
    return member


# --- telling the lawyers -------------------------------------------------------------------------------------
QUIET = timedelta(minutes=5)  # the teams settle this long before the lawyers are told (a builder tries several draws)


def announce_places(at=None) -> int:
    """Tell each lawyer whose place (team or role) changed since they were last told, once the session's teams
    have not changed for QUIET: one notice however many draws and moves came before it (Celery beat, every two
    minutes). Returns how many were told."""
    at = at or timezone.now()
    due = Lineup.objects.filter(changed_at__lte=at - QUIET).filter(
        Q(announced_at__isnull=True) | Q(announced_at__lt=F("changed_at"))
    )
    told = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            told += _announce(Lineup.objects.select_for_update().select_related("session__program").get(pk=pk), at)
    return told


def _announce(lineup: Lineup, at) -> int:
    session = lineup.session
    link = reverse("sessions:session_detail", args=[session.program.slug, session.pk])
    places = {
        str(m.participant_id): [m.team_id, m.role]
        for m in Member.objects.filter(session=session).select_related("participant__user")
    }
    changed = [pk for pk, place in places.items() if lineup.told.get(pk) != place]
    users = {p.pk: p.user for p in Participant.objects.filter(pk__in=changed).select_related("user")}
    for pk in changed:
        team, role = places[pk]
        notify(users[int(pk)], "team_place", {"session": session}, link=link,
               dedup_key=f"team-place:{session.pk}:{pk}:{team}:{role}:{lineup.changed_at.isoformat()}")  # fmt: skip
    lineup.told, lineup.announced_at = places, at
    lineup.save(update_fields=["told", "announced_at"])
    return len(changed)


# --- reading -------------------------------------------------------------------------------------------------
# A team's members as its card lists them.
ROLE_ORDER = [Role.LEAD_COUNSEL, Role.COUNSEL, Role.EXPERT, Role.WITNESS, Role.RAPPORTEUR, Role.MEMBER]


def card_order(member: Member) -> tuple:
    """A team's members as its card and its scoring sheet list them: by role, lead counsel first."""
    return ROLE_ORDER.index(member.role), member.pk


RULE_LABELS = {
    builder.LANGUAGE: lambda: _("does not speak the case's language"),
    builder.FIRM_ACROSS: lambda: _("a colleague of the same firm is on the other side"),
    builder.FIRM_WITHIN: lambda: _("a colleague of the same firm is in the team"),
}


@dataclass
class TeamView:
    """A team with its members, each member with `broken_rules`: what their place breaks, in words."""

    team: Team
    members: list[Member] = field(default_factory=list)

    @property
    def years(self) -> float | None:
        values = [m.participant.years_of_practice or 0 for m in self.members]
        return round(sum(values) / len(values), 1) if values else None

    @property
    def provinces(self) -> int:
        return len({m.participant.province_id for m in self.members})

    @property
    def english(self) -> int:
        return sum(1 for m in self.members if speaks_english(m.participant.languages))


def lineup(session: TrainingSession) -> dict[int, list[TeamView]]:
    """The session's teams by case id, each with its members and the rules each place breaks (three queries)."""
    cases = list(session.cases.all())
    views = {}
    for team in Team.objects.filter(case__in=cases).select_related("case__session").order_by("case", "number", "side"):
        views[team.pk] = TeamView(team)
    members = Member.objects.filter(session=session).select_related("participant__province").order_by("pk")
    for member in sorted(members, key=card_order):
        views[member.team_id].members.append(member)
    slots, firms = {}, {}
    for view in views.values():
        slot = _slot(view.team.pk, view.team.case, view.team.side, firms)
        for member in view.members:
            slot.add(_lawyer(member.participant))
        slots[view.team.pk] = slot
    for view in views.values():
        for member in view.members:
            rules = builder.broken(_lawyer(member.participant), slots[view.team.pk])
            member.broken_rules = [RULE_LABELS[rule]() for rule in rules]
    found: dict[int, list[TeamView]] = {case.pk: [] for case in cases}
    for view in views.values():
        found[view.team.case_id].append(view)
    return found


def _other(side: str) -> str:
    return Side.RESPONDENT if side == Side.CLAIMANT else Side.CLAIMANT


def place_of(participant: Participant, session: TrainingSession) -> Member | None:
    """The lawyer's place in the session's teams, if any."""
    return Member.objects.filter(session=session, participant=participant).select_related("team__case").first()


def teammates(member: Member):
    return (
        Member.objects.filter(team=member.team_id)
        .exclude(pk=member.pk)
        .select_related("participant__user", "participant__province")
        .order_by("pk")
    )
