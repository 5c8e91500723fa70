from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms import BaseFormSet, formset_factory, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import AssignmentRole, Faculty, Program, Topic, TrainingSession, Venue

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date-time picker (good on phones); values in Beijing time."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_INPUT, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ModelForm(forms.ModelForm):
    """What the workbench's model forms share: a number input offers the model's own bounds (a venue has at
    least one seat, not merely "not negative"), and a date-time picker, which shows minutes only, reads its
    format and keeps the seconds of a time sent back as it was served (so saving an untouched form moves
    no session by seconds and tells no one that its time changed)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, DateTimeLocalInput):
                field.input_formats = [DATETIME_INPUT]
            elif isinstance(field.widget, forms.NumberInput) and name in self._meta.fields:
                validators = self._meta.model._meta.get_field(name).validators
                lows = [v.limit_value for v in validators if isinstance(v, MinValueValidator)]
                highs = [v.limit_value for v in validators if isinstance(v, MaxValueValidator)]
                if lows:
                    field.widget.attrs["min"] = max(lows)
                if highs:
                    field.widget.attrs["max"] = min(highs)

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if not isinstance(field.widget, DateTimeLocalInput):
                continue
            stored, sent = getattr(self.instance, name, None), cleaned.get(name)
            if stored and sent and sent == stored.replace(second=0, microsecond=0):
                cleaned[name] = stored
        return cleaned


def _helper(*layout) -> FormHelper:
    """The fields only: the page holds the form tag and puts its buttons (save, back) in one row after them."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


class ProgramForm(ModelForm):
    class Meta:
        model = Program
        fields = [
            "name_zh",
            "name_en",
            "slug",
            "code",
            "status",
            "organisers_zh",
            "organisers_en",
            "city_zh",
            "city_en",
            "starts_on",
            "ends_on",
            "enrolment_opens_at",
            "enrolment_closes_at",
            "required_attendance_share",
            "min_credit_hours",
            "checkin_opens_minutes",
            "checkin_late_minutes",
            "checkin_closes_minutes",
            "description_zh",
            "description_en",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "enrolment_opens_at": DateTimeLocalInput(),
            "enrolment_closes_at": DateTimeLocalInput(),
            "description_zh": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "checkin_opens_minutes": _("Lawyers can check in from this many minutes before a session starts."),
            "checkin_closes_minutes": _(
                "After this, lawyers can no longer check in themselves; faculty can still mark the roster."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every field of Meta.fields is in the layout: a required field left out is never sent, and its
        # error would have nowhere to show (the form would reload, unsaved, without a word).
        self.helper = _helper(
            Fieldset(
                pgettext_lazy("what a thing is called", "Name"),
                Row(Column("name_zh"), Column("name_en")),
                Row(Column("slug"), Column("code")),
            ),
            Fieldset(
                _("Where and when"),
                Row(Column("organisers_zh"), Column("organisers_en")),
                Row(Column("city_zh"), Column("city_en")),
                Row(Column("starts_on"), Column("ends_on")),
                Row(Column("enrolment_opens_at"), Column("enrolment_closes_at")),
            ),
            Fieldset(
                _("Completion rule and status"),
                Row(Column("required_attendance_share"), Column("min_credit_hours"), Column("status")),
            ),
            Fieldset(
                _("Check-in"),
                Row(Column("checkin_opens_minutes"), Column("checkin_late_minutes"), Column("checkin_closes_minutes")),
            ),
            Fieldset(_("Description"), Row(Column("description_zh"), Column("description_en"))),
        )


TopicFormSet = inlineformset_factory(
    Program, Topic, fields=["name_zh", "name_en", "position"], extra=2, can_delete=True, max_num=50
)


class VenueForm(ModelForm):
    class Meta:
        model = Venue
        fields = ["name_zh", "name_en", "address_zh", "address_en", "capacity", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("name_zh"), Column("name_en")),
            Row(Column("address_zh"), Column("address_en")),
            Row(Column("capacity", css_class="col-md-4")),
            "notes",
        )


class FacultyForm(ModelForm):
    class Meta:
        model = Faculty
        fields = [
            "name_zh",
            "name_en",
            "slug",
            "title_zh",
            "title_en",
            "affiliation_zh",
            "affiliation_en",
            "affiliation_kind",
            "expertise_zh",
            "expertise_en",
            "languages",
            "email",
            "bio_zh",
            "bio_en",
        ]
        widgets = {"bio_zh": forms.Textarea(attrs={"rows": 5}), "bio_en": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("name_zh"), Column("name_en"), Column("slug")),
            Row(Column("title_zh"), Column("title_en")),
            Row(Column("affiliation_zh"), Column("affiliation_en"), Column("affiliation_kind")),
            Row(Column("expertise_zh"), Column("expertise_en")),
            Row(Column("languages"), Column("email")),
            Row(Column("bio_zh"), Column("bio_en")),
        )


