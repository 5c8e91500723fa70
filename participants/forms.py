import unicodedata

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Participant, Specialty

CONTACT_FIELDS = ["name_latin", "city", "mobile", "languages", "specialties", "years_of_practice"]


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


class ContactForm(_ProfileForm):
    """What a lawyer may change themself: how to reach them and what they practise."""

    class Meta(_ProfileForm.Meta):
        model = Participant
        fields = CONTACT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("name_latin"), Column("city")),
            Row(Column("mobile"), Column("years_of_practice")),
            "languages",
            "specialties",
        )
        self.helper.add_input(Submit("save", _("Save"), css_class="btn-primary"))


class ApplicationForm(_ProfileForm):
    """A lawyer's application to a program: their profile as the program office will read it."""

    class Meta(_ProfileForm.Meta):
        model = Participant
        fields = ["name_zh", "name_latin", "gender", "license_number", "law_firm", "province", *CONTACT_FIELDS[1:]]

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
    """Administrators edit everything, the licence number and province included."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.inputs = []
        self.helper.add_input(Submit("save", _("Save"), css_class="btn-primary"))
