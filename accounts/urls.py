from django.conf import settings
from django.urls import path
from django.views.generic import TemplateView

from .views import auth, profile, users

app_name = "accounts"
urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("activate/", auth.activate, name="activate"),
    path("activate/<str:token>/", auth.activate_link, name="activate_link"),
    path("password/change/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", auth.password_reset, name="password_reset"),
    path(
        "password/reset/sent/",
        TemplateView.as_view(
            template_name="accounts/password_reset_done.html",
            extra_context={"valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
        ),
        name="password_reset_done",
    ),
    path("password/reset/<uidb64>/<token>/", auth.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path(
        "password/reset/complete/",
        TemplateView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("language/", auth.set_language, name="set_language"),
    path("profile/", profile.profile, name="profile"),
    path("users/", users.user_list, name="user_list"),
    path("users/invite/", users.invite, name="invite"),
    path("users/<int:pk>/reinvite/", users.reinvite, name="reinvite"),
]
