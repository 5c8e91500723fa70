"""Completion: what a program's rule asks of each lawyer, who meets it, who can no longer, and transcripts."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime

from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from sessions.models import Program, SessionStatus, TrainingSession

from ..models import AdmissionState, Attendance, Enrolment, EnrolmentState, Participant, Progress

# --- completion -----------------------------------------------------------------------------
COMPLETED, AT_RISK, ON_TRACK = "completed", "at_risk", "on_track"


def outcome_labels() -> dict[str, str]:
    """Each outcome as a page names it, in the language of the moment."""
    return {COMPLETED: _("Completed"), AT_RISK: _("At risk"), ON_TRACK: _("On track")}


class Completion:
    """What a program's completion rule asks, and what is still to come, at a moment."""

    def __init__(
        self,
        program: Program,
        at: datetime | None = None,
        *,
        counts: dict[str, int] | None = None,
        coursework: list | None = None,
    ):
        """`counts` (total, upcoming: the program's required sessions, see of_programs) and `coursework` (its
        required assignments) when they are known."""
        self.program = program
        at = at or timezone.now()
        if counts is None:
            counts = _required(program.sessions.all()).aggregate(**_counted(at))
        if coursework is None:
            coursework = list(program.coursework.filter(required=True))
        # Required coursework (assessment, #17) is part of the rule when the program sets any: passed, every piece.
        self.coursework = coursework
        self.requires_coursework = bool(coursework)
        self.required_total = counts["total"]
        self.required_upcoming = counts["upcoming"]
        self.required_needed = math.ceil(program.required_attendance_share * self.required_total)
        self.min_hours = program.min_credit_hours
        self.at = at

    @classmethod
    def of_programs(cls, programs: list[Program], at: datetime | None = None) -> dict[int, Completion]:
        """Each program's Completion by its id, their required sessions and coursework read in two queries."""
        at = at or timezone.now()
        sessions = _required(TrainingSession.objects.filter(program__in=programs))
        counts = {row["program"]: row for row in sessions.values("program").annotate(**_counted(at)).order_by()}
        coursework = {p.pk: [] for p in programs}
        for assignment in _assignments().filter(program__in=programs, required=True):
            coursework[assignment.program_id].append(assignment)
        return {
            p.pk: cls(p, at, counts=counts.get(p.pk, {"total": 0, "upcoming": 0}), coursework=coursework[p.pk])
            for p in programs
        }

    def lawyers(self, *, only: int | None = None):
        """The program's admitted lawyers (`only`: that one), each annotated with attended_required, hours, rate
        (share of required sessions attended, 0–100) and outcome: COMPLETED, AT_RISK (the sessions left can no
        longer bring them to the rule) or ON_TRACK. Read from their stored progress (progress.py): a row a lawyer."""
        lawyers = (
            Participant.objects.filter(
                admissions__program=self.program,
                admissions__state=AdmissionState.ADMITTED,
                # The same program, said of the progress row too: its indexes then serve the sorts by the figures.
                admissions__progress__program=self.program,
            )
            .select_related("province")
            .annotate(
                attended_required=F("admissions__progress__attended_required"),
                hours=F("admissions__progress__credit_hours"),
                short_of_hours_from=F("admissions__progress__short_of_hours_from"),
            )
        )
        if only is not None:
            lawyers = lawyers.filter(pk=only)
        return lawyers.annotate(outcome=self._outcome("pk", only=only), rate=self._rate())

    def _rate(self):
        """The share of required sessions attended (0–100), from the stored figure as attended_required."""
        if self.required_total:
            return ExpressionWrapper(F("attended_required") * 100.0 / self.required_total, output_field=FloatField())
        return Value(100.0)

    def _outcome(self, lawyer: str, *, only: int | None = None) -> Case:
        """COMPLETED, AT_RISK or ON_TRACK at this moment, from the stored figures as attended_required, hours and
        short_of_hours_from, and (when the program requires coursework) the lawyer's coursework: `lawyer` names
        the row's participant id (e.g. "pk", "admission__participant"); `only`, the one lawyer the rows are of,
        when they are one lawyer's (My program, a transcript)."""
        meets = Q(attended_required__gte=self.required_needed, hours__gte=self.min_hours)
        cannot = Q(attended_required__lt=self.required_needed - self.required_upcoming) | Q(
            short_of_hours_from__lte=self.at
        )
        for assignment in self.coursework:
            unpassed, lost = self._coursework(assignment, lawyer, only)
            meets &= ~unpassed
            cannot |= lost
        return Case(When(meets, then=Value(COMPLETED)), When(cannot, then=Value(AT_RISK)), default=Value(ON_TRACK))

    def _coursework(self, assignment, lawyer: str, only: int | None) -> tuple[Q, Q]:
        """One required assignment in the rule, for the row's lawyer (`lawyer` names their id): whether it is set
        for them and not passed; whether they can no longer pass it at this moment (graded below the pass mark:
        graded work is not handed in again; or closed with nothing handed in). A program's assignment is set for
        every lawyer, a session's for those holding a seat in it. Each test is the lawyer's id in a set read once
        a query (PostgreSQL hashes it), not a look-up a row: the completion list of 10,000 lawyers reads each set
        once; for one lawyer's rows (`only`), a look-up of theirs. The assignment's submissions are read through
        its relation (assessment is an app above this one)."""

        def one_of(rows) -> Q:  # the row's lawyer is one of these
            if only is not None:
                return Q(Exists(rows.filter(participant=only)))
            return Q(**{f"{lawyer}__in": rows})

        work = assignment.submissions.values("participant")
        set_for = Q()
        if assignment.session_id is not None:
            seated = Enrolment.objects.filter(session=assignment.session_id, state=EnrolmentState.CONFIRMED)
            set_for = one_of(seated.values("participant"))
        unpassed = set_for & ~one_of(work.filter(score__gte=assignment.pass_mark))
        lost = one_of(work.filter(score__lt=assignment.pass_mark))
        if (assignment.late_until or assignment.due_at) <= self.at:
            lost |= set_for & ~one_of(work)
        return unpassed, lost

    def tally(self) -> dict[str, int]:
        """How many admitted lawyers have each outcome: one pass over the program's progress rows."""
        rows = (
            Progress.objects.filter(program=self.program, admission__state=AdmissionState.ADMITTED)
            .alias(hours=F("credit_hours"))
            .annotate(outcome=self._outcome("admission__participant"))
            .values("outcome")
            .annotate(n=Count("pk"))
            .order_by()
        )
        counts = dict.fromkeys((COMPLETED, AT_RISK, ON_TRACK), 0)
        counts.update({row["outcome"]: row["n"] for row in rows})
        return counts

    def of(self, participant: Participant):
        """One lawyer's figures (None if not admitted)."""
        return self.lawyers(only=participant.pk).first()

    def summary(self, lawyer) -> dict:
        return {
            "attended": lawyer.attended_required,
            "total": self.required_total,
            "needed": self.required_needed,
            "rate": round(lawyer.rate),
            "hours": lawyer.hours,
            "min_hours": self.min_hours,
            "outcome": lawyer.outcome,
        }


