"""A lawyer's submission, and a grade (a score, or the points of each criterion of the rubric)."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from sessions.forms import DateTimeLocalInput

from .models import Assignment, Criterion


def shown(points) -> str:
    """Points as a person writes them: 100, 12.5 (not 100.0)."""
    return f"{Decimal(points).normalize():f}"


class SubmissionForm(forms.Form):
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20000,
        help_text=_("Write it here, attach a file, or both."),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, Word or an image; it replaces a file you sent before."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.doc,.docx,.png,.jpg,.jpeg"}),
    )


class GradeForm(forms.Form):
    """The score, or (with a rubric) the points of each criterion, as fields named criterion-<id>; a comment."""

    def __init__(self, *args, assignment: Assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.rubric = list(assignment.criteria.all())
        for criterion in self.rubric:
            self.fields[f"criterion-{criterion.pk}"] = forms.DecimalField(
                label=criterion.title,
                min_value=0,
                max_value=criterion.max_points,
                decimal_places=1,
                help_text=_("Up to %(max)s points.") % {"max": shown(criterion.max_points)},
            )
        if not self.rubric:
            self.fields["score"] = forms.DecimalField(
                label=_("Score"),
                min_value=0,
                max_value=assignment.max_score,
                decimal_places=1,
                help_text=_("Out of %(max)s; %(pass)s passes.")
                % {"max": shown(assignment.max_score), "pass": shown(assignment.pass_mark)},
            )
        self.fields["comment"] = forms.CharField(
            label=_("Comment to the lawyer"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000
        )

    def criteria(self) -> dict[str, str]:
        return {str(c.pk): str(self.cleaned_data[f"criterion-{c.pk}"]) for c in self.rubric}


class AssignmentForm(forms.ModelForm):
    """An assignment as the office sets it: on the program or one of its sessions, its window, marks and graders."""

    class Meta:
        model = Assignment
        fields = [
            "title_zh", "title_en", "kind", "session", "brief_zh", "brief_en", "opens_at", "due_at", "late_until",
            "max_score", "pass_mark", "required", "graders",
        ]  # fmt: skip
        widgets = {
            "opens_at": DateTimeLocalInput(),
            "due_at": DateTimeLocalInput(),
            "late_until": DateTimeLocalInput(),
            "brief_zh": forms.Textarea(attrs={"rows": 5}),
            "brief_en": forms.Textarea(attrs={"rows": 5}),
            "graders": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.program = program
        self.fields["session"].queryset = program.sessions.order_by("starts_at")
        self.fields["graders"].queryset = (
            get_user_model()
            .objects.filter(groups__name__in=[Role.FACULTY, Role.ADMINISTRATOR], is_active=True)
            .distinct()
            .order_by("full_name", "email")
        )
        self.fields["graders"].label_from_instance = lambda user: f"{user.full_name} · {user.email}"


CriterionFormSet = inlineformset_factory(
    Assignment, Criterion, fields=["title_zh", "title_en", "max_points", "position"], extra=3, can_delete=True,
    max_num=20,
)  # fmt: skip
