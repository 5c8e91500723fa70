"""A session's questions as a spreadsheet for the office: kept with the session after it ends."""

from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.models import TrainingSession

from . import questions
from .models import QuestionState


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def questions_sheet(session: TrainingSession) -> tuple[list[str], list[list]]:
    """A row per question, ranked as the moderators see them. The author is named even when the room saw
    "Anonymous" (the office keeps the record), and the Anonymous column says so."""
    header = [_("No."), _("Question"), _("Votes"), _("State"), _("Merged into"), _("Asked by"), _("Law firm"),
              _("Shown as anonymous"), _("Asked at"), _("Answered at")]  # fmt: skip
    states = dict(QuestionState.choices)
    yes, no = _("Yes"), _("No")
    rows = [
        [
            question.pk,
            question.text,
            question.votes,
            str(states[question.state]) if not question.is_merged else _("Merged"),
            question.merged_into_id or "",
            question.author.name_zh,
            question.author.law_firm,
            yes if question.anonymous else no,
            _when(question.created_at),
            _when(question.answered_at),
        ]
        for question in questions.for_moderators(session)
    ]
    return header, rows