def completion_sheet(completion: Completion, lawyers) -> tuple[list[str], Iterator[list]]:
    """Lawyers of completion.lawyers() as a spreadsheet gives them: the header, and a row a lawyer (read in
    chunks: the whole program's list is 10,000 lawyers)."""
    labels = outcome_labels()
    header = [
        _("Name"),
        _("Name in Latin letters"),
        _("Province"),
        _("Law firm"),
        _("Required sessions attended"),
        _("Required sessions"),
        _("Attendance rate (%)"),
        _("Credit hours"),
        _("Outcome"),
    ]
    rows = (
        [
            p.name_zh,
            p.name_latin,
            str(p.province),
            p.law_firm,
            p.attended_required,
            completion.required_total,
            round(p.rate),
            p.hours,
            labels[p.outcome],
        ]
        for p in lawyers.iterator(chunk_size=2000)
    )
    return header, rows


def lawyer_summaries(participant: Participant, programs: list[Program]) -> dict[int, dict]:
    """One lawyer's summary (Completion.summary) in each of `programs` they are admitted to, by program id: three
    queries however many programs, each program's rule applied in SQL as Completion.lawyers applies it. Where the
    rule asks for coursework, the summary says how much of it is passed: "coursework" {"set", "passed"}."""
    completions = Completion.of_programs(programs)
    if not completions:
        return {}
    figures = (
        Progress.objects.filter(
            admission__participant=participant,
            admission__state=AdmissionState.ADMITTED,
            program__in=list(completions),
        )
        .annotate(hours=F("credit_hours"))
        .annotate(
            outcome=Case(
                *(
                    When(program=pk, then=c._outcome("admission__participant", only=participant.pk))
                    for pk, c in completions.items()
                )
            ),
            rate=Case(*(When(program=pk, then=c._rate()) for pk, c in completions.items()), output_field=FloatField()),
        )
    )
    summaries = {row.program_id: completions[row.program_id].summary(row) for row in figures}
    requiring = [pk for pk, completion in completions.items() if completion.requires_coursework and pk in summaries]
    for pk, counted in _coursework_counts(participant, requiring).items():
        summaries[pk]["coursework"] = counted
    return summaries


