"""A lawyer's assignment (brief, submitting, the grade), the grader's queue of an assignment and a submission's
grading, and a submission's file for those who may read it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import administrator_required, role_required
from accounts.roles import Role
from common import files
from common.exports import spreadsheet_response
from common.forms import add_refusal
from participants.models import Participant, Province
from sessions.models import Program

from . import groups, services
from .forms import AssignmentForm, CriterionFormSet, GradeForm, SubmissionForm
from .models import Assignment, Submission


def _lawyer(request) -> Participant:
    participant = Participant.objects.filter(user=request.user).first() if request.user.is_participant else None
    if participant is None:
        raise Http404
    return participant


@login_required
def assignment_page(request, pk):
    """The brief and window of an assignment set for the lawyer, their work as handed in, and its grade."""
    participant = _lawyer(request)
    assignment = get_object_or_404(services.for_lawyer(participant).select_related("program", "session"), pk=pk)
    submission = Submission.objects.filter(assignment=assignment, participant=participant).first()
    form = SubmissionForm(
        request.POST or None, request.FILES or None, initial={"text": submission.text if submission else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            submission = services.submit(
                assignment=assignment,
                participant=participant,
                text=form.cleaned_data["text"],
                upload=form.cleaned_data["file"],
                by=request.user,
            )
        except services.AssessmentRefused as refusal:
            add_refusal(form, refusal)
        except services.Unchanged:
            messages.info(request, _("Nothing changed: your work stands as handed in."))
            return redirect("assessment:assignment", assignment.pk)
        else:
            if submission.late:
                messages.warning(request, _("Your work is handed in, late."))
            else:
                messages.success(request, _("Your work is handed in."))
            return redirect("assessment:assignment", assignment.pk)
    now = timezone.now()
    group = groups.group_of(assignment, participant)
    context = {
        "assignment": assignment,
        "submission": submission,
        "group": group,
        "group_members": Participant.objects.filter(pk__in=group.members).order_by("pk") if group else [],
        "form": form,
        "accepting": assignment.accepts_at(now) and not (submission and submission.is_graded),
        "late_now": assignment.is_late_at(now),
        "points": services.rubric_points(submission) if submission and submission.is_graded else [],
    }
    return render(request, "assessment/assignment.html", context)


def _graded_by_user(request, assignment: Assignment) -> None:
    if not services.may_grade(request.user, assignment):
        raise PermissionDenied


@role_required(Role.FACULTY)
def grading_home(request):
    """The assignments the faculty member grades, with the work waiting for them."""
    return render(request, "assessment/grading_home.html", {"assignments": services.grading_for(request.user)})


QUEUE_FILTERS = ("ungraded", "graded", "late")
QUEUE_PAGE = 50  # submissions a page of the queue: a program-wide assignment is set for every admitted lawyer


@login_required
def queue(request, pk):
    """An assignment's submissions for its grader, a page at a time: ungraded first, filtered by state, lateness
    and province; exported as XLSX whole (never with a licence number)."""
    assignment = get_object_or_404(Assignment.objects.select_related("program", "session"), pk=pk)
    _graded_by_user(request, assignment)
    show = request.GET.get("show", "")
    province = request.GET.get("province", "")
    submissions = services.queue(assignment, show=show if show in QUEUE_FILTERS else "", province=province)
    if request.GET.get("export") == "xlsx":
        header, rows = services.grades_sheet(submissions)
        return spreadsheet_response(filename=f"grades-{assignment.pk}", fmt="xlsx", header=header, rows=rows)
    context = {
        "assignment": assignment,
        "page": Paginator(submissions, QUEUE_PAGE).get_page(request.GET.get("page")),
        "show": show,
        "province": province,
        "provinces": Province.objects.all(),
        "counts": services.queue_counts(assignment),
    }
    return render(request, "assessment/queue.html", context)


@login_required
def grade_page(request, pk):
    """One submission, its grade form (the rubric's criteria, or a score) and its grade history."""
    submission = get_object_or_404(
        Submission.objects.select_related("assignment__program", "assignment__session", "participant__province"),
        pk=pk,
    )
    assignment = submission.assignment
    _graded_by_user(request, assignment)
    initial = {"score": submission.score, "comment": submission.comment}
    initial |= {f"criterion-{key}": value for key, value in submission.criteria_scores.items()}
    form = GradeForm(request.POST or None, assignment=assignment, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.grade(
                submission=submission,
                by=request.user,
                score=form.cleaned_data.get("score"),
                comment=form.cleaned_data["comment"],
                criteria=form.criteria(),
            )
        except services.AssessmentRefused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("%(name)s's work is graded.") % {"name": submission.participant.name_zh})
            following = services.next_ungraded(submission)
            if following is not None:
                return redirect("assessment:grade", following.pk)
            return redirect("assessment:queue", assignment.pk)
    context = {
        "assignment": assignment,
        "submission": submission,
        "form": form,
        "history": submission.grade_changes.select_related("changed_by"),
    }
    return render(request, "assessment/grade.html", context)


@login_required
def submission_file(request, pk):
    """The file of a submission: for the lawyer who handed it in and those who grade it; no one else learns it
    exists."""
    submission = get_object_or_404(Submission.objects.select_related("assignment__session", "participant"), pk=pk)
    mine = submission.participant.user_id == request.user.pk
    if not submission.file or not (mine or services.may_grade(request.user, submission.assignment)):
        raise Http404
    return files.download(
        submission.file, name=submission.original_name, content_type=submission.content_type, size=submission.size
    )


# --- the office --------------------------------------------------------------------------------------
@administrator_required
def manage_list(request, slug):
    """The program's assignments: window, marks, how many handed in and wait for a grade."""
    program = get_object_or_404(Program, slug=slug)
    assignments = program.coursework.select_related("session").annotate(
        submitted=Count("submissions"), ungraded=Count("submissions", filter=Q(submissions__score__isnull=True))
    )
    return render(request, "assessment/manage_list.html", {"program": program, "assignments": assignments})


@administrator_required
def assignment_edit(request, slug, pk=None):
    """Set an assignment (pk None: a new one) and its rubric."""
    program = get_object_or_404(Program, slug=slug)
    assignment = get_object_or_404(Assignment, pk=pk, program=program) if pk else Assignment(program=program)
    new = assignment.pk is None
    form = AssignmentForm(request.POST or None, instance=assignment, program=program)
    criteria = CriterionFormSet(request.POST or None, instance=assignment, prefix="criteria")
    if request.method == "POST" and form.is_valid() and criteria.is_valid():
        try:
            saved = services.assignment_save(form=form, criteria=criteria, by=request.user)
        except services.AssessmentRefused as refusal:
            if new:  # the transaction is undone: the form makes a new assignment still
                form.instance.pk = None
            add_refusal(form, refusal)
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
            return redirect("assessment:manage_list", program.slug)
    context = {"program": program, "assignment": assignment, "new": new, "form": form, "criteria": criteria}
    return render(request, "assessment/assignment_edit.html", context)
