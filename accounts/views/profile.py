from django.conf import settings
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
        response = redirect("accounts:profile")
        if "language" in form.changed_data:
            language = form.cleaned_data["language"]
            if language:
                services.user_set_language(user=user, language=language)
                _set_language_cookie(response, language)
            else:
                services.user_follow_browser(user=user)
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        translation.activate(user.language if user.language_chosen else request.LANGUAGE_CODE)
        messages.success(request, _("Your settings are saved."))
        return response
    return render(request, "accounts/profile.html", {"form": form})