def _coursework_counts(participant: Participant, programs: list[int]) -> dict[int, dict]:
    """The required assignments set for one lawyer in each of `programs` (by id), and how many of them they have
    passed: {"set", "passed"} by program id, in one query. The same assignments as Completion._coursework's."""
    if not programs:
        return {}
    assignments = _assignments()
    seated = TrainingSession.objects.filter(
        enrolments__participant=participant, enrolments__state=EnrolmentState.CONFIRMED
    )
    passed = assignments.filter(
        pk=OuterRef("pk"), submissions__participant=participant, submissions__score__gte=F("pass_mark")
    )
    rows = (
        assignments.filter(program__in=programs, required=True)
        .filter(Q(session__isnull=True) | Q(session__in=seated))
        .values("program")
        .annotate(set=Count("pk"), passed=Count("pk", filter=Q(Exists(passed))))
        .order_by()
    )
    counts = {pk: {"set": 0, "passed": 0} for pk in programs}
    counts.update({row["program"]: {"set": row["set"], "passed": row["passed"]} for row in rows})
    return counts


def _assignments():
    """Assessment's assignments, through the program's relation to them (assessment is an app above this one)."""
    return Program.coursework.rel.related_model.objects


def _required(sessions):
    return sessions.filter(status=SessionStatus.SCHEDULED, is_required=True)


def _counted(at: datetime) -> dict:
    """How many sessions (total), and how many are still to come (upcoming): not over yet, a lawyer may still
    check in to one running now."""
    return {"total": Count("pk"), "upcoming": Count("pk", filter=Q(ends_at__gt=at))}


def transcript_lines(participant: Participant, program: Program) -> list[dict]:
    """Each session of the program the lawyer held a seat in or was recorded at, oldest first, then their graded
    coursework (a hearing's result included): each line's when, title, kind, status (attendance, or the grade) and
    credit hours."""
    now = timezone.now()
    records = {a.session_id: a for a in Attendance.objects.filter(participant=participant, session__program=program)}
    # The lawyer's own rows, as subqueries: joining the sessions to all their seats and all their attendance
    # and filtering afterwards grew with the square of the program's lawyers (35 s of SQL at 3,000).
    seated = Enrolment.objects.filter(participant=participant, state=EnrolmentState.CONFIRMED).values("session_id")
    sessions = (
        TrainingSession.objects.filter(program=program, status=SessionStatus.SCHEDULED)
        .filter(Q(pk__in=seated) | Q(pk__in=list(records)))
        .order_by("starts_at")
    )
    lines = []
    for session in sessions:
        record = records.get(session.pk)
        if record is not None:
            status = record.get_status_display()
        elif session.starts_at > now:
            status = _("Upcoming")
        else:
            status = _("Not recorded")
        lines.append(
            {
                "when": session.starts_at,
                "title": session.title,
                "kind": _("Required") if session.is_required else _("Elective"),
                "status": status,
                "hours": session.credit_hours if record is not None and record.attended else 0,
            }
        )
    # Coursework (assessment, above this app) read through the relation it declares on Participant.
    graded = participant.submissions.filter(assignment__program=program, score__isnull=False)
    for submission in graded.select_related("assignment").order_by("graded_at", "pk"):
        assignment = submission.assignment
        passed = submission.score >= assignment.pass_mark
        lines.append(
            {
                "when": submission.graded_at,
                "title": assignment.title,
                "kind": _("Coursework (required)") if assignment.required else _("Coursework"),
                "status": _("%(score)s / %(max)s, %(outcome)s")
                % {
                    "score": floatformat(submission.score, -1),
                    "max": floatformat(assignment.max_score, -1),
                    "outcome": _("passed") if passed else _("not passed"),
                },
                "hours": "",
            }
        )
    return lines


def notify_at_risk(*, program: Program, by) -> int:
    """Tell every lawyer who can no longer complete the program; once a day at most. Returns how many."""
    completion = Completion(program)
    today = timezone.localdate().isoformat()
    lawyers = completion.lawyers().filter(outcome=AT_RISK).select_related("user")
    sent = 0
    for lawyer in lawyers:
        notify(
            lawyer.user,
            "completion_at_risk",
            {"program": program, **completion.summary(lawyer)},
            dedup_key=f"completion-at-risk:{program.pk}:{lawyer.pk}:{today}",
            link=reverse("participants:my_program"),
        )
        sent += 1
    return sent
