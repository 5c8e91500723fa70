"""Provinces nominate their lawyers (#16): within the quota or as reserves, submitted, approved into admissions
or returned with a reason; another province's lawyer, an admitted one or a closed round refused, changing
nothing; and two coordinators racing for the last place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accounts.models import Invitation
from accounts.roles import Role
from nominations import services
from nominations.models import (
    Coordinator,
    ListState,
    Nomination,
    NominationRound,
    NominationState,
    ProvinceList,
)
from notifications.models import Notification
from participants.models import Admission, AdmissionState, Enrolment, Province, ProvinceQuota
from participants.services import progress
from tests.factories import AdmissionFactory, ParticipantFactory, ProgramFactory, SessionFactory, UserFactory
from tests.nominations import open_round
from tests.support import at_once, words


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are matched in English (each is translated: tests/platform/test_translations.py)."""
    with translation.override("en"):
        yield


def province(code: str) -> Province:
    return Province.objects.get(code=code)


@pytest.fixture
def program(db):
    program = ProgramFactory()
    open_round(program)
    ProvinceQuota.objects.create(program=program, province=province("44"), seats=2)
    return program


@pytest.fixture
def coordinator(administrator):
    return services.coordinator_invite(
        province=province("44"), email="gd@example.test", full_name="广东协调人", by=administrator
    )


def _coordinator_user(coordinator):
    user = coordinator.user
    user.is_active = True
    user.save()
    return user


def guangdong_lawyers(n: int):
    return [ParticipantFactory(province=province("44")) for _ in range(n)]


# --- coordinators ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_invited_coordinator_gets_an_invitation_and_one_province_only(administrator, coordinator):
    assert coordinator.province.code == "44" and not coordinator.user.is_active
    assert Invitation.objects.get(user=coordinator.user).role == Role.COORDINATOR
    assert services.province_of(coordinator.user).code == "44"
    with pytest.raises(ValidationError, match="one province only"):
        services.coordinator_invite(province=province("11"), email="GD@example.test", full_name="x", by=administrator)
    with pytest.raises(ValidationError, match="already coordinates"):
        services.coordinator_invite(province=province("44"), email="gd@example.test", full_name="x", by=administrator)
    assert Coordinator.objects.count() == 1


@pytest.mark.django_db
def test_an_active_account_becomes_a_coordinator_at_once(administrator):
    person = UserFactory(email="bar@example.test")
    made = services.coordinator_invite(
        province=province("11"), email="bar@example.test", full_name="", by=administrator
    )
    assert made.user == person and Role.COORDINATOR in person.__class__.objects.get(pk=person.pk).roles
    assert not Invitation.objects.filter(user=person).exists()


# --- nominating -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_nominations_fill_the_quota_then_wait_as_reserves_in_order(program, coordinator):
    by = _coordinator_user(coordinator)
    first, second, third, fourth = guangdong_lawyers(4)
    states = [
        services.nominate(program=program, province=province("44"), participant=p, by=by)
        for p in (first, second, third, fourth)
    ]
    assert [(n.state, n.rank) for n in states] == [
        (NominationState.NOMINATED, 1),
        (NominationState.NOMINATED, 2),
        (NominationState.RESERVE, 1),
        (NominationState.RESERVE, 2),
    ]
    assert services.places(program, province("44")) == (2, 2)
    assert [c.state for c in states[0].changes.all()] == [NominationState.NOMINATED]


