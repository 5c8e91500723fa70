from django import forms
from django.utils.translation import gettext_lazy as _

from .models import QUESTION_MAX_LENGTH, Case, Member, Role, Side, Team


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["title_zh", "title_en", "dispute", "forum", "in_english", "teams", "witnesses", "experts",
                  "summary_zh", "summary_en", "position"]  # fmt: skip
        widgets = {
            "summary_zh": forms.Textarea(attrs={"rows": 5}),
            "summary_en": forms.Textarea(attrs={"rows": 5}),
            "teams": forms.NumberInput(attrs={"min": 1, "max": 20}),
            "witnesses": forms.NumberInput(attrs={"min": 0, "max": 3}),
            "experts": forms.NumberInput(attrs={"min": 0, "max": 3}),
        }

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.session = session
        if not self.instance.has_sides:  # a case study: groups, each with a rapporteur
            for name in ("witnesses", "experts"):
                del self.fields[name]
            self.fields["teams"].label = _("groups")
            self.fields["teams"].help_text = _("How many groups work on the case.")
        else:
            self.fields["teams"].label = _("teams a side")
            self.fields["teams"].help_text = _("How many teams argue each side.")


class MoveForm(forms.Form):
    """Where a member goes: another team of the session (and its role there)."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("Move to"))

    def __init__(self, *args, member: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(case__session=member.session_id).select_related("case")
        self.fields["team"].label_from_instance = lambda team: f"{team.case.title} · {team.name}"
        self.fields["team"].initial = member.team_id


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    side = forms.ChoiceField(label=_("For"), required=False)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        if case.has_sides:
            self.fields["side"].choices = [("", _("Both sides")), *Side.choices]
        else:
            del self.fields["side"]


class AskForm(forms.Form):
    """A question to the room; its text is checked by practice.questions.ask (the one place the rules live)."""

    text = forms.CharField(
        label=_("Your question"),
        error_messages={"required": _("Type your question.")},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": QUESTION_MAX_LENGTH}),
        help_text=_("Up to 500 characters."),
    )
    anonymous = forms.BooleanField(
        label=_("Show without my name"),
        required=False,
        help_text=_("The room and the projector show “Anonymous”; the moderators still see your name."),
    )
