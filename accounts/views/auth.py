"""Signing in and out, activation by invitation, password reset, language choice."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from common.client_ip import client_ip

from .. import services
from ..forms import LoginForm, PasswordResetRequestForm, SetPasswordForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        _language_on_sign_in(self.request, response, form.get_user())
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # On a shared computer, the next person starts from their own browser's language.
        _forget_device_language(response)
        return response


# The language switch used before signing in, as an act of this visit (kept in the session, which signing in
# keeps): a cookie cannot tell a pick made just now from one left on the device by someone else.
LANGUAGE_PICKED_SESSION_KEY = "language_picked"
LANGUAGE_PICK_LASTS = timedelta(minutes=30)


def _language_on_sign_in(request, response, user) -> str:
    """Settle the language of the person who has just signed in (services.user_language_at_sign_in) and
    return it. A pick made on the sign-in page is now the account's, which ChosenLanguageMiddleware shows on
    every device: the device's cookie goes with it."""
    pick = request.session.pop(LANGUAGE_PICKED_SESSION_KEY, None) or {}
    fresh = timezone.now().timestamp() - pick.get("at", 0) <= LANGUAGE_PICK_LASTS.total_seconds()
    picked = pick.get("language") if fresh else None
    language = services.user_language_at_sign_in(user=user, picked=picked, read=request.LANGUAGE_CODE)
    if picked:
        _forget_device_language(response)
    return language


def _forget_device_language(response) -> None:
    response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, samesite=settings.LANGUAGE_COOKIE_SAMESITE)


def locked_out(request, credentials=None, *args, **kwargs):
    """Axes calls this when a (user, address) pair, or an address over many accounts, has failed too often."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"minutes": minutes, "whole_address": getattr(request, "axes_address_locked", False)}
    return render(request, "accounts/locked_out.html", context, status=429)


@require_POST
def set_language(request):
    """Django's language switch. Signed in, it is the person's choice, kept on the account for every device
    (and no cookie, which would outlive the choice on this device); before signing in, this device remembers
    it (a cookie) and this visit notes it, so that signing in now makes it the person's choice."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)
        _forget_device_language(response)
    else:
        request.session[LANGUAGE_PICKED_SESSION_KEY] = {"language": language, "at": timezone.now().timestamp()}
    return response


INVITATION_SESSION_KEY = "_invitation_token"


def activate_link(request, token):
    """The link in the e-mail: keep the token in the session and continue at an address without it,
    so the token does not linger in browser history, Referer headers or access logs."""
    try:
        services.invitation_for_token(token)
    except services.InvitationError as error:
        return render(request, "accounts/activation_invalid.html", {"reason": str(error)}, status=410)
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("accounts:activate")


def activate(request):
    """The invited person chooses a password and is signed in."""
    token = request.session.get(INVITATION_SESSION_KEY, "")
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationError as error:
        return render(request, "accounts/activation_invalid.html", {"reason": str(error)}, status=410)
    form = SetPasswordForm(request.POST or None, user=invitation.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["password1"])
        except services.InvitationError as error:
            return render(request, "accounts/activation_invalid.html", {"reason": str(error)}, status=410)
        request.session.pop(INVITATION_SESSION_KEY, None)
        login(request, user, backend="accounts.backends.EmailBackend")
        response = redirect("home")
        # The invitation's language was the administrator's pick for the e-mail, not the person's choice.
        translation.activate(_language_on_sign_in(request, response, user))
        messages.success(request, _("Welcome, %(name)s. Your account is active.") % {"name": user.full_name})
        return response
    return render(request, "accounts/activate.html", {"form": form, "invitation": invitation})


def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not services.password_reset_allowed(email=email, client=client_ip(request)):
            # The same words whether or not the address has an account, and for either limit.
            form.add_error(
                None,
                _(
                    "Too many reset requests for this address, or from your network. If the address belongs to "
                    "an account, a link has already been sent to it: look in your inbox and spam folder. You can "
                    "ask again in an hour."
                ),
            )
            return render(request, "accounts/password_reset.html", {"form": form}, status=429)
        services.password_reset_queue(email=email)
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)