@pytest.mark.django_db
def test_an_admitted_lawyer_counts_against_the_quota(program, coordinator):
    AdmissionFactory(program=program, participant=guangdong_lawyers(1)[0])
    by = _coordinator_user(coordinator)
    one, two = guangdong_lawyers(2)
    assert services.nominate(program=program, province=province("44"), participant=one, by=by).state == "nominated"
    assert services.nominate(program=program, province=province("44"), participant=two, by=by).state == "reserve"


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["other province", "admitted", "twice", "round closed", "round not set", "submitted"])
def test_a_refused_nomination_says_why_and_changes_nothing(case, program, coordinator, administrator):
    by = _coordinator_user(coordinator)
    lawyer = guangdong_lawyers(1)[0]
    expected = {
        "other province": "is a lawyer of Beijing",
        "admitted": "already admitted",
        "twice": "already on the list",
        "round closed": "not open",
        "round not set": "not open",
        "submitted": "cannot be changed now",
    }[case]
    if case == "other province":
        lawyer = ParticipantFactory(province=province("11"))
        beijing = UserFactory(email="bj@example.test")
        Coordinator.objects.create(user=beijing, province=province("11"))
    elif case == "admitted":
        AdmissionFactory(program=program, participant=lawyer)
    elif case == "twice":
        services.nominate(program=program, province=province("44"), participant=lawyer, by=by)
    elif case == "round closed":
        NominationRound.objects.filter(program=program).update(
            closes_at=timezone.now() - timedelta(minutes=1), opens_at=timezone.now() - timedelta(days=2)
        )
    elif case == "round not set":
        NominationRound.objects.filter(program=program).delete()
    elif case == "submitted":
        services.nominate(program=program, province=province("44"), participant=guangdong_lawyers(1)[0], by=by)
        services.list_submit(program=program, province=province("44"), by=by)
    before = list(Nomination.objects.values_list("pk", "state", "rank"))
    with pytest.raises(services.NominationRefused, match=expected):
        services.nominate(program=program, province=province("44"), participant=lawyer, by=by)
    assert list(Nomination.objects.values_list("pk", "state", "rank")) == before
    if case == "other province":  # flagged to that province and to the office
        told = set(Notification.objects.filter(kind="nomination_clash").values_list("recipient__email", flat=True))
        assert told == {"bj@example.test", administrator.email}


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_the_round_takes_nominations_from_its_opening_to_its_close(program, coordinator):
    by = _coordinator_user(coordinator)
    now = timezone.now()
    NominationRound.objects.filter(program=program).update(opens_at=now, closes_at=now + timedelta(minutes=1))
    assert services.nominate(program=program, province=province("44"), participant=guangdong_lawyers(1)[0], by=by)
    NominationRound.objects.filter(program=program).update(opens_at=now - timedelta(days=1), closes_at=now)
    with pytest.raises(services.NominationRefused, match="not open"):
        services.nominate(program=program, province=province("44"), participant=guangdong_lawyers(1)[0], by=by)


@pytest.mark.django_db
def test_the_office_nominates_outside_the_round(program, administrator):
    NominationRound.objects.filter(program=program).delete()
    lawyer = guangdong_lawyers(1)[0]
    assert (
        services.nominate(program=program, province=province("44"), participant=lawyer, by=administrator).state
        == "nominated"
    )


# --- submitting, approving, returning ---------------------------------------------------------------
@pytest.mark.django_db
def test_a_submitted_list_is_approved_into_admissions_with_required_seats_or_returned_with_a_reason(
    program, coordinator, administrator
):
    by = _coordinator_user(coordinator)
    required = SessionFactory(program=program, is_required=True)
    with pytest.raises(services.NominationRefused, match="at least one"):
        services.list_submit(program=program, province=province("44"), by=by)
    kept, returned = (
        services.nominate(program=program, province=province("44"), participant=p, by=by) for p in guangdong_lawyers(2)
    )
    services.list_submit(program=program, province=province("44"), by=by)
    assert Notification.objects.filter(kind="province_list_submitted", recipient=administrator).exists()
    with pytest.raises(services.NominationRefused, match="Say why"):
        services.nomination_return(nomination=returned, reason="  ", by=administrator)
    services.nomination_return(nomination=returned, reason="执业年限不足三年", by=administrator)
    services.nomination_approve(nomination=kept, by=administrator)
    admission = Admission.objects.get(participant=kept.participant, program=program)
    assert admission.state == AdmissionState.ADMITTED
    assert Enrolment.objects.filter(participant=kept.participant, session=required, state="confirmed").exists()
    returned.refresh_from_db()
    assert (returned.state, returned.reason) == (NominationState.RETURNED, "执业年限不足三年")
    province_list = ProvinceList.objects.get(program=program, province=province("44"))
    assert province_list.state == ListState.RETURNED and province_list.reason == "执业年限不足三年"
    assert Notification.objects.filter(kind="nomination_returned", recipient=by).exists()
    assert not Admission.objects.filter(participant=returned.participant).exists()
    assert [c.state for c in kept.changes.all()] == ["nominated", "approved"]


@pytest.mark.django_db
def test_only_a_submitted_nominee_is_approved(program, coordinator, administrator):
    by = _coordinator_user(coordinator)
    nomination = services.nominate(program=program, province=province("44"), participant=guangdong_lawyers(1)[0], by=by)
    with pytest.raises(services.NominationRefused, match="of a submitted list"):
        services.nomination_approve(nomination=nomination, by=administrator)
    assert not Admission.objects.exists()


