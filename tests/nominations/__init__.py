from datetime import timedelta

from django.utils import timezone

from nominations.models import NominationRound


def open_round(program) -> NominationRound:
    """The program's nomination round, open since yesterday for a week, substitutions by provinces for a month."""
    now = timezone.now()
    return NominationRound.objects.create(
        program=program,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7),
        freezes_at=now + timedelta(days=30),
    )
