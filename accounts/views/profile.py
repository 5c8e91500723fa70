from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from .. import services
from ..forms import ProfileForm
from .auth import _set_language_cookie


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        services.user_set_language(user=user, language=user.language)  # the form's language is a choice
        translation.activate(user.language)
        messages.success(request, _("Your settings are saved."))
        response = redirect("accounts:profile")
        _set_language_cookie(response, user.language)
        return response
    return render(request, "accounts/profile.html", {"form": form})
