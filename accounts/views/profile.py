from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from .. import services
from ..forms import ProfileForm
from ..language import browser_language
from .auth import _forget_device_language


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        services.user_profile_update(
            user=user, full_name=form.cleaned_data["full_name"], language=form.cleaned_data["language"]
        )
        response = redirect("accounts:profile")
        # The account decides from now on: a language chosen shows on every device (ChosenLanguageMiddleware);
        # "as my browser" means this browser's, not whatever this device remembered.
        _forget_device_language(response)
        translation.activate(user.language if user.language_chosen else browser_language(request))
        messages.success(request, _("Your settings are saved."))
        return response
    return render(request, "accounts/profile.html", {"form": form})
