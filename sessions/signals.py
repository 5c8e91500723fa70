"""Keep Program.schedule_version moving whenever anything a timetable shows changes.

Cached timetables are keyed by it (templates/sessions/schedule.html). Signals rather than calls in
each writer because the Django admin, forms and services all write these models; this is cache
invalidation, not a business rule.
"""

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from .models import Faculty, FacultyAssignment, Program, Topic, TrainingSession, Venue

# Sent by sessions.services when a session offers more seats than before (inside its transaction),
# so that apps above this one (enrolment) can fill them. Arguments: session.
seats_added = Signal()
# Sent by sessions.services when a scheduled session is created required or becomes required (inside
# its transaction): every lawyer admitted to the program needs a seat in it. Arguments: session, by.
made_required = Signal()


def _bump(programs) -> None:
    Program.objects.filter(pk__in=programs).update(schedule_version=F("schedule_version") + 1)


def _session_changed(sender, instance, **kwargs):
    _bump([instance.program_id])


def _assignment_changed(sender, instance, **kwargs):
    _bump(TrainingSession.objects.filter(pk=instance.session_id).values("program_id"))


def _topic_changed(sender, instance, **kwargs):
    _bump([instance.program_id])


def _venue_changed(sender, instance, **kwargs):
    _bump(TrainingSession.objects.filter(venue_id=instance.pk).values("program_id"))


def _faculty_changed(sender, instance, **kwargs):
    _bump(TrainingSession.objects.filter(assignments__faculty_id=instance.pk).values("program_id"))


def connect() -> None:
    for model, receiver in (
        (TrainingSession, _session_changed),
        (FacultyAssignment, _assignment_changed),
        (Topic, _topic_changed),
        (Venue, _venue_changed),
        (Faculty, _faculty_changed),
    ):
        post_save.connect(receiver, sender=model, dispatch_uid=f"timetable-version-{model.__name__}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"timetable-version-{model.__name__}-delete")
