from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.views.home import home

from .health import healthz, robots_txt

admin.site.site_header = _("Training programme administration")
admin.site.site_title = _("Training programme")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("accounts/", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    path("manage/", include("sessions.urls_manage")),
    path("", include("participants.urls")),
    path("", include("faculty.urls")),
    path("", include("nominations.urls")),
    path("", include("assessment.urls")),
    path("", include("evaluations.urls")),
    path("", include("practice.urls")),
    path("", include("certificates.urls")),
    path("", include("sessions.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "trainingprog.errors.server_error"
