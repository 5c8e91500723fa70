from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingSessionsConfig(AppConfig):
    # The label "sessions" belongs to django.contrib.sessions.
    name = "sessions"
    label = "training_sessions"
    verbose_name = _("Programs and sessions")

    def ready(self):
        from . import signals

        signals.connect()

    def home_panels(self, request):
        from .panels import home_panels

        return home_panels(request)
