from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.text import clean_text

from .models import Participant, Specialty
from .services.profiles import CONTACT_FIELDS, IDENTITY_FIELDS


class TextField(forms.CharField):
    """Text as a person reads it, as an imported cell is kept (text.clean_text): invisible characters pasted with
    a name (zero-width spaces, direction overrides) dropped, full-width letters made half-width, spaces made one."""

    def to_python(self, value):
        value = clean_text(super().to_python(value))
        return value if value not in self.empty_values else self.empty_value


class DigitsField(TextField):
    """Digits typed any way: full-width (１２３) made half-width, spaces and dashes dropped. The browser is told
    no length or pattern it would hold the typed text to (it would refuse "1440 1201 8101 23456", or cut a
    pasted number short): the server says what is wrong, after reading the number as a person wrote it."""

    def to_python(self, value):
        return "".join(ch for ch in super().to_python(value) if ch not in " -")

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


def _text_fields(model_field: models.Field, **kwargs) -> forms.Field | None:
    """Every text field of a lawyer's profile is a TextField (or the field class the form names for it)."""
    if isinstance(model_field, models.CharField) and not model_field.choices:
        kwargs.setdefault("form_class", TextField)
    return model_field.formfield(**kwargs)


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
        formfield_callback = _text_fields
        field_classes = {"license_number": DigitsField, "mobile": DigitsField}
        # A phone offers its number pad, and the browser says "at least 17 characters" before the page is sent.
        widgets = {
            "license_number": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "minlength": 17}),
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

    reason = TextField(
        label=_("Reason for changing the lawyer's identity"),
        max_length=300,
        required=False,
        help_text=_(
            "Needed when a name, the gender, the licence number, the law firm or the province changes, e.g. "
            "“corrected from the bar's register”. Kept in the history below."
        ),
    )
    quota_override = forms.CharField(
        label=_("Reason to go over the new province's quota"),
        max_length=300,
        required=False,
        help_text=_(
            "Only when the lawyer moves to a province whose places are all used in a program they are admitted "
            "to. Kept on the admission, as for a lawyer admitted over the quota."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout.append("reason")
        self.helper.layout.append("quota_override")
        self.helper.inputs = []
        self.helper.add_input(Submit("save", _("Save"), css_class="btn-primary"))


class UploadForm(forms.Form):
    """A list of lawyers as a file: the office's import of a provincial list, a province's own list."""

    file = forms.FileField(
        label=_("List of lawyers"),
        help_text=_("CSV (UTF-8 or GBK, as Excel and WPS save it) or XLSX; first row: column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
