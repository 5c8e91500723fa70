"""Practice's pages: a session's cases and teams for those who build them, and a member's place to adjust."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common import files
from common.forms import add_refusal
from sessions.models import TrainingSession

from . import scoring, services
from .forms import CaseForm, MaterialForm, MoveForm, RoleForm, ScoreForm
from .models import CaseMaterial, Member, Team


def _session(request, pk) -> TrainingSession:
    session = get_object_or_404(TrainingSession.objects.select_related("program"), pk=pk)
    if not services.holds_cases(session):
        raise Http404
    services.check_may_build(request.user, session)
    return session


@login_required
def teams_page(request, pk):
    """The session's cases and their teams: each team's mix and the rule a place breaks; build, rebuild with the
    same draw, or draw anew."""
    session = _session(request, pk)
    if request.method == "POST":
        lineup = getattr(session, "lineup", None)
        again = request.POST.get("action") == "rebuild" and lineup is not None
        try:
            services.build_teams(session, by=request.user, seed=lineup.seed if again else None)
        except services.PracticeRefused as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(request, _("The teams are built."))
        return redirect("practice:teams", session.pk)
    cases = list(session.cases.all())
    teams = services.lineup(session)
    hearings, scores = scoring.hearings(session, cases), scoring.team_scores(session)
    for views in teams.values():
        for view in views:
            view.hearing, view.score = scoring.hearing_of(view.team, hearings), scores.get(view.team.pk)
    context = {
        "session": session,
        "cases": [(case, teams.get(case.pk, [])) for case in cases],
        "lineup": getattr(session, "lineup", None),
        "seated": services.seated(session).count(),
        "scored": bool(scores),
    }
    return render(request, "practice/teams.html", context)


@login_required
def case_edit(request, pk, case_pk=None):
    session = _session(request, pk)
    case = get_object_or_404(session.cases, pk=case_pk) if case_pk else None
    form = CaseForm(request.POST or None, instance=case, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.case_save(form.save(commit=False))
        except services.PracticeRefused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
            return redirect("practice:teams", session.pk)
    materials = MaterialForm(case=case) if case else None
    context = {"session": session, "case": case, "form": form, "materials": materials}
    return render(request, "practice/case_edit.html", context)


@login_required
def material_upload(request, pk, case_pk):
    """A file for the case's teams (or one side's), from the case's page."""
    session = _session(request, pk)
    case = get_object_or_404(session.cases, pk=case_pk)
    form = MaterialForm(request.POST or None, request.FILES or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.material_add(case=case, upload=form.cleaned_data["file"], title=form.cleaned_data["title"],
                                  side=form.cleaned_data.get("side", ""), by=request.user)  # fmt: skip
        except services.PracticeRefused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("The file is posted."))
            return redirect("practice:case_edit", session.pk, case.pk)
    context = {"session": session, "case": case, "form": CaseForm(instance=case, session=session), "materials": form}
    return render(request, "practice/case_edit.html", context)


@login_required
def material_file(request, pk):
    """A case's file, for those who may read it; no one else learns it exists (the other side included)."""
    material = get_object_or_404(CaseMaterial.objects.select_related("case__session"), pk=pk)
    if not services.may_read(request.user, material):
        raise Http404
    return files.download(material.file, name=material.original_name, content_type=material.content_type,
                          size=material.size)  # fmt: skip


@login_required
def member_page(request, pk):
    """One member's place: move them to another team, give them another role, lock or free the place."""
    member = get_object_or_404(
        Member.objects.select_related("team__case__session__program", "participant__province"), pk=pk
    )
    session = _session(request, member.session_id)
    move, role = MoveForm(member=member), RoleForm(initial={"role": member.role})
    context = {"session": session, "member": member, "move": move, "role": role}
    return render(request, "practice/member.html", context)


@login_required
@require_POST
def member_change(request, pk):
    member = get_object_or_404(Member.objects.select_related("team__case", "participant"), pk=pk)
    session = _session(request, member.session_id)
    action = request.POST.get("action")
    try:
        if action == "move":
            form = MoveForm(request.POST, member=member)
            if not form.is_valid():
                messages.error(request, _("Choose a team of this session."))
                return redirect("practice:member", member.pk)
            services.move(member, form.cleaned_data["team"], by=request.user)
        elif action == "role":
            form = RoleForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose a role."))
                return redirect("practice:member", member.pk)
            services.set_role(member, form.cleaned_data["role"], by=request.user)
        elif action in ("lock", "unlock"):
            services.set_locked(member, action == "lock", by=request.user)
        else:
            raise Http404
    except services.PracticeRefused as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect("practice:teams", session.pk)
    messages.success(request, _("%(name)s's place is saved.") % {"name": member.participant.name_zh})
    return redirect("practice:teams", session.pk)


@login_required
def score_team(request, pk):
    """The bench's scoring sheet for one team: the team against the case's rubric, each speaker, a comment."""
    team = get_object_or_404(Team.objects.select_related("case__session__program", "case__assignment"), pk=pk)
    session = _session(request, team.case.session_id)
    members = sorted(team.members.select_related("participant"), key=services.card_order)
    form = ScoreForm(request.POST or None, members=members, initial=_scored_points(team))
    if request.method == "POST" and form.is_valid():
        seen = [int(pk) for pk in request.POST.getlist("member") if pk.isdigit()]
        try:
            scoring.score_team(team, form.cleaned_data, members=seen, by=request.user)
        except services.PracticeRefused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("The scores of %(team)s are saved.") % {"team": team.name})
            return redirect("practice:teams", session.pk)
    hearing = scoring.hearing_of(team, scoring.hearings(session))
    context = {"session": session, "team": team, "form": form, "members": members, "hearing": hearing}
    return render(request, "practice/score.html", context)


def _scored_points(team: Team) -> dict:
    """The scores already given, as the sheet's initial values."""
    initial = {}
    for score in team.scores.all():
        for criterion, points in score.points.items():
            if score.participant_id is None:
                initial[scoring.team_field(criterion)] = points
                initial["comment"] = score.comment
            else:
                initial[scoring.speaker_field(score.participant_id, criterion)] = points
    return initial
