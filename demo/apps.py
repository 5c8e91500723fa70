from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo programs `seed_demo` builds (fipr-2025, the finished history, and fipr-live, built around the day
    it runs). At the top of the layers: it may use every app, and none uses it."""

    name = "demo"
    verbose_name = _("Demo data")