# --- the race for the last place ------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_racing_for_the_last_place_one_wins_the_other_is_a_reserve(administrator):
    program = ProgramFactory()
    open_round(program)
    ProvinceQuota.objects.create(program=program, province=province("44"), seats=1)
    first = _coordinator_user(
        services.coordinator_invite(province=province("44"), email="a@example.test", full_name="甲", by=administrator)
    )
    second = _coordinator_user(
        services.coordinator_invite(province=province("44"), email="b@example.test", full_name="乙", by=administrator)
    )
    guangdong = province("44")  # read beforehand: each side's first query of the race is its list's lock
    for _round in range(5):
        Nomination.objects.all().delete()
        one, two = guangdong_lawyers(2)
        answers = at_once(
            lambda one=one: services.nominate(program=program, province=guangdong, participant=one, by=first),
            lambda two=two: services.nominate(program=program, province=guangdong, participant=two, by=second),
        )
        assert sorted(answer.state for answer in answers) == [NominationState.NOMINATED, NominationState.RESERVE]


# --- reminders --------------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.clock_edges
def test_provinces_whose_list_is_not_with_the_office_are_reminded_once_a_day_while_the_round_is_open(
    program, coordinator, administrator
):
    guangdong = _coordinator_user(coordinator)
    beijing = UserFactory(email="bj@example.test")
    Coordinator.objects.create(user=beijing, province=province("11"))
    ProvinceQuota.objects.create(program=program, province=province("11"), seats=3)
    shanghai = UserFactory(email="sh@example.test")  # Shanghai has no quota on this program: nothing to nominate
    Coordinator.objects.create(user=shanghai, province=province("31"))
    tianjin = UserFactory(email="tj@example.test")  # Tianjin's quota has no places
    Coordinator.objects.create(user=tianjin, province=province("12"))
    ProvinceQuota.objects.create(program=program, province=province("12"), seats=0)
    services.nominate(
        program=program,
        province=province("11"),
        participant=ParticipantFactory(province=province("11")),
        by=administrator,
    )
    services.list_submit(program=program, province=province("11"), by=administrator)

    assert services.remind_unsubmitted() == 1
    assert services.remind_unsubmitted() == 1  # the same day: the notice is not sent twice
    reminded = Notification.objects.filter(kind="nomination_reminder")
    assert list(reminded.values_list("recipient", flat=True)) == [guangdong.pk]
    assert services.remind_unsubmitted(at=timezone.now() + timedelta(days=1)) == 1
    assert reminded.count() == 2
    assert services.remind_unsubmitted(at=timezone.now() + timedelta(days=8)) == 0  # the round has closed


# --- substitution -----------------------------------------------------------------------------------------
def _approved_with_a_reserve(program, coordinator, administrator):
    by = _coordinator_user(coordinator)
    required = SessionFactory(program=program, is_required=True)
    kept, other, reserve = (
        services.nominate(program=program, province=province("44"), participant=p, by=by) for p in guangdong_lawyers(3)
    )
    services.list_submit(program=program, province=province("44"), by=by)
    services.nomination_approve(nomination=kept, by=administrator)
    return by, required, kept, other, reserve


@pytest.mark.django_db
def test_a_reserve_takes_the_place_of_an_approved_nominee_who_withdrew_in_one_change(
    program, coordinator, administrator
):
    by, required, kept, _other, reserve = _approved_with_a_reserve(program, coordinator, administrator)
    assert reserve.state == NominationState.RESERVE
    replacement = services.substitute(nomination=kept, reserve=reserve, reason="因病退出", by=by)
    assert replacement.pk == reserve.pk and replacement.state == NominationState.APPROVED
    assert replacement.replaces_id == kept.pk and replacement.rank == kept.rank
    left = Admission.objects.get(participant=kept.participant, program=program)
    assert (left.state, left.reason) == (AdmissionState.WITHDRAWN, "因病退出")
    assert not Enrolment.objects.filter(participant=kept.participant, state="confirmed").exists()
    assert Admission.objects.get(participant=reserve.participant, program=program).state == AdmissionState.ADMITTED
    assert Enrolment.objects.filter(participant=reserve.participant, session=required, state="confirmed").exists()
    assert services.places(program, province("44")) == (2, 2)  # the place passed from one to the other
    kept.refresh_from_db()
    assert (kept.state, kept.reason) == (NominationState.SUBSTITUTED, "因病退出")
    told = set(Notification.objects.filter(kind="nomination_substituted").values_list("recipient__email", flat=True))
    assert told == {administrator.email}  # the coordinator made it: the office is told


