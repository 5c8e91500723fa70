"""Every write of assessment (#17), each under its rules: lawyers submit within an assignment's window (late
where it allows), graders grade within the maximum and the rubric, every grade is kept.

Locks: a submission's row is taken before it changes (submitting again, grading), so a double click, two tabs or
two graders are decided one after the other; the first submission of a lawyer is guarded by the one-submission
constraint, and a second one made at the same moment becomes a replacement of the first.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from faculty.services import check_file
from notifications.services import notify
from participants.models import Admission, AdmissionState, Enrolment, EnrolmentState, Participant

from . import groups
from .models import Assignment, GradeChange, Submission


class AssessmentRefused(ValidationError):
    """A submission or a grade the rules do not allow; the message says why. Nothing was changed."""


class Unchanged(Exception):
    """The same work handed in again (a double click, a form sent unchanged): nothing was written or sent."""

    def __init__(self, submission):
        super().__init__(submission)
        self.submission = submission


# --- who may do what ---------------------------------------------------------------------------------
def may_grade(user, assignment: Assignment) -> bool:
    """Administrators; the assignment's named graders; else, when it names none, its session's faculty."""
    if not user.is_authenticated:
        return False
    if user.is_administrator:
        return True
    if assignment.graders.exists():
        return assignment.graders.filter(pk=user.pk).exists()
    return assignment.session is not None and assignment.session.is_taught_by(user)


def grading_for(user):
    """The assignments `user` grades (an administrator: every one), latest due first, with how many were handed in
    and wait for a grade."""
    assignments = Assignment.objects.select_related("program", "session")
    if not user.is_administrator:
        mine = Q(graders=user) | Q(graders__isnull=True, session__assignments__faculty__user=user)
        assignments = assignments.filter(pk__in=Assignment.objects.filter(mine).values("pk"))
    return assignments.annotate(
        submitted=Count("submissions"), ungraded=Count("submissions", filter=Q(submissions__score__isnull=True))
    ).order_by("-due_at", "pk")


def for_lawyer(participant: Participant):
    """The assignments a lawyer is set: those of the programs they are admitted to, a session's only if they hold
    a seat in it."""
    admitted = Admission.objects.filter(participant=participant, state=AdmissionState.ADMITTED).values("program")
    seated = Enrolment.objects.filter(participant=participant, state=EnrolmentState.CONFIRMED).values("session")
    return set_for(admitted=admitted, seated=seated)


def set_for(*, admitted, seated):
    """The assignments of the programs `admitted` (ids, or a query of them): each program's own, and those of the
    sessions `seated`."""
    return Assignment.objects.filter(program__in=admitted).filter(Q(session__isnull=True) | Q(session__in=seated))


def is_set_for(assignment: Assignment, participant: Participant) -> bool:
    return for_lawyer(participant).filter(pk=assignment.pk).exists()


# --- setting work ------------------------------------------------------------------------------------
@transaction.atomic
def assignment_save(*, form, criteria, by) -> Assignment:
    """Save an assignment (a valid AssignmentForm) and its rubric (a valid CriterionFormSet of it): the rubric's
    points add up to the maximum score; once work is graded, the maximum, the pass mark and the rubric stay as
    they were (grades were given against them)."""
    assignment = form.instance
    if assignment.pk:
        Assignment.objects.select_for_update().filter(pk=assignment.pk).exists()
        graded = assignment.submissions.filter(score__isnull=False).exists()
        marks_changed = {"max_score", "pass_mark"} & set(form.changed_data)
        if graded and (marks_changed or criteria.has_changed()):
            raise AssessmentRefused(
                _("Work is graded already: the maximum score, the pass mark and the rubric stay as they are.")
            )
    else:
        assignment.created_by = by
    assignment = form.save()
    criteria.instance = assignment
    criteria.save()
    rubric = list(assignment.criteria.all())
    total = sum((criterion.max_points for criterion in rubric), Decimal(0))
    if rubric and total != assignment.max_score:
        raise AssessmentRefused(
            _("The rubric's points add up to %(total)s; they must add up to the maximum score, %(max)s.")
            % {"total": total, "max": assignment.max_score}
        )
    return assignment


# --- submitting --------------------------------------------------------------------------------------
def submit(*, assignment: Assignment, participant: Participant, text: str = "", upload=None, by, at=None) -> Submission:
    """Hand in (or replace, until graded) a lawyer's work: a text, a file or both; a file replaced by a new one is
    removed once the change commits. Within the window only: before the due time, or late while late work is
    accepted (marked late). The lawyer is sent a receipt. The same text again with no file raises Unchanged.
    A lawyer in a group for the assignment (groups.py) hands in for it: each member's submission holds the work,
    and each member is sent the receipt."""
    at = at or timezone.now()
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > Submission._meta.get_field("text").max_length:
        raise AssessmentRefused({"text": _("At most 20,000 characters; attach a file for longer work.")})
    name = content_type = ""
    if upload is not None:
        try:
            name, content_type = check_file(upload)
        except ValidationError as refusal:
            raise AssessmentRefused({"file": refusal.messages}) from None
    _check_window(assignment, participant, at)
    group = groups.group_of(assignment, participant)
    try:
        return _submit(assignment, participant, text, upload, name, content_type, by, at, group)
    except IntegrityError:  # the first submission, made at the same moment in another tab: this one replaces it
        return _submit(assignment, participant, text, upload, name, content_type, by, at, group)


def _check_window(assignment: Assignment, participant: Participant, at) -> None:
    if not is_set_for(assignment, participant):
        raise AssessmentRefused(_("This assignment is not set for you."))
    if not assignment.takes_work:
        raise AssessmentRefused(_("The bench scores this at the hearing: there is nothing to hand in."))
    if at < assignment.opens_at:
        raise AssessmentRefused(_("This assignment opens on %(when)s.") % {"when": _when(assignment.opens_at)})
    if not assignment.accepts_at(at):
        if assignment.late_until is None:
            message = _("The due time (%(when)s) has passed; this assignment takes no late work.")
            raise AssessmentRefused(message % {"when": _when(assignment.due_at)})
        message = _("Late work was accepted until %(when)s.")
        raise AssessmentRefused(message % {"when": _when(assignment.late_until)})


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@transaction.atomic
def _submit(assignment, participant, text, upload, name, content_type, by, at, group) -> Submission:
    submission = Submission.objects.select_for_update().filter(assignment=assignment, participant=participant).first()
    others = [pk for pk in group.members if pk != participant.pk] if group else []
    siblings = {s.participant_id: s for s in Submission.objects.select_for_update().filter(
        assignment=assignment, participant__in=others)}  # fmt: skip
    if any(s.is_graded for s in [submission, *siblings.values()] if s is not None):
        if group:
            raise AssessmentRefused(_("Your group's work is graded already; it can no longer be replaced."))
        raise AssessmentRefused(_("Your work is graded already; it can no longer be replaced."))
    if not text and upload is None and not (submission and submission.file):
        raise AssessmentRefused({"text": _("Write your work here or attach a file.")})
    if submission is not None and upload is None and text == submission.text:
        raise Unchanged(submission)
    if submission is None:
        submission = Submission(assignment=assignment, participant=participant)
    replaced = {s.file.name for s in [submission, *siblings.values()] if s.file} if upload is not None else set()
    submission.text = text
    submission.submitted_at = at
    submission.late = assignment.is_late_at(at)
    submission.group_key = group.key if group else ""
    if upload is not None:
        submission.original_name, submission.size, submission.content_type = name, upload.size, content_type
        submission.file.save(name, upload, save=False)  # streams chunk by chunk to the storage
    stored = submission.file.name if upload is not None else ""
    try:
        with transaction.atomic():
            submission.save()
            for pk in others:  # the group's work on each member's submission, the same file
                _share(submission, siblings.get(pk) or Submission(assignment=assignment, participant_id=pk))
    except Exception:
        if stored:
            submission.file.storage.delete(stored)
        raise
    storage = submission.file.storage
    for old in replaced - {submission.file.name}:  # removed once no submission holds it (a group shares one)
        transaction.on_commit(lambda old=old: Submission.objects.filter(file=old).exists() or storage.delete(old))
    told = Participant.objects.filter(pk__in=[participant.pk, *others]).select_related("user")
    for member in told:
        notify(
            member.user,
            "submission_received",
            {"assignment": assignment, "at": at, "late": submission.late, "file": submission.original_name},
            dedup_key=f"submission:{assignment.pk}:{member.pk}:{at.timestamp()}",
            link=reverse("assessment:assignment", args=[assignment.pk]),
        )
    return submission


def _share(work: Submission, copy: Submission) -> None:
    for field in ("text", "file", "original_name", "size", "content_type", "submitted_at", "late", "group_key"):
        setattr(copy, field, getattr(work, field))
    copy.save()


# --- grading -----------------------------------------------------------------------------------------
def parse_points(value, field: str) -> Decimal:
    """Points as written in a form's field (a number, at most one decimal); a refusal names `field`."""
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise AssessmentRefused({field: _("Write a number.")}) from None
    if not points.is_finite() or points != points.quantize(Decimal("0.1")):
        raise AssessmentRefused({field: _("Write a number with at most one decimal.")})
    return points


