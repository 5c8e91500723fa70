"""The provinces' pages: a coordinator's list for a program (nominate, submit, their lawyers' progress), and the
office's view of each province's list (approve or return each nominee, invite coordinators)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.permissions import administrator_required
from common.exports import spreadsheet_response
from common.forms import add_refusal
from common.licences import licence_tail
from common.params import pk_from
from participants import importing
from participants.forms import UploadForm
from participants.models import Participant, Province
from participants.services import Completion, completion_sheet, outcome_labels, specialties
from sessions.models import Program, ProgramStatus

from . import services
from .forms import NewLawyerForm
from .models import Coordinator, Nomination, NominationRound, NominationState
from .permissions import coordinator_required


def _nominating():
    """The programs a province nominates for: those with a nomination round, drafts aside."""
    return (
        Program.objects.exclude(status=ProgramStatus.DRAFT)
        .filter(nomination_round__isnull=False)
        .order_by("-starts_on")
    )


# --- the coordinator ------------------------------------------------------------------------------
@coordinator_required
def home(request, province):
    programs = list(_nominating())
    if len(programs) == 1:
        return redirect("nominations:province", programs[0].slug)
    return render(request, "nominations/home.html", {"province": province, "programs": programs})


@coordinator_required
def province_page(request, slug, province):
    program = get_object_or_404(_nominating(), slug=slug)
    export = _province_export(program, province, request.GET.get("export"))
    if export is not None:
        return export
    query = request.GET.get("q", "")
    context = _province_context(program, province, query=query, page=request.GET.get("page"))
    return render(request, "nominations/province.html", context)


def _province_export(program: Program, province: Province, what: str | None):
    """The province's page as a spreadsheet: its lawyers' progress ("xlsx") or its list ("list"); None otherwise."""
    stem = f"{program.slug}-{province.code}"
    if what == "xlsx":
        completion = Completion(program)
        lawyers = completion.lawyers().filter(province=province).order_by("name_latin", "name_zh", "pk")
        header, rows = completion_sheet(completion, lawyers)
        return spreadsheet_response(filename=f"{stem}-progress", fmt="xlsx", header=header, rows=rows)
    if what == "list":
        header = [_("State"), _("Order"), _("Name"), _("Name in Latin letters"), _("Law firm"),
                  _("Licence, last four digits"), _("Reason"), _("Nominated")]  # fmt: skip
        rows = [
            [
                nomination.get_state_display(),
                nomination.rank,
                nomination.participant.name_zh,
                nomination.participant.name_latin,
                nomination.participant.law_firm,
                licence_tail(nomination.participant.license_number),
                nomination.reason,
                timezone.localtime(nomination.created_at).strftime("%Y-%m-%d %H:%M"),
            ]
            for state, group in services.nominations_of(program, province).items()
            for nomination in group
        ]
        return spreadsheet_response(filename=f"{stem}-list", fmt="xlsx", header=header, rows=rows)
    return None


# The list as the province reads it: within the quota, approved, returned, then the reserves in order.
SHOWN = (NominationState.NOMINATED, NominationState.APPROVED, NominationState.RETURNED, NominationState.RESERVE)
LAWYERS_A_PAGE = 100


def _province_context(program: Program, province: Province, *, query: str = "", page=None) -> dict:
    used, seats = services.places(program, province)
    completion = Completion(program)
    lawyers = completion.lawyers().filter(province=province).order_by("name_latin", "name_zh", "pk")
    nominated = services.nominations_of(program, province)
    on_list = {n.participant_id for group in nominated.values() for n in group if n.state in services.LIVE}
    found = services.search_lawyers(province, query)
    groups = [(state, nominated[state]) for state in SHOWN]
    province_list = services.province_list(program, province)
    round_ = NominationRound.objects.filter(program=program).first()
    return {
        "program": program,
        "province": province,
        "round": round_,
        "list": province_list,
        "may_edit": round_ is not None and round_.is_open() and province_list.state in services.EDITABLE,
        "reserves": nominated[NominationState.RESERVE],
        "waiting": nominated[NominationState.NOMINATED],
        "frozen": round_ is None or round_.is_frozen(),
        "sent": services.SENT,
        "substitutable": services.REPLACEABLE,
        "groups": groups,
        "any_nominee": any(group for _state, group in groups),
        "used": used,
        "seats": seats,
        "query": query,
        "found": [(lawyer, lawyer.pk in on_list) for lawyer in found],
        "page": Paginator(lawyers, LAWYERS_A_PAGE).get_page(page),
        "completion": completion,
        "outcomes": outcome_labels(),
        "certificates": program.certificates.filter(participant__province=province, revoked_at__isnull=True).count(),
    }


@coordinator_required
@require_POST
def nominate(request, slug, province):
    program = get_object_or_404(_nominating(), slug=slug)
    lawyer = get_object_or_404(Participant, pk=pk_from(request.POST.get("participant")), province=province)
    try:
        nomination = services.nominate(program=program, province=province, participant=lawyer, by=request.user)
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
    else:
        _say_nominated(request, nomination)
    back = reverse("nominations:province", args=[program.slug])  # to the same search: the next lawyer of it
    query = request.POST.get("q", "").strip()
    return redirect(f"{back}?{urlencode({'q': query})}" if query else back)


def _say_nominated(request, nomination: Nomination) -> None:
    name = nomination.participant.name_zh
    if nomination.state == NominationState.RESERVE:
        message = _("%(name)s is reserve number %(rank)s: the quota is used.")
        messages.warning(request, message % {"name": name, "rank": nomination.rank})
    else:
        messages.success(request, _("%(name)s is nominated.") % {"name": name})


@coordinator_required
@require_POST
def submit(request, slug, province):
    program = get_object_or_404(_nominating(), slug=slug)
    try:
        services.list_submit(program=program, province=province, by=request.user)
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(request, _("The list is submitted to the program office."))
    return redirect("nominations:province", program.slug)


# --- the office -----------------------------------------------------------------------------------
class InviteForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail address"))


@administrator_required
def office_province(request, slug, code):
    program = get_object_or_404(Program, slug=slug)
    province = get_object_or_404(Province, code=code)
    export = _province_export(program, province, request.GET.get("export"))
    if export is not None:
        return export
    form = InviteForm()
    if request.method == "POST":
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                services.coordinator_invite(
                    province=province,
                    email=form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    by=request.user,
                )
            except ValidationError as refusal:
                add_refusal(form, refusal)
            else:
                messages.success(request, _("The invitation is on its way."))
                return redirect("nominations:office_province", program.slug, province.code)
    context = {
        **_province_context(program, province, page=request.GET.get("page")),
        "coordinators": Coordinator.objects.filter(province=province).select_related("user"),
        "form": form,
    }
    return render(request, "nominations/office_province.html", context)


@administrator_required
@require_POST
def decide(request, pk):
    nomination = get_object_or_404(Nomination.objects.select_related("program", "province", "participant"), pk=pk)
    try:
        if request.POST.get("action") == "approve":
            services.nomination_approve(nomination=nomination, by=request.user)
            messages.success(request, _("%(name)s is admitted.") % {"name": nomination.participant.name_zh})
        else:
            services.nomination_return(nomination=nomination, reason=request.POST.get("reason", ""), by=request.user)
            messages.success(
                request, _("%(name)s is returned to the province.") % {"name": nomination.participant.name_zh}
            )
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
    return redirect("nominations:office_province", nomination.program.slug, nomination.province.code)


@administrator_required
def office_provinces(request, slug):
    """The 34 provinces of a program: quota, their lists' state and counts, their lawyers admitted and completed."""
    program = get_object_or_404(Program, slug=slug)
    lines = services.provinces_table(program)
    totals = {
        field: sum(getattr(line, field) for line in lines)
        for field in ("nominated", "reserves", "returned", "admitted", "completed", "at_risk")
    }
    waiting = sum(1 for line in lines if line.seats and line.state not in services.WITH_OFFICE)
    context = {"program": program, "lines": lines, "totals": totals, "waiting": waiting}
    return render(request, "nominations/office_provinces.html", context)


