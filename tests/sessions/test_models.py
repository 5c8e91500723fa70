"""What the database itself refuses, whatever code writes to it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sessions.models import TrainingSession
from tests.factories import ProgramFactory, SessionFactory, VenueFactory, at


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"ends_at": at(12, 9)},  # ends when it starts
        {"ends_at": at(12, 8)},  # ends before it starts
        {"capacity": 0},
        {"credit_hours": Decimal("0")},
        {"venue": None, "online_url": ""},
    ],
)
def test_database_refuses_impossible_sessions(changes):
    session = SessionFactory.build(program=ProgramFactory(), venue=VenueFactory(), starts_at=at(12, 9))
    for field, value in changes.items():
        setattr(session, field, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()


@pytest.mark.django_db
def test_clean_names_the_field_that_is_wrong():
    session = SessionFactory.build(program=ProgramFactory(), venue=None, online_url="", starts_at=at(12, 9))
    session.ends_at = at(12, 8)
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert {"ends_at", "venue"} <= set(error.value.message_dict)


@pytest.mark.django_db
def test_program_slugs_are_unique():
    ProgramFactory(slug="fipr-2026")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramFactory(slug="fipr-2026")


@pytest.mark.django_db
def test_program_cannot_end_before_it_starts():
    from datetime import date

    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramFactory(starts_on=date(2025, 6, 1), ends_on=date(2025, 5, 1))


@pytest.mark.django_db
def test_a_venue_in_use_cannot_be_deleted():
    from django.db.models import ProtectedError

    session = SessionFactory()
    with pytest.raises(ProtectedError):
        session.venue.delete()
    assert TrainingSession.objects.filter(pk=session.pk, venue__isnull=False).exists()
