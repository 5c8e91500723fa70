from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessment.models import Assignment, AssignmentKind

from .models import QUESTION_MAX_LENGTH, Case, Criterion, Member, Role, Side, Team
from .scoring import speaker_field, team_field


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = ["title_zh", "title_en", "dispute", "forum", "in_english", "teams", "witnesses", "experts",
                  "summary_zh", "summary_en", "position", "assignment"]  # fmt: skip
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
        coursework = Assignment.objects.filter(program=session.program_id).filter(Q(session=None) | Q(session=session))
        if self.instance.has_sides:  # the results of the hearing
            self.fields["assignment"].queryset = coursework.filter(kind=AssignmentKind.HEARING)
        else:  # each group's report
            self.fields["assignment"].queryset = coursework.exclude(kind=AssignmentKind.HEARING)
            self.fields["assignment"].label = _("the groups' report")
            self.fields["assignment"].help_text = _(
                "Coursework each group hands in once, for all its members: one of them hands it in, and the grade "
                "is everyone's."
            )
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


class ScoreForm(forms.Form):
    """The bench's sheet for one team: the team's row, a row for each member (left empty: they did not speak), a
    comment. The rows' fields are checked by scoring.score_team, which names the field it refuses."""

    comment = forms.CharField(
        label=_("Comment to the team"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args, members: list[Member], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = [(None, [self._points(team_field(c), label) for c, label in Criterion.choices])]
        for member in members:
            pk = member.participant_id
            self.rows.append((member, [self._points(speaker_field(pk, c), label) for c, label in Criterion.choices]))

    def _points(self, name: str, label) -> str:
        self.fields[name] = forms.CharField(label=label, required=False, max_length=6)  # the template draws it
        return name

    def row_fields(self):
        """Each row as (member or None for the team, its bound fields)."""
        return [(member, [self[name] for name in names]) for member, names in self.rows]


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