@transaction.atomic
def grade(*, submission: Submission, by, score=None, comment: str = "", criteria: dict | None = None, at=None):
    """Grade a submission (or change its grade): a score from 0 to the maximum, or, when the assignment has a
    rubric, the points of each criterion (the score is their sum). A grade given by another grader than the last
    one moderates it. Kept in the grade history; the lawyer is told. A group's work (groups.py) is graded once for
    all its members."""
    at = at or timezone.now()
    submission = (
        Submission.objects.select_for_update().select_related("assignment", "participant__user").get(pk=submission.pk)
    )
    assignment = submission.assignment
    if not may_grade(by, assignment):
        raise AssessmentRefused(_("You do not grade this assignment."))
    rubric = list(assignment.criteria.all()) if assignment.takes_work else []  # a hearing's rubric is its case's
    if rubric:
        given = criteria or {}
        points = {}
        for criterion in rubric:
            field = f"criterion-{criterion.pk}"
            if given.get(str(criterion.pk)) in (None, ""):
                raise AssessmentRefused({field: _("Give points for every criterion.")})
            value = parse_points(given[str(criterion.pk)], field)
            if not 0 <= value <= criterion.max_points:
                message = _("From 0 to %(max)s points.")
                raise AssessmentRefused({field: message % {"max": criterion.max_points}})
            points[str(criterion.pk)] = str(value)
        total = sum((Decimal(v) for v in points.values()), Decimal(0))
        score = min(total, assignment.max_score)
    else:
        if score in (None, ""):
            raise AssessmentRefused({"score": _("Give a score.")})
        score, points = parse_points(score, "score"), {}
        if not 0 <= score <= assignment.max_score:
            raise AssessmentRefused({"score": _("From 0 to %(max)s.") % {"max": assignment.max_score}})
    comment = (comment or "").strip()[:5000]
    group = []  # a group's work takes one grade: each member's submission of it
    if submission.group_key:
        group = Submission.objects.select_for_update().filter(assignment=assignment, group_key=submission.group_key)
        group = list(group.exclude(pk=submission.pk).select_related("participant__user", "assignment").order_by("pk"))
    for each in [submission, *group]:
        _give(each, by=by, score=score, comment=comment, points=points, at=at)
    return submission


