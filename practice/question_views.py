"""The question queue's pages: the lawyer's phone page (ask, vote), the moderators' page, the projector, the export.
The rules are practice.questions'; these views read the request, call it and render what it says."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common.exports import spreadsheet_response
from common.forms import add_refusal
from common.params import pk_from
from common.stencil import Stencil
from participants.models import Participant
from sessions.models import TrainingSession

from . import questions, services
from .exports import questions_sheet
from .forms import AskForm
from .models import Question

ROOM = "practice/questions/room.html"


def _session(pk: int) -> TrainingSession:
    """A seminar or forum that takes questions; any other session has no queue (404)."""
    session = get_object_or_404(TrainingSession.objects.select_related("program"), pk=pk)
    if not questions.takes_questions(session):
        raise Http404
    return session


def _moderated(request, pk: int) -> TrainingSession:
    session = _session(pk)
    services.check_may_build(request.user, session)
    return session


def _window(session: TrainingSession) -> dict:
    opens, closes = questions.window(session)
    now = timezone.now()
    return {"opens": opens, "closes": closes, "open": opens <= now < closes, "before": now < opens}


class RoomRows:
    """The room's rows from stencils (common/stencil.py): one for each kind of row (answered or open, the reader's
    own, voted by them, the queue open), rendered on first need, then filled in with each question's values. A
    list of 150 questions polled by 300 phones costs a fill a row, not a template render."""

    FIELDS = ("pk", "text", "name", "time", "votes", "unit", "vote_url")

    def __init__(self, request, session: TrainingSession, *, open: bool):
        vote_url = reverse("practice:question_vote", args=[session.pk, 0])  # once, not 150 times
        self.vote_url = vote_url.rsplit("/0/", 1)
        self.context = {"open": open, "csrf_token": get_token(request)}
        self.stencils: dict[tuple, Stencil] = {}
        self.anonymous = _("Anonymous")
        self.units = (ngettext("vote", "votes", 1), ngettext("vote", "votes", 2))

    def html(self, question: questions.RoomQuestion) -> str:
        kind = (question.is_open, question.mine, question.voted)
        if kind not in self.stencils:
            flags = {"answered": not kind[0], "mine": kind[1], "voted": kind[2]}
            self.stencils[kind] = Stencil(f"{ROOM}#row", {**self.context, **flags}, self.FIELDS)
        prefix, suffix = self.vote_url
        return self.stencils[kind].fill(
            {
                "pk": question.pk,
                "text": mark_safe(escape(question.text).replace("\n", "<br>")),  # noqa: S308 - escaped first
                "name": question.name or self.anonymous,
                "time": f"{timezone.localtime(question.created_at):%H:%M}",
                "votes": question.votes,
                "unit": self.units[question.votes != 1],
                "vote_url": f"{prefix}/{question.pk}/{suffix}",
            }
        )


def _room_context(request, session: TrainingSession, participant: Participant | None, error: str | None = None) -> dict:
    window = _window(session)
    rows = RoomRows(request, session, open=window["open"])
    found = questions.room(session, participant)
    return {
        "session": session,
        "open_rows": [rows.html(q) for q in found if q.is_open],
        "answered_rows": [rows.html(q) for q in found if not q.is_open],
        "error": error,
        **window,
    }


# --- the lawyer -------------------------------------------------------------------------------------------------
@login_required
def room_page(request, pk):
    """The lawyer's page: ask the speakers a question and vote for the room's. Moderators are sent to theirs."""
    session = _session(pk)
    if services.may_build(request.user, session):
        return redirect("practice:questions_moderate", session.pk)
    participant = Participant.objects.filter(user=request.user).first()
    if not questions.is_in_room(participant, session):
        return render(request, "practice/questions/not_seated.html", {"session": session}, status=403)
    form = AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            questions.ask(participant=participant, session=session, text=form.cleaned_data["text"],
                          anonymous=form.cleaned_data["anonymous"])  # fmt: skip
        except questions.QuestionRefused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("Your question is in the queue."))
            return redirect("practice:questions", session.pk)
    if request.htmx and request.method == "GET":  # the list's polling
        return render(request, f"{ROOM}#room", _room_context(request, session, participant))
    context = {**_room_context(request, session, participant), "form": form}
    return render(request, ROOM, context, status=400 if form.errors else 200)


@login_required
@require_POST
def vote(request, pk, question_pk):
    """Vote for a question, or take the vote back (`action`: vote, unvote); htmx gets the list again, a browser
    without script the page."""
    session = _session(pk)
    question = get_object_or_404(Question.objects.select_related("session"), pk=question_pk, session=session)
    participant = Participant.objects.filter(user=request.user).first()
    if not questions.is_in_room(participant, session):
        raise PermissionDenied
    error = None
    try:
        questions.vote(participant=participant, question=question, support=request.POST.get("action") != "unvote")
    except questions.QuestionRefused as refusal:
        error = " ".join(refusal.messages)
    if request.htmx:
        context = _room_context(request, session, participant, error)
        return render(request, f"{ROOM}#room", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("practice:questions", session.pk)


# --- moderators -------------------------------------------------------------------------------------------------
@login_required
def moderate_page(request, pk):
    """Every question with its author (anonymous ones marked): answer, hide, show again, merge a duplicate."""
    session = _moderated(request, pk)
    found = questions.for_moderators(session)
    context = {
        "session": session,
        "questions": found,
        "targets": [q for q in found if not q.is_merged and q.state != "hidden"],
        **_window(session),
    }
    template = "practice/questions/moderate.html"
    return render(request, f"{template}#list" if request.htmx else template, context)


@login_required
@require_POST
def moderate_action(request, pk, question_pk):
    session = _moderated(request, pk)
    question = get_object_or_404(Question.objects.select_related("session"), pk=question_pk, session=session)
    action = request.POST.get("action", "")
    into = pk_from(request.POST.get("into", "").strip().lstrip("#"))
    if action == questions.MERGE and request.POST.get("into", "").strip() and into is None:
        messages.error(request, _("Merge into: type the number of a question of this session, e.g. 12."))
        return redirect("practice:questions_moderate", session.pk)
    try:
        questions.moderate(question=question, action=action, by=request.user, into=into)
    except questions.QuestionRefused as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        done = {
            questions.ANSWER: _("#%(pk)s is marked answered."),
            questions.HIDE: _("#%(pk)s is hidden from the room."),
            questions.UNHIDE: _("#%(pk)s is shown to the room again."),
            questions.MERGE: _("#%(pk)s is merged into #%(into)s; its votes count there."),
        }[action]
        messages.success(request, done % {"pk": question.pk, "into": into})
    return redirect(reverse("practice:questions_moderate", args=[session.pk]) + f"#q{question.pk}")


@login_required
def screen(request, pk):
    """For the projector: the top questions, live (htmx asks for the list every few seconds), and the way to ask."""
    session = _moderated(request, pk)
    context = {"session": session, **questions.screen(session)}
    template = "practice/questions/screen.html"
    if request.htmx:
        return render(request, f"{template}#live", context)
    url = request.build_absolute_uri(reverse("practice:questions", args=[session.pk]))
    qr_svg = segno.make(url, error="m").svg_inline(scale=6, border=2, omitsize=True, svgclass="questions-qr")
    return render(request, template, {**context, "ask_url": url, "qr_svg": qr_svg, **_window(session)})


@login_required
def export(request, pk):
    """Every question of the session for the office: votes, state, author (anonymous ones marked)."""
    session = _moderated(request, pk)
    header, rows = questions_sheet(session)
    return spreadsheet_response(filename=f"questions-{session.pk}", fmt="xlsx", header=header, rows=rows)
