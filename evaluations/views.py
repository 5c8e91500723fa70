"""A lawyer answers a questionnaire; the program office builds questionnaires and reads their results."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import administrator_required, role_required
from accounts.roles import Role
from common.exports import spreadsheet_response
from common.forms import add_refusal
from common.params import pk_from
from participants.models import Participant
from sessions.models import Program, TrainingSession

from . import results, services
from .exports import results_sheet
from .forms import AnswerForm, QuestionFormSet, QuestionnaireForm
from .models import MIN_ANSWERS, Questionnaire, QuestionnaireKind


# --- the lawyer ------------------------------------------------------------------------------------------
@role_required(Role.PARTICIPANT)
def answer(request, pk, session_pk=None):
    """One page, answered once; a questionnaire the lawyer is not asked is not found."""
    participant = Participant.objects.filter(user=request.user).first()
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("program"), pk=pk)
    session = None
    if session_pk is not None:
        session = get_object_or_404(TrainingSession.objects.select_related("program"), pk=session_pk)
    if participant is None or not services.may_answer(participant, questionnaire, session):
        raise Http404
    context = {"questionnaire": questionnaire, "session": session}
    if services.has_answered(participant, questionnaire, session):
        return render(request, "evaluations/answered.html", context)
    if not services.is_open(questionnaire, session):
        context["closes_at"] = services.closes_at(questionnaire, session)
        context["opens_at"] = services.opens_at(questionnaire, session)
        return render(request, "evaluations/closed.html", context)
    form = AnswerForm(request.POST or None, questionnaire=questionnaire, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_submit(
                questionnaire=questionnaire, session=session, participant=participant, values=form.values()
            )
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("Thank you: your answers are in, without your name."))
            return redirect("participants:my_program")
    context.update(form=form, closes_at=services.closes_at(questionnaire, session))
    return render(request, "evaluations/answer.html", context)


# --- the office ------------------------------------------------------------------------------------------
@administrator_required
def manage_list(request, slug):
    program = get_object_or_404(Program, slug=slug)
    questionnaires = list(program.questionnaires.all())
    context = {"program": program, "questionnaires": questionnaires}
    return render(request, "evaluations/manage_list.html", context)


@administrator_required
def manage_edit(request, slug, pk=None):
    program = get_object_or_404(Program, slug=slug)
    questionnaire = (
        get_object_or_404(program.questionnaires, pk=pk)
        if pk
        else Questionnaire(program=program, kind=QuestionnaireKind.SESSION)
    )
    data = request.POST if request.method == "POST" else None
    form = QuestionnaireForm(data, instance=questionnaire)
    formset = QuestionFormSet(data, instance=questionnaire, prefix="questions")
    if data is not None and form.is_valid() and formset.is_valid():
        gone = formset.deleted_forms
        deleted = [f.instance for f in gone if f.instance.pk]
        questions = [f.instance for f in formset.forms if f not in gone and (f.instance.pk or f.has_changed())]
        questions.sort(key=lambda q: (q.position, q.pk or 10**9))
        try:
            with transaction.atomic():
                services.questionnaire_save(questionnaire=form.instance, questions=questions, deleted=deleted)
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("The questionnaire is saved."))
            return redirect("evaluations:manage_list", program.slug)
    context = {"program": program, "questionnaire": questionnaire, "form": form, "formset": formset}
    return render(request, "evaluations/manage_edit.html", context)


COMMENTS_SHOWN = 100  # comments a question's results show (5,000 answer sheets bring 1,500); the export has all
SESSIONS_A_PAGE = 50  # a questionnaire's sessions a page of response rates: a program has up to 2,000


@administrator_required
def results_page(request, slug, pk):
    """A questionnaire's sessions with their response rates; one session's (or the program's) results."""
    program = get_object_or_404(Program, slug=slug)
    questionnaire = get_object_or_404(program.questionnaires, pk=pk)
    session = None
    if questionnaire.kind == QuestionnaireKind.SESSION:
        session_pk = pk_from(request.GET.get("session"))
        if session_pk is not None:
            session = get_object_or_404(program.sessions.select_related("topic"), pk=session_pk)
    if request.GET.get("export") == "xlsx":
        header, rows = results_sheet(questionnaire)
        return spreadsheet_response(filename=f"{program.slug}-questionnaire-{questionnaire.pk}", fmt="xlsx",
                                    header=header, rows=rows)  # fmt: skip
    context = {"program": program, "questionnaire": questionnaire, "session": session, "minimum": MIN_ANSWERS,
               "comments_shown": COMMENTS_SHOWN, "comments_slice": f":{COMMENTS_SHOWN}"}  # fmt: skip
    if session is not None or questionnaire.kind == QuestionnaireKind.PROGRAM:
        context["results"] = results.question_results(questionnaire, session)
        context["charts"] = _charts(context["results"])
    else:
        page = Paginator(results.sessions_of(questionnaire), SESSIONS_A_PAGE).get_page(request.GET.get("page"))
        context["page"] = page
        context["rows"] = results.session_rows(questionnaire, sessions=page.object_list)
    return render(request, "evaluations/results.html", context)


def _charts(found) -> list[dict]:
    """The data of each chart drawn (only figures shown: from MIN_ANSWERS answers on)."""
    charts = []
    for result in found:
        if result.figure is not None and result.figure.shown:
            charts.append({"id": f"chart-q{result.question.pk}", "labels": ["1", "2", "3", "4", "5"],
                           "values": result.figure.distribution})  # fmt: skip
        elif result.choices:
            charts.append({"id": f"chart-q{result.question.pk}", "labels": [label for label, _n in result.choices],
                           "values": [n for _label, n in result.choices]})  # fmt: skip
    return charts


@administrator_required
def overview(request, slug):
    """The program's questionnaires together: each faculty member across sessions, each topic and format."""
    program = get_object_or_404(Program, slug=slug)
    by_topic, by_format = results.by_topic_and_format(program)
    context = {
        "program": program,
        "faculty": results.by_faculty(program),
        "by_topic": by_topic,
        "by_format": by_format,
        "minimum": MIN_ANSWERS,
    }
    return render(request, "evaluations/overview.html", context)