@pytest.mark.django_db
def test_after_the_freeze_only_the_office_substitutes(program, coordinator, administrator):
    by, _required, kept, _other, reserve = _approved_with_a_reserve(program, coordinator, administrator)
    NominationRound.objects.filter(program=program).update(
        opens_at=timezone.now() - timedelta(days=9),
        closes_at=timezone.now() - timedelta(days=2),
        freezes_at=timezone.now() - timedelta(minutes=1),
    )
    with pytest.raises(services.NominationRefused, match="Substitutions by the province have ended"):
        services.substitute(nomination=kept, reserve=reserve, reason="因病退出", by=by)
    assert Admission.objects.get(participant=kept.participant, program=program).state == AdmissionState.ADMITTED
    services.substitute(nomination=kept, reserve=reserve, reason="因病退出，经部里同意", by=administrator)
    assert Admission.objects.get(participant=reserve.participant, program=program).state == AdmissionState.ADMITTED


@pytest.mark.django_db
def test_a_nominee_waiting_for_approval_is_replaced_by_another_lawyer_of_the_province(
    program, coordinator, administrator
):
    by, _required, _kept, other, _reserve = _approved_with_a_reserve(program, coordinator, administrator)
    newcomer = guangdong_lawyers(1)[0]
    replacement = services.substitute(nomination=other, lawyer=newcomer, reason="工作调动", by=by)
    assert (replacement.state, replacement.rank, replacement.participant) == (
        NominationState.NOMINATED,
        other.rank,
        newcomer,
    )
    assert not Admission.objects.filter(participant=newcomer).exists()  # waiting for the office, as the other was


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["no reason", "both", "another province's reserve", "substituted nominee"])
def test_a_refused_substitution_says_why_and_changes_nothing(case, program, coordinator, administrator):
    by, _required, kept, other, reserve = _approved_with_a_reserve(program, coordinator, administrator)
    kwargs, expected = {"nomination": kept, "reserve": reserve, "reason": "因病退出", "by": by}, ""
    if case == "no reason":
        kwargs["reason"], expected = " ", "Say why"
    elif case == "both":
        kwargs["lawyer"], expected = guangdong_lawyers(1)[0], "one reserve or one lawyer"
    elif case == "another province's reserve":
        ProvinceQuota.objects.create(program=program, province=province("11"), seats=0)
        beijing = ParticipantFactory(province=province("11"))
        kwargs["reserve"] = services.nominate(
            program=program, province=province("11"), participant=beijing, by=administrator
        )
        expected = "same list"
    elif case == "substituted nominee":
        services.substitute(nomination=other, lawyer=guangdong_lawyers(1)[0], reason="工作调动", by=by)
        kwargs["nomination"], expected = other, "waiting for approval, returned or approved"
    before = sorted(Nomination.objects.values_list("pk", "state", "rank"))
    admissions = sorted(Admission.objects.values_list("pk", "state"))
    with pytest.raises(services.NominationRefused, match=expected):
        services.substitute(**kwargs)
    assert sorted(Nomination.objects.values_list("pk", "state", "rank")) == before
    assert sorted(Admission.objects.values_list("pk", "state")) == admissions


@pytest.mark.django_db
def test_a_returned_nominee_is_nominated_again_or_replaced_and_the_list_submitted_again(
    program, coordinator, administrator
):
    by = _coordinator_user(coordinator)
    ProvinceQuota.objects.filter(program=program).update(seats=3)
    first, second = (
        services.nominate(program=program, province=province("44"), participant=p, by=by) for p in guangdong_lawyers(2)
    )
    third = services.nominate(program=program, province=province("44"), participant=guangdong_lawyers(1)[0], by=by)
    services.list_submit(program=program, province=province("44"), by=by)
    returned = services.list_return(program=program, province=province("44"), reason="材料不全", by=administrator)
    assert {n.pk for n in returned} == {first.pk, second.pk, third.pk}
    again = services.nominate(program=program, province=province("44"), participant=first.participant, by=by)
    assert again.pk == first.pk and (again.state, again.reason) == (NominationState.NOMINATED, "")
    replacement = services.substitute(nomination=second, lawyer=guangdong_lawyers(1)[0], reason="不再参加", by=by)
    assert replacement.state == NominationState.NOMINATED
    services.list_submit(program=program, province=province("44"), by=by)
    assert ProvinceList.objects.get(program=program, province=province("44")).state == ListState.SUBMITTED
    assert [c.state for c in first.changes.all()] == ["nominated", "returned", "nominated"]