class SessionForm(ModelForm):
    online_url = forms.URLField(
        label=_("online link"), required=False, assume_scheme="https", help_text=_("For sessions held online.")
    )
    acknowledge_warnings = forms.BooleanField(label=_("I have read the warnings above; save anyway."), required=False)

    class Meta:
        model = TrainingSession
        fields = [
            "title_zh",
            "title_en",
            "topic",
            "format",
            "starts_at",
            "ends_at",
            "venue",
            "online_url",
            "capacity",
            "credit_hours",
            "is_required",
            "description_zh",
            "description_en",
        ]
        widgets = {
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
            "description_zh": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.program = program
        self.fields["topic"].queryset = program.topics.all()
        self.fields["venue"].queryset = Venue.objects.order_by("name_zh")
        self.helper = _helper(
            Row(Column("title_zh"), Column("title_en")),
            Row(Column("topic"), Column("format")),
            Div(
                Row(Column("starts_at"), Column("ends_at")),
                Row(Column("venue"), Column("online_url")),
                Row(Column("capacity"), Column("credit_hours"), Column("is_required", css_class="pt-md-4")),
                css_id="placement",
            ),
            Row(Column("description_zh"), Column("description_en")),
        )

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The session must end after it starts."))
        if starts_at and ends_at and ends_at - starts_at > timezone.timedelta(hours=12):
            self.add_error("ends_at", _("A session lasts at most 12 hours; split longer events into sessions."))
        return cleaned


class AssignmentForm(forms.Form):
    faculty = forms.ModelChoiceField(label=_("Faculty"), queryset=Faculty.objects.none(), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=AssignmentRole.choices, initial=AssignmentRole.LECTURER)

    def __init__(self, *args, faculty_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["faculty"].queryset = faculty_queryset


class BaseAssignmentFormSet(BaseFormSet):
    def __init__(self, *args, **kwargs):
        self.faculty_queryset = Faculty.objects.order_by("name_zh").only("name_zh", "name_en")
        self._choices = None
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        # Every row counts as shown: a row left as it was drawn must not be skipped as "unchanged".
        return {"faculty_queryset": self.faculty_queryset, "empty_permitted": False}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # One query for the choices of every row (each row's select would run its own otherwise).
        if self._choices is None:
            self._choices = list(form.fields["faculty"].choices)
        form.fields["faculty"].widget.choices = self._choices
        return form

    @property
    def empty_form(self):
        form = super().empty_form
        if self._choices is not None:
            form.fields["faculty"].widget.choices = self._choices
        return form

    def clean(self):
        chosen = [form.cleaned_data["faculty"] for form in self.forms if form.cleaned_data.get("faculty")]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("The same person is listed twice."))

    def assignments(self) -> list[tuple[Faculty, str]]:
        return [
            (form.cleaned_data["faculty"], form.cleaned_data["role"])
            for form in self.forms
            if form.cleaned_data.get("faculty")
        ]


AssignmentFormSet = formset_factory(AssignmentForm, formset=BaseAssignmentFormSet, extra=0, max_num=12)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=300,
        help_text=_("The faculty (and later the enrolled lawyers) read this in their notice."),
    )


class TimetableFilterForm(forms.Form):
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none(), required=False)
    format = forms.ChoiceField(label=_("Format"), required=False)
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    faculty = forms.ModelChoiceField(label=_("Faculty"), queryset=Faculty.objects.none(), required=False)

    def __init__(self, *args, program: Program, **kwargs):
        from .models import SessionFormat

        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = program.topics.all()
        self.fields["format"].choices = [("", _("All formats")), *SessionFormat.choices]
        self.fields["venue"].queryset = Venue.objects.filter(sessions__program=program).distinct()
        self.fields["faculty"].queryset = Faculty.objects.filter(assignments__session__program=program).distinct()
        self.fields["topic"].empty_label = _("All topics")
        self.fields["venue"].empty_label = _("All venues")
        self.fields["faculty"].empty_label = _("All faculty")
        for field in self.fields.values():
            field.widget.attrs.update({"class": "form-select form-select-sm", "aria-label": field.label})