def _give(submission: Submission, *, by, score, comment: str, points: dict, at) -> None:
    if not submission.is_graded:
        kind = GradeChange.Kind.GRADED
    elif submission.graded_by_id == by.pk:
        kind = GradeChange.Kind.REGRADED
    else:
        kind = GradeChange.Kind.MODERATED
    submission.score, submission.comment, submission.criteria_scores = score, comment, points
    submission.graded_by, submission.graded_at = by, at
    submission.save(update_fields=["score", "comment", "criteria_scores", "graded_by", "graded_at"])
    change = GradeChange.objects.create(
        submission=submission, kind=kind, score=score, comment=comment, criteria_scores=points, changed_by=by,
        changed_at=at,
    )  # fmt: skip
    assignment = submission.assignment
    notify(
        submission.participant.user,
        "submission_graded",
        {"assignment": assignment, "score": score, "passed": submission.passed},
        dedup_key=f"graded:{change.pk}",
        link=reverse("assessment:assignment", args=[assignment.pk]),
    )


def record_result(*, assignment: Assignment, participant: Participant, score: Decimal, comment: str, by, at=None):
    """A result given elsewhere (the bench's scores of a hearing, practice #18) as the lawyer's graded work of an
    assignment that takes none: their submission is made if it is missing, then graded as any other."""
    if assignment.takes_work:
        raise AssessmentRefused(_("Only a hearing's results are recorded this way."))
    at = at or timezone.now()
    try:
        with transaction.atomic():
            submission, _created = Submission.objects.get_or_create(
                assignment=assignment, participant=participant, defaults={"submitted_at": at}
            )
    except IntegrityError:  # made at the same moment by another request
        submission = Submission.objects.get(assignment=assignment, participant=participant)
    return grade(submission=submission, by=by, score=score, comment=comment, at=at)