@pytest.mark.django_db(transaction=True)
def test_approvals_and_substitutions_of_one_list_at_once_never_deadlock(administrator):
    """Both take the program's row, then the list's: run side by side, each ends, one after the other."""
    program = ProgramFactory()
    open_round(program)
    guangdong = province("44")
    quota = ProvinceQuota.objects.create(program=program, province=guangdong, seats=0)
    for _round in range(4):
        quota.seats = services.places(program, guangdong)[0] + 2  # two places: the third nominee waits behind
        quota.save(update_fields=["seats"])
        approved, waiting, reserve = (
            services.nominate(program=program, province=guangdong, participant=p, by=administrator)
            for p in guangdong_lawyers(3)
        )
        services.list_submit(program=program, province=guangdong, by=administrator)
        services.nomination_approve(nomination=approved, by=administrator)
        answers = at_once(
            lambda waiting=waiting: services.nomination_approve(nomination=waiting, by=administrator),
            lambda approved=approved, reserve=reserve: services.substitute(
                nomination=approved, reserve=reserve, reason="因病退出", by=administrator
            ),
        )
        assert not [a for a in answers if isinstance(a, BaseException)], answers
        assert reserve.participant.admissions.get().state == AdmissionState.ADMITTED
        ProvinceList.objects.filter(program=program).update(state=ListState.DRAFT)


# --- the weekly digest ------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.clock_edges
def test_the_weekly_digest_tells_each_coordinator_the_weeks_steps_and_lawyers_at_risk_in_their_language(
    coordinator, administrator
):
    now = timezone.now()
    program = ProgramFactory(required_attendance_share=1, ends_on=timezone.localdate(now) + timedelta(days=30))
    open_round(program)
    by = _coordinator_user(coordinator)
    english = UserFactory(email="gd.en@example.test", role=Role.COORDINATOR, language="en")
    Coordinator.objects.create(user=english, province=province("44"))
    beijing = UserFactory(email="bj@example.test", role=Role.COORDINATOR)  # nothing to tell Beijing
    Coordinator.objects.create(user=beijing, province=province("11"))
    past = now - timedelta(days=2)
    SessionFactory(program=program, is_required=True, starts_at=past, ends_at=past + timedelta(hours=2))
    missed = AdmissionFactory(program=program, participant__province=province("44"), participant__name_zh="陈静")
    progress.refresh(program, [missed.participant_id])
    nominee = ParticipantFactory(province=province("44"), name_zh="李娜")
    nomination = services.nominate(program=program, province=province("44"), participant=nominee, by=by)
    services.list_submit(program=program, province=province("44"), by=by)
    services.nomination_return(nomination=nomination, reason="执业年限不足", by=administrator)

    assert services.send_weekly_digests(at=now + timedelta(minutes=1)) == 2
    assert services.send_weekly_digests(at=now + timedelta(minutes=2)) == 2  # the same week: not written twice
    digests = {n.recipient.email: words(n) for n in Notification.objects.filter(kind="province_digest")}
    assert set(digests) == {"gd@example.test", "gd.en@example.test"}
    text = digests["gd.en@example.test"].body_text
    assert "李娜: Nominated" in text and "李娜: Returned (执业年限不足)" in text
    assert "1 lawyer of the province is at risk" in text and "陈静: 0 / 1 (0%)" in text
    chinese = digests["gd@example.test"]
    assert "李娜：已退回（执业年限不足）" in chinese.body_text and "陈静：0／1（0%）" in chinese.body_text
    assert chinese.link.endswith(f"/province/{program.slug}/")

    # A week later with nothing new but the lawyer still at risk; after the program, nothing.
    assert services.send_weekly_digests(at=now + timedelta(days=7, minutes=1)) == 2
    later = Notification.objects.filter(kind="province_digest").order_by("-pk").first()
    assert "No nomination of the province changed this week." in words(later).body_text or later.language != "en"
    assert services.send_weekly_digests(at=now + timedelta(days=40)) == 0
