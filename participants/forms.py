import unicodedata

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Participant, Specialty
from .profiles import CONTACT_FIELDS, IDENTITY_FIELDS


class DigitsField(forms.CharField):
    """Digits typed any way: full-width (１２３) made half-width, spaces and dashes dropped."""

    def to_python(self, value):
        value = unicodedata.normalize("NFKC", super().to_python(value) or "")
        return "".join(ch for ch in value if ch not in " -\t")


class SpecialtiesField(forms.MultipleChoiceField):
    """The known specialties as boxes to tick, and also each other value the lawyer already has (from an
    imported list) as written: saving the form keeps it unless its box is unticked. Nobody can add a
    value outside the known ones through the form."""

    def __init__(self, **kwargs):
        super().__init__(choices=Specialty.choices, required=False, widget=forms.CheckboxSelectMultiple, **kwargs)

    def get_bound_field(self, form, field_name):
        # Each form holds its own copy of its fields, so these choices are this form's (this lawyer's).
        held = form.get_initial_for_field(self, field_name) or []
        self.choices = [*Specialty.choices, *((v, v) for v in held if isinstance(v, str) and v not in Specialty.values)]
        return super().get_bound_field(form, field_name)


class _ProfileForm(forms.ModelForm):
    specialties = SpecialtiesField(label=_("Specialties"))

    class Meta:
        field_classes = {"license_number": DigitsField, "mobile": DigitsField}
        # A phone offers its number pad, and the browser says "17 digits" before the page is sent.
        widgets = {
            "license_number": forms.TextInput(
                attrs={"inputmode": "numeric", "pattern": "[0-9]{17}", "autocomplete": "off", "maxlength": 17}
            ),
            "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }


class ContactForm(_ProfileForm):
    """What a lawyer may change themself: how to reach them and what they practise (their names, licence,
    firm and province are the program office's: participants/profiles.py). An existing lawyer applies to
    another program with this form too, its button saying so."""

    class Meta(_ProfileForm.Meta):
        model = Participant
        fields = list(CONTACT_FIELDS)

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("city"), Column("mobile"), Column("years_of_practice")),
            "languages",
            "specialties",
        )
        self.helper.add_input(Submit("save", submit_label or _("Save"), css_class="btn-primary"))


class ApplicationForm(_ProfileForm):
    """A lawyer's application to a program: their profile as the program office will read it."""

    class Meta(_ProfileForm.Meta):
        model = Participant
        fields = [*IDENTITY_FIELDS, *CONTACT_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("name_zh"), Column("name_latin"), Column("gender")),
            Row(Column("license_number"), Column("law_firm")),
            Row(Column("province"), Column("city")),
            Row(Column("mobile"), Column("years_of_practice")),
            "languages",
            "specialties",
        )
        self.helper.add_input(Submit("apply", _("Send my application"), css_class="btn-primary"))


class AdministratorProfileForm(ApplicationForm):
    """Administrators edit everything, the licence number and province included; a change of who the lawyer
    is (names, gender, licence, firm, province) takes a reason, kept in the lawyer's history."""

    reason = forms.CharField(
        label=_("Reason for changing the lawyer's identity"), max_length=300, required=False,
        help_text=_(
            "Needed when a name, the gender, the licence number, the law firm or the province changes, e.g. "
            "“corrected from the bar's register”. Kept in the history below."
        ),
    )  # fmt: skip
    quota_override = forms.CharField(
        label=_("Reason to go over the new province's quota"), max_length=300, required=False,
        help_text=_(
            "Only when the lawyer moves to a province whose places are all used in a program they are admitted "
            "to. Kept on the admission, as for a lawyer admitted over the quota."
        ),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout.append("reason")
        self.helper.layout.append("quota_override")
        self.helper.inputs = []
        self.helper.add_input(Submit("save", _("Save"), css_class="btn-primary"))
