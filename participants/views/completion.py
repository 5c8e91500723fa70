"""Completion: everyone's figures for administrators, attendance reports, and transcripts."""

from collections import defaultdict

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import administrator_required, role_required
from accounts.roles import Role
from common.exports import spreadsheet_response
from common.stencil import Stencil
from sessions.models import Program, SessionStatus

from .. import services
from ..models import Attendance, AttendanceStatus, Enrolment, EnrolmentState, Participant, Province
from ..pdfs import transcript
from ..provinces import PROVINCES, province_name

# The lowest first for the figures: the lawyers who need attention come to the top. The id last: names repeat,
# and pages of an order with ties would show some lawyers twice and others never.
SORTS = {
    "name": ("name_latin", "name_zh", "pk"),
    "province": ("province__code", "name_latin", "name_zh", "pk"),
    "rate": ("attended_required", "name_latin", "name_zh", "pk"),
    "hours": ("hours", "name_latin", "name_zh", "pk"),
}
PAGE_ROWS = 100


class Rows:
    """The completion list's rows, from stencils (common/stencil.py): one for each outcome, filled in with each
    lawyer's values. Figures are formatted as the template's filters do, once for each value."""

    COLUMNS = ("pk", "name_zh", "name_latin", "province__code", "attended_required", "hours", "rate", "outcome")
    FIELDS = ("name_zh", "name_latin", "province", "attended", "rate", "hours", "transcript")

    def __init__(self, program: Program, completion: services.Completion, labels: dict[str, str]):
        self.context = {"program": program, "completion": completion}
        self.labels = labels
        self.stencils: dict[str, Stencil] = {}
        # One reverse a page: the lawyer's id goes between its two halves.
        self.transcript = reverse("participants:lawyer_transcript", args=[program.slug, 0, "pdf"]).rsplit("/0/", 1)
        self.rates: dict[float, str] = {}
        self.hours: dict[object, str] = {}

    def html(self, values: tuple) -> str:
        pk, name_zh, name_latin, code, attended, hours, rate, outcome = values
        if outcome not in self.stencils:
            context = {**self.context, "outcome": outcome, "outcome_label": self.labels[outcome]}
            self.stencils[outcome] = Stencil("participants/manage/_completion_row.html", context, self.FIELDS)
        if rate not in self.rates:
            self.rates[rate] = floatformat(rate, 0)
        if hours not in self.hours:
            self.hours[hours] = floatformat(hours, "-1")
        head, tail = self.transcript
        return self.stencils[outcome].fill(
            {
                "name_zh": name_zh,
                "name_latin": name_latin,
                "province": province_name(code),
                "attended": attended,
                "rate": self.rates[rate],
                "hours": self.hours[hours],
                "transcript": f"{head}/{pk}/{tail}",
            }
        )


@administrator_required
def completion_list(request, slug):
    """Every admitted lawyer's attendance, credit hours and outcome; filter, sort, export, notify."""
    program = get_object_or_404(Program, slug=slug)
    completion = services.Completion(program)
    lawyers = completion.lawyers()
    province = request.GET.get("province", "")
    if province:
        lawyers = lawyers.filter(province__code=province)
    outcome = request.GET.get("outcome", "")
    if outcome in (services.COMPLETED, services.AT_RISK, services.ON_TRACK):
        lawyers = lawyers.filter(outcome=outcome)
    query = request.GET.get("q", "").strip()
    if query:
        lawyers = lawyers.filter(Q(name_zh__icontains=query) | Q(name_latin__icontains=query))
    sort = request.GET.get("sort", "name")
    lawyers = lawyers.order_by(*SORTS.get(sort, SORTS["name"]))
    labels = services.outcome_labels()
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        header, rows = services.completion_sheet(completion, lawyers)
        return spreadsheet_response(filename=f"completion-{program.slug}", fmt=fmt, header=header, rows=rows)
    tally = completion.tally()
    paginator = Paginator(lawyers.values_list(*Rows.COLUMNS), PAGE_ROWS)
    if not (province or query):  # the tally has counted them already
        paginator.count = tally[outcome] if outcome in tally else sum(tally.values())
    page = paginator.get_page(request.GET.get("page"))
    rows = Rows(program, completion, labels)
    context = {
        "program": program,
        "completion": completion,
        "page": page,
        "rows": [rows.html(values) for values in page.object_list],
        "provinces": [(code, province_name(code)) for code, *_names in PROVINCES],
        "province": province,
        "outcome": outcome,
        "outcomes": labels,
        "tally": tally,
        "sort": sort,
        "query": query,
    }
    return render(request, "participants/manage/completion.html", context)


