"""The provinces' nominations on fipr-live: Guangdong's coordinator (province@demo.test) with a list submitted to
the program office, two reserves waiting behind it and one nominee returned with the office's reason."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from nominations import services
from nominations.models import Coordinator, NominationRound
from participants.models import Participant, Province
from sessions.models import Program

DEMO_PROVINCE = "44"  # Guangdong, the demo lawyer's province
RETURNED_REASON = "执业年限不足三年，请改荐符合条件的律师。"


def seed_nominations(program: Program, *, coordinator_user, admin, returning_from: Program) -> None:
    """Guangdong's round on `program`: its free places filled from 2025's lawyers who have not returned, two
    more as reserves, the list submitted, one nominee returned."""
    guangdong = Province.objects.get(code=DEMO_PROVINCE)
    Coordinator.objects.get_or_create(user=coordinator_user, defaults={"province": guangdong, "invited_by": admin})
    if NominationRound.objects.filter(program=program).exists():
        return
    now = timezone.now()
    NominationRound.objects.create(
        program=program,
        opens_at=now - timedelta(days=21),
        closes_at=now + timedelta(days=10),
        freezes_at=now + timedelta(days=24),
    )
    used, seats = services.places(program, guangdong)
    candidates = (
        Participant.objects.filter(province=guangdong, admissions__program=returning_from)
        .exclude(admissions__program=program)
        .order_by("pk")
    )
    nominated = [
        services.nominate(program=program, province=guangdong, participant=lawyer, by=coordinator_user)
        for lawyer in candidates[: max((seats or 0) - used, 1) + 2]
    ]
    services.list_submit(program=program, province=guangdong, by=coordinator_user)
    services.nomination_return(nomination=nominated[0], reason=RETURNED_REASON, by=admin)