@login_required
@require_POST
def substitute(request, pk):
    """A reserve of the list takes the place of a nominee who withdrew: the province's coordinator (until the
    round's freeze; the service says so after it) or the office."""
    nomination = get_object_or_404(Nomination.objects.select_related("program", "province", "participant"), pk=pk)
    office = request.user.is_administrator
    if not office and not Coordinator.objects.filter(user=request.user, province=nomination.province_id).exists():
        raise PermissionDenied
    reserve = get_object_or_404(
        Nomination, pk=pk_from(request.POST.get("reserve")), program=nomination.program, province=nomination.province
    )
    try:
        replacement = services.substitute(
            nomination=nomination, reserve=reserve, reason=request.POST.get("reason", ""), by=request.user
        )
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(
            request,
            _("%(replacement)s takes the place of %(replaced)s.")
            % {"replacement": replacement.participant.name_zh, "replaced": nomination.participant.name_zh},
        )
    if office:
        return redirect("nominations:office_province", nomination.program.slug, nomination.province.code)
    return redirect("nominations:province", nomination.program.slug)


@administrator_required
@require_POST
def return_list(request, slug, code):
    """The office returns every nominee of a province's list still waiting for approval, with one reason."""
    program = get_object_or_404(Program, slug=slug)
    province = get_object_or_404(Province, code=code)
    try:
        returned = services.list_return(
            program=program, province=province, reason=request.POST.get("reason", ""), by=request.user
        )
    except ValidationError as refusal:
        messages.error(request, refusal.messages[0])
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s nominee is returned to the province.",
                "%(count)s nominees are returned to the province.",
                len(returned),
            )
            % {"count": len(returned)},
        )
    return redirect("nominations:office_province", program.slug, province.code)