@administrator_required
@require_POST
def completion_notify(request, slug):
    program = get_object_or_404(Program, slug=slug)
    sent = services.notify_at_risk(program=program, by=request.user)
    messages.success(request, _("%(count)s lawyers at risk were told (at most once a day each).") % {"count": sent})
    return redirect("participants:completion", program.slug)


@administrator_required
def attendance_report(request, slug):
    """Attendance by session and by province, with exports."""
    program = get_object_or_404(Program, slug=slug)
    sessions = list(program.sessions.filter(status=SessionStatus.SCHEDULED).order_by("starts_at"))
    seats = dict(
        Enrolment.objects.filter(session__in=sessions, state=EnrolmentState.CONFIRMED)
        .values_list("session")
        .annotate(n=Count("pk"))
        .values_list("session", "n")
    )
    marks = defaultdict(dict)
    for session_id, status, n in (
        Attendance.objects.filter(session__in=sessions).values_list("session", "status").annotate(n=Count("pk"))
    ):
        marks[session_id][status] = n
    by_session = []
    for session in sessions:
        counts = marks[session.pk]
        attended = counts.get(AttendanceStatus.PRESENT, 0) + counts.get(AttendanceStatus.LATE, 0)
        held = seats.get(session.pk, 0)
        by_session.append(
            {
                "session": session,
                "seats": held,
                **{status: counts.get(status, 0) for status in AttendanceStatus.values},
                "unrecorded": max(held - sum(counts.values()), 0),
                "rate": round(100 * attended / held) if held else None,
            }
        )
    completion = services.Completion(program)
    by_province = defaultdict(lambda: {"lawyers": 0, services.COMPLETED: 0, services.AT_RISK: 0})
    for province_id, outcome in completion.lawyers().order_by().values_list("province", "outcome"):
        by_province[province_id]["lawyers"] += 1
        if outcome != services.ON_TRACK:
            by_province[province_id][outcome] += 1
    provinces = [(p, by_province[p.pk]) for p in Province.objects.filter(pk__in=by_province)]
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        header = [_("Start"), _("Session"), _("Seats"), *AttendanceStatus.labels, _("Not recorded"), _("Rate (%)")]
        rows = [
            [
                line["session"].starts_at.isoformat(),
                line["session"].title,
                line["seats"],
                *(line[s] for s in AttendanceStatus.values),
                line["unrecorded"],
                line["rate"] or "",
            ]
            for line in by_session
        ]
        return spreadsheet_response(filename=f"attendance-{program.slug}", fmt=fmt, header=header, rows=rows)
    context = {"program": program, "by_session": by_session, "provinces": provinces, "completion": completion}
    return render(request, "participants/manage/attendance_report.html", context)


def _transcript_response(participant: Participant, program: Program, fmt: str) -> HttpResponse:
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    completion = services.Completion(program)
    lawyer = completion.of(participant)
    if lawyer is None:
        raise Http404
    lines = services.transcript_lines(participant, program)
    summary = completion.summary(lawyer)
    filename = f"transcript-{program.slug}-{participant.pk}"
    if fmt == "pdf":
        response = HttpResponse(transcript(participant, program, lines, summary), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
        return response
    header = [_("Start"), _("Session or coursework"), _("Kind"), _("Attendance or grade"), _("Credit hours")]
    rows = [[line["when"].isoformat(), line["title"], line["kind"], line["status"], line["hours"]] for line in lines]
    return spreadsheet_response(filename=filename, fmt="xlsx", header=header, rows=rows)


@role_required(Role.PARTICIPANT)
def my_transcript(request, slug, fmt):
    participant = get_object_or_404(Participant.objects.select_related("province"), user=request.user)
    program = get_object_or_404(Program.objects.visible_to(request.user), slug=slug)
    return _transcript_response(participant, program, fmt)


@administrator_required
def lawyer_transcript(request, slug, pk, fmt):
    participant = get_object_or_404(Participant.objects.select_related("province"), pk=pk)
    program = get_object_or_404(Program, slug=slug)
    return _transcript_response(participant, program, fmt)
