"""A questionnaire's results as a spreadsheet: a row per session and question (and faculty member), each figure
drawn from fewer than MIN_ANSWERS answer sheets left out and said so."""

from django.utils.translation import gettext as _

from . import results
from .models import QuestionKind, Questionnaire, QuestionnaireKind


def results_sheet(questionnaire: Questionnaire) -> tuple[list[str], list[list]]:
    header = [_("Session"), _("Date"), _("Question"), _("Faculty member"), _("Answers"), _("Average"),
              "1", "2", "3", "4", "5", _("Choices"), _("Free-text answer")]  # fmt: skip
    too_few = _("fewer than 5 answers")
    rows = []
    if questionnaire.kind == QuestionnaireKind.PROGRAM:
        sessions = [None]
    else:
        sessions = [row.session for row in results.session_rows(questionnaire)]
    found = results.results_by_session(questionnaire, sessions)
    for session in sessions:
        title = session.title if session else questionnaire.program.name
        day = session.starts_at.strftime("%Y-%m-%d") if session else ""
        for result in found[session.pk if session else None]:
            question = result.question
            if question.kind == QuestionKind.TEXT:  # every comment a row (the page shows the first ones)
                blank = [""] * 9
                rows += [[title, day, question.text, *blank, text] for text in result.comments]
            elif question.kind == QuestionKind.FACULTY:
                for person, figure in result.faculty:
                    rows.append([title, day, question.text, person.name, *_figure(figure, too_few), "", ""])
            elif result.figure is not None:
                rows.append([title, day, question.text, "", *_figure(result.figure, too_few), "", ""])
            else:
                choices = "; ".join(f"{label}: {n}" for label, n in result.choices) if result.shown else too_few
                rows.append([title, day, question.text, "", result.n, "", "", "", "", "", "", choices, ""])
    return header, rows


def _figure(figure, too_few: str) -> list:
    if not figure.shown:
        return [figure.n, too_few, "", "", "", "", ""]
    return [figure.n, figure.average, *figure.distribution]
