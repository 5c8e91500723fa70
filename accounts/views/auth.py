"""Signing in and out, activation by invitation, password reset, language choice."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from trainingprog.throttle import over_limit

from .. import services
from ..client_ip import client_ip
from ..forms import LoginForm, PasswordResetRequestForm, SetPasswordForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        _language_on_sign_in(self.request, response, form.get_user())
        return response


def _language_on_sign_in(request, response, user) -> str:
    """The language a person reads after signing in on this device, which is returned:
    - the one they chose (language switch, profile), on every device: this one is told by cookie;
    - else one picked on this device before signing in (the switch on the sign-in page), now their choice;
    - else their browser's (Accept-Language, as LocaleMiddleware read it): no cookie, so each browser keeps
      its own, and it is remembered for their e-mails.
    """
    if user.language_chosen:
        _set_language_cookie(response, user.language)
        return user.language
    picked = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if picked in dict(settings.LANGUAGES):
        services.user_set_language(user=user, language=picked)
        return picked
    services.user_saw_language(user=user, language=request.LANGUAGE_CODE)
    return request.LANGUAGE_CODE


def locked_out(request, credentials=None, *args, **kwargs):
    """Axes calls this when a (user, address) pair, or an address over many accounts, has failed too often."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"minutes": minutes, "whole_address": getattr(request, "axes_address_locked", False)}
    return render(request, "accounts/locked_out.html", context, status=429)


def _set_language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )


@require_POST
def set_language(request):
    """Django's language switch, which also remembers the choice on the signed-in account."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if language in dict(settings.LANGUAGES) and request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)
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
        if _reset_throttled(request, form.cleaned_data["email"]):
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
        services.password_reset_queue(email=form.cleaned_data["email"])
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


def _reset_throttled(request, email: str) -> bool:
    """Per e-mail address (so no one fills a person's inbox) and per client address (so no one sprays the
    form with addresses); both counted on every try, in hour-long windows."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()  # no addresses in cache keys
    tries = [
        over_limit(f"password-reset:email:{digest}", settings.PASSWORD_RESETS_PER_EMAIL_PER_HOUR, seconds=3600),
        over_limit(
            f"password-reset:address:{client_ip(request)}", settings.PASSWORD_RESETS_PER_ADDRESS_PER_HOUR, seconds=3600
        ),
    ]
    return any(tries)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)
