from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .roles import Role
from .services import BROWSER_LANGUAGE

User = get_user_model()


def _helper(submit_label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit_label, css_class="btn-primary w-100 mt-2"))
    return helper


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        "invalid_login": _("The e-mail address or password is not right. Check both and try again."),
        "inactive": _("This account is not active yet. Open the invitation link in your e-mail to activate it."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Sign in"))


class PasswordResetRequestForm(forms.Form):
    # 254: the longest address mail can carry (RFC 5321), and what the request's row holds.
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send me a reset link"))


class SetPasswordForm(forms.Form):
    """Choose a password (invitation acceptance), checked by the site's password rules."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = _helper(_("Activate my account"))

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    # Lawyers are invited most often; administrator is never the accidental default.
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(r.value, r.label) for r in (Role.PARTICIPANT, Role.FACULTY, Role.ADMINISTRATOR)],
        initial=Role.PARTICIPANT,
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mail"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send invitation"))


class ProfileForm(forms.ModelForm):
    language = forms.ChoiceField(label=_("preferred language"), required=False)

    class Meta:
        model = User
        fields = ["full_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Until the person chooses, each browser shows its own language: the form says so rather than
        # presenting the language last seen as if it had been chosen.
        self.fields["language"].choices = [(BROWSER_LANGUAGE, _("As my browser")), *settings.LANGUAGES]
        self.fields["language"].initial = self.instance.language if self.instance.language_chosen else BROWSER_LANGUAGE
        self.helper = _helper(_("Save"))
