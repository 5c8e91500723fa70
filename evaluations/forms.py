"""The administrator's questionnaire form with its questions, and the lawyer's answer form built from the
questions."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from sessions.models import SessionFormat

from . import services
from .models import Question, QuestionKind, Questionnaire, lines


class QuestionnaireForm(forms.ModelForm):
    formats = forms.MultipleChoiceField(
        label=_("Formats"),
        choices=SessionFormat.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A session questionnaire: the formats it is asked after; none chosen: every session."),
    )

    class Meta:
        model = Questionnaire
        fields = ["title_zh", "title_en", "kind", "formats", "open_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("title_zh"), Column("title_en")),
            Row(Column("kind"), Column("open_days")),
            "formats",
        )


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["position", "kind", "text_zh", "text_en", "choices_zh", "choices_en", "required"]
        widgets = {
            "choices_zh": forms.Textarea(attrs={"rows": 3}),
            "choices_en": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_choices_zh(self):
        return "\n".join(lines(self.cleaned_data["choices_zh"]))

    def clean_choices_en(self):
        return "\n".join(lines(self.cleaned_data["choices_en"]))


QuestionFormSet = inlineformset_factory(
    Questionnaire, Question, form=QuestionForm, extra=3, can_delete=True, max_num=40
)


# --- answering -------------------------------------------------------------------------------------------
RATINGS = [(str(n), str(n)) for n in range(1, 6)]


class RatingField(forms.TypedChoiceField):
    widget = forms.RadioSelect(attrs={"class": "btn-check"})

    def __init__(self, **kwargs):
        super().__init__(choices=RATINGS, coerce=int, **kwargs)


class AnswerForm(forms.Form):
    """One field per question (rating each faculty member: one per person), named as the service names them."""

    def __init__(self, *args, questionnaire, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questionnaire.questions.all())
        self.faculty = [a.faculty for a in session.assignments.select_related("faculty")] if session else []
        self.groups = []  # (question, [bound fields]) in order, for the template
        for question in self.questions:
            names = []
            if question.kind == QuestionKind.FACULTY:
                for person in self.faculty:
                    name = services.faculty_field(question, person.pk)
                    self.fields[name] = RatingField(label=person.name, required=question.required)
                    names.append(name)
            else:
                name = services.question_field(question)
                self.fields[name] = self._field(question)
                names.append(name)
            self.groups.append((question, names))

    def _field(self, question):
        options = {"label": question.text, "required": question.required}
        if question.kind == QuestionKind.RATING:
            return RatingField(**options)
        if question.kind == QuestionKind.TEXT:
            return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), **options)
        choices = [(str(i), label) for i, label in enumerate(question.choice_labels())]
        if question.kind == QuestionKind.SINGLE:
            return forms.TypedChoiceField(choices=choices, coerce=int, widget=forms.RadioSelect, **options)
        return forms.TypedMultipleChoiceField(
            choices=choices, coerce=int, widget=forms.CheckboxSelectMultiple, **options
        )

    def rows(self):
        """(question, [bound fields]) in the questions' order."""
        return [(question, [self[name] for name in names]) for question, names in self.groups]

    def values(self) -> dict:
        """The cleaned answers as the service takes them."""
        found = {}
        for question, names in self.groups:
            if question.kind == QuestionKind.FACULTY:
                found[question.pk] = {
                    person.pk: self.cleaned_data.get(name) for person, name in zip(self.faculty, names, strict=True)
                }
            else:
                found[question.pk] = self.cleaned_data.get(names[0])
        return found