# --- reading -----------------------------------------------------------------------------------------
def rubric_points(submission: Submission) -> list[tuple]:
    """Each criterion of the assignment's rubric with the points the submission was given: (criterion, points)."""
    given = submission.criteria_scores or {}
    return [(criterion, given.get(str(criterion.pk))) for criterion in submission.assignment.criteria.all()]


def queue(assignment: Assignment, *, show: str = "", province: str = ""):
    """The assignment's submissions for its grader, ungraded first then by hand-in time: "ungraded", "graded" or
    "late" only, from one province (its code) only."""
    submissions = assignment.submissions.select_related("participant__province", "graded_by")
    if show == "ungraded":
        submissions = submissions.filter(score__isnull=True)
    elif show == "graded":
        submissions = submissions.filter(score__isnull=False)
    elif show == "late":
        submissions = submissions.filter(late=True)
    if province:
        submissions = submissions.filter(participant__province__code=province)
    return submissions.order_by(F("score").asc(nulls_first=True), "submitted_at", "pk")


def queue_counts(assignment: Assignment) -> dict[str, int]:
    """How many lawyers the assignment is set for, have handed in, wait for a grade, and passed."""
    counts = assignment.submissions.aggregate(
        submitted=Count("pk"),
        ungraded=Count("pk", filter=Q(score__isnull=True)),
        late=Count("pk", filter=Q(late=True)),
        passed=Count("pk", filter=Q(score__gte=assignment.pass_mark)),
    )
    admitted = Admission.objects.filter(program=assignment.program_id, state=AdmissionState.ADMITTED)
    if assignment.session_id:
        counts["set_for"] = Enrolment.objects.filter(
            session=assignment.session_id,
            state=EnrolmentState.CONFIRMED,
            participant__in=admitted.values("participant"),
        ).count()
    else:
        counts["set_for"] = admitted.count()
    return counts


def grades_sheet(submissions) -> tuple[list[str], list[list]]:
    """The grades as a spreadsheet: who (never the licence), when, late or not, score, passed, grader, comment."""
    header = [
        _("Name"), _("Name in Latin letters"), _("Province"), _("Law firm"), _("Handed in"), _("Late"), _("Score"),
        _("Passed"), _("Graded by"), _("Comment"),
    ]  # fmt: skip
    rows = [
        [
            s.participant.name_zh,
            s.participant.name_latin,
            str(s.participant.province),
            s.participant.law_firm,
            timezone.localtime(s.submitted_at).strftime("%Y-%m-%d %H:%M"),
            _("Yes") if s.late else "",
            s.score,
            "" if s.score is None else _("Yes") if s.passed else _("No"),
            (s.graded_by.full_name or s.graded_by.email) if s.graded_by else "",
            s.comment,
        ]
        for s in submissions
    ]
    return header, rows


def next_ungraded(submission: Submission) -> Submission | None:
    """The next submission of the same assignment waiting for a grade, in the queue's order."""
    return queue(submission.assignment, show="ungraded").exclude(pk=submission.pk).first()