@coordinator_required
def new_lawyer(request, slug, province):
    """A lawyer the office does not know yet: the coordinator enters their profile and nominates them."""
    program = get_object_or_404(_nominating(), slug=slug)
    form = NewLawyerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        profile = {field: form.cleaned_data[field] for field in NewLawyerForm.Meta.fields}
        try:
            nomination = services.nominate_new(
                program=program, province=province, profile=profile, email=form.cleaned_data["email"], by=request.user
            )
        except ValidationError as refusal:
            add_refusal(form, refusal)
        else:
            _say_nominated(request, nomination)
            return redirect("nominations:province", program.slug)
    return render(request, "nominations/new_lawyer.html", {"program": program, "province": province, "form": form})


@coordinator_required
def upload(request, slug, province):
    """The province's list as a file: every row nominated in its order, or each row's problems and nothing done."""
    program = get_object_or_404(_nominating(), slug=slug)
    if request.GET.get("blank") == "xlsx":  # the columns to fill, in Chinese as the office's lists have them
        header = [names[0] for names in importing.COLUMNS.values()]
        return spreadsheet_response(filename=f"{program.slug}-{province.code}", fmt="xlsx", header=header, rows=[])
    form = UploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            data, name = importing.read_upload(form.cleaned_data["file"])
            uploaded = services.nominate_from_file(
                program=program, province=province, data=data, filename=name, by=request.user
            )
        except (importing.ImportFileError, services.NominationRefused) as refusal:
            form.add_error("file", refusal.messages[0] if isinstance(refusal, ValidationError) else str(refusal))
        except services.UploadRefused as refusal:
            problems = refusal.problems
        else:
            messages.success(request, _say_uploaded(uploaded))
            return redirect("nominations:province", program.slug)
    context = {
        "program": program,
        "province": province,
        "form": form,
        "problems": problems,
        "problem_rows": len({problem.row for problem in problems}),
        "limit": services.UPLOAD_MAX_ROWS,
        "columns": importing.column_names(),
        "specialties": specialties.known(),
    }
    return render(request, "nominations/upload.html", context)


def _say_uploaded(uploaded: services.Uploaded) -> str:
    parts = [
        ngettext("%(count)s lawyer nominated", "%(count)s lawyers nominated", uploaded.nominated),
        ngettext("%(count)s reserve", "%(count)s reserves", uploaded.reserves),
        ngettext("%(count)s already on the list", "%(count)s already on the list", uploaded.already),
    ]
    counts = (uploaded.nominated, uploaded.reserves, uploaded.already)
    said = [part % {"count": count} for part, count in zip(parts, counts, strict=True) if count]
    return _("From the file: %(counts)s.") % {"counts": _("; ").join(said) or _("nothing new")}
