"""What lawyers' records do when something below them changes: the provinces after a migration, seats when a
session (sessions/signals.py, which cannot import us) gains seats or becomes required, and the stored progress
when a session or a program's rule changes what it counts (whoever saves it: a service, a form or the admin)."""

from django.db.models.signals import post_migrate, post_save, pre_save

from sessions.models import Program, TrainingSession
from sessions.signals import made_required, seats_added

from .models import Admission, Province
from .provinces import sync_provinces
from .services import progress, promote_waitlist, seat_everyone_admitted

# What the stored figures are computed from, of a session and of a program.
SESSION_COUNTS = ("program_id", "status", "is_required", "credit_hours", "ends_at")
PROGRAM_COUNTS = ("min_credit_hours",)


def connect(config) -> None:
    # Reference data stays complete even after a test flush empties the table.
    post_migrate.connect(sync_provinces_after_migrate, sender=config, dispatch_uid="participants.sync_provinces")
    seats_added.connect(fill_new_seats, dispatch_uid="participants.fill_new_seats")
    made_required.connect(seat_everyone_when_required, dispatch_uid="participants.seat_everyone_admitted")
    for model in (TrainingSession, Program):
        pre_save.connect(remember_counted, sender=model, dispatch_uid=f"participants.progress-{model.__name__}-pre")
    post_save.connect(refresh_after_session, sender=TrainingSession, dispatch_uid="participants.progress-session")
    post_save.connect(rebuild_after_rule, sender=Program, dispatch_uid="participants.progress-program")
    post_save.connect(figures_for_new_admission, sender=Admission, dispatch_uid="participants.progress-admission")


def sync_provinces_after_migrate(sender, using="default", **kwargs) -> None:
    sync_provinces(Province)


def fill_new_seats(sender, session, **kwargs) -> None:
    promote_waitlist(session=TrainingSession.objects.select_for_update().get(pk=session.pk))


def seat_everyone_when_required(sender, session, by, **kwargs) -> None:
    seat_everyone_admitted(session=session, by=by)


def remember_counted(sender, instance, raw=False, **kwargs) -> None:
    """Before a session or a program is saved: what the stored figures counted of it (one read)."""
    fields = SESSION_COUNTS if sender is TrainingSession else PROGRAM_COUNTS
    instance._counted_before = None
    if instance.pk is not None and not raw:
        instance._counted_before = sender.objects.filter(pk=instance.pk).values_list(*fields).first()


def _counted_changed(instance, fields) -> bool:
    before = getattr(instance, "_counted_before", None)
    return before is not None and before != tuple(getattr(instance, name) for name in fields)


def refresh_after_session(sender, instance, created, raw=False, **kwargs) -> None:
    """A session cancelled or restored, made required or elective, given other hours or another end: everyone
    seated at it or recorded at it is counted again (a new session has nobody yet)."""
    if raw or created or not _counted_changed(instance, SESSION_COUNTS):
        return
    previous_program = instance._counted_before[0]
    progress.refresh_session(instance)
    if previous_program != instance.program_id:
        progress.rebuild(previous_program)


def rebuild_after_rule(sender, instance, created, raw=False, **kwargs) -> None:
    """A program's minimum of credit hours changed: when each of its lawyers falls short changes with it."""
    if not raw and not created and _counted_changed(instance, PROGRAM_COUNTS):
        progress.rebuild(instance)


def figures_for_new_admission(sender, instance, created, raw=False, **kwargs) -> None:
    """Every admission has its figures from the start (no seats, no hours: short of the minimum, if there is one),
    however it was made; admissions made in bulk (imports, the demo) are refreshed by their writer."""
    if created and not raw:
        progress.refresh(instance.program_id, [instance.participant_id])
