"""A coordinator enters a lawyer the program office does not know yet: the profile of an application, the province
being theirs, and the e-mail address the lawyer's invitation goes to once approved."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from participants.forms import ApplicationForm


class NewLawyerForm(ApplicationForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The lawyer's own: their invitation to sign in goes there once the office approves them."),
    )

    class Meta(ApplicationForm.Meta):
        fields = [field for field in ApplicationForm.Meta.fields if field != "province"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("name_zh"), Column("name_latin"), Column("gender")),
            Row(Column("license_number"), Column("law_firm")),
            Row(Column("email"), Column("mobile")),
            Row(Column("city"), Column("years_of_practice")),
            "languages",
            "specialties",
        )
        self.helper.add_input(Submit("nominate", _("Nominate this lawyer"), css_class="btn-primary"))

    def validate_unique(self):
        """A licence already on record is the service's to answer (it names the province it belongs to)."""
        try:
            self.instance.validate_unique(exclude=self._get_validation_exclusions() | {"license_number"})
        except ValidationError as error:
            self._update_errors(error)
