from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Lawyers")

    def navigation(self):
        from accounts.roles import Role
        from common.navigation import NavItem

        return (
            NavItem(
                _("My program"), "participants:my_program", "journal-check", frozenset({Role.PARTICIPANT}), order=20
            ),
            NavItem(
                _("Specialties in use"),
                "participants:specialties",
                "tags",
                frozenset({Role.ADMINISTRATOR}),
                "manage",
                50,
            ),
        )

    def ready(self):
        from django.db.models.signals import post_migrate

        # Reference data stays complete even after a test flush empties the table.
        post_migrate.connect(_sync_provinces, sender=self, dispatch_uid="participants.sync_provinces")

        from sessions.signals import made_required, seats_added

        seats_added.connect(_fill_new_seats, dispatch_uid="participants.fill_new_seats")
        made_required.connect(_seat_everyone_admitted, dispatch_uid="participants.seat_everyone_admitted")

    def session_panels(self, request, session):
        from .panels import session_panels

        return session_panels(request, session)

    def home_panels(self, request):
        from .panels import home_panels

        return home_panels(request)


def _sync_provinces(sender, using="default", **kwargs):
    from .models import Province
    from .provinces import sync_provinces

    sync_provinces(Province)


def _fill_new_seats(sender, session, **kwargs):
    from sessions.models import TrainingSession

    from .services import promote_waitlist

    promote_waitlist(session=TrainingSession.objects.select_for_update().get(pk=session.pk))


def _seat_everyone_admitted(sender, session, by, **kwargs):
    from .services import seat_everyone_admitted

    seat_everyone_admitted(session=session, by=by)
