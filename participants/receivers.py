"""What lawyers' records do when something below them changes: the provinces after a migration, and seats when a
session (sessions/signals.py, which cannot import us) gains seats or becomes required."""

from django.db.models.signals import post_migrate

from sessions.models import TrainingSession
from sessions.signals import made_required, seats_added

from .models import Province
from .provinces import sync_provinces
from .services import promote_waitlist, seat_everyone_admitted


def connect(config) -> None:
    # Reference data stays complete even after a test flush empties the table.
    post_migrate.connect(sync_provinces_after_migrate, sender=config, dispatch_uid="participants.sync_provinces")
    seats_added.connect(fill_new_seats, dispatch_uid="participants.fill_new_seats")
    made_required.connect(seat_everyone_when_required, dispatch_uid="participants.seat_everyone_admitted")


def sync_provinces_after_migrate(sender, using="default", **kwargs) -> None:
    sync_provinces(Province)


def fill_new_seats(sender, session, **kwargs) -> None:
    promote_waitlist(session=TrainingSession.objects.select_for_update().get(pk=session.pk))


def seat_everyone_when_required(sender, session, by, **kwargs) -> None:
    seat_everyone_admitted(session=session, by=by)
