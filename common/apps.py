from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """Helpers every app may use and the site's shell (navigation, page panels, template tags). It holds no
    models and imports no app of ours: the apps build on it, never the other way."""

    name = "common"
    verbose_name = _("Common")
