"""The faculty portal (own sessions, profile, rosters) and session materials (upload, versions, download)."""

from collections import Counter, defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import administrator_required, role_required
from accounts.roles import Role
from common import files
from common.exports import spreadsheet_response
from common.panels import collect_panels
from sessions import timetable
from sessions.models import Faculty, TrainingSession

from . import services
from .forms import FacultyProfileForm, MaterialForm, VersionForm
from .models import SEATED, Material, MaterialVersion
from .watermark import WatermarkFailed, watermarked


# --- the portal -----------------------------------------------------------------------------
@role_required(Role.FACULTY)
def portal(request):
    """A faculty member's sessions, upcoming first, with room, time, co-faculty and who is coming."""
    person = Faculty.objects.filter(user=request.user).first()
    sessions = (
        TrainingSession.objects.filter(assignments__faculty__user=request.user)
        .select_related("program", "venue", "topic")
        .prefetch_related(timetable.ASSIGNMENTS)
        .annotate(material_count=Count("materials", filter=Q(materials__deleted_at__isnull=True), distinct=True))
        .order_by("starts_at")
    )
    sessions = list(sessions)
    provinces = defaultdict(Counter)
    name = "name_en" if translation.get_language() == "en" else "short_zh"
    for session_id, province in TrainingSession.objects.filter(
        pk__in=[s.pk for s in sessions], enrolments__state=SEATED
    ).values_list("pk", f"enrolments__participant__province__{name}"):
        provinces[session_id][province] += 1
    now = timezone.now()
    for session in sessions:
        session.provinces = provinces[session.pk].most_common(6)
        session.province_count = len(provinces[session.pk])
    context = {
        "person": person,
        "upcoming": [s for s in sessions if s.ends_at > now],
        "past": [s for s in sessions if s.ends_at <= now][::-1],
        "panels": collect_panels("faculty_portal_panels", request, faculty=person),
    }
    return render(request, "faculty/portal.html", context)


@role_required(Role.FACULTY)
def profile(request):
    person = get_object_or_404(Faculty, user=request.user)
    form = FacultyProfileForm(request.POST or None, request.FILES or None, instance=person)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("faculty:portal")
    return render(request, "faculty/profile.html", {"form": form, "person": person})


def _managed_session(request, pk) -> TrainingSession:
    session = get_object_or_404(TrainingSession.objects.select_related("program", "venue"), pk=pk)
    if not session.is_run_by(request.user):
        raise PermissionDenied
    return session


@login_required
def roster(request, pk, fmt):
    """The session's confirmed lawyers for its faculty: names, province, firm; never licence numbers."""
    session = _managed_session(request, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    seats = session.enrolments.filter(state=SEATED).select_related("participant__province")
    header = [_("Name"), _("Name in Latin letters"), _("Province"), _("City"), _("Law firm")]
    rows = [
        [
            e.participant.name_zh,
            e.participant.name_latin,
            str(e.participant.province),
            e.participant.city,
            e.participant.law_firm,
        ]
        for e in seats.order_by("participant__province__code", "participant__name_latin")
    ]
    return spreadsheet_response(filename=f"roster-{session.pk}", fmt=fmt, header=header, rows=rows)


# --- materials ------------------------------------------------------------------------------
@login_required
def session_materials(request, pk):
    """Upload, replace and delete the session's materials (its faculty and administrators)."""
    session = _managed_session(request, pk)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            posted = services.material_upload(
                session=session,
                files=data["files"],
                by=request.user,
                title=data["title"],
                description=data["description"],
                language=data["language"],
                visibility=data["visibility"],
                release_at=data["release_at"],
                confidential=data["confidential"],
            )
        except services.MaterialRefused as refusal:
            form.add_error("files", refusal.messages[0])
        else:
            messages.success(request, _("%(count)s files are posted.") % {"count": len(posted)})
            return redirect("faculty:session_materials", session.pk)
    materials = (
        Material.objects.filter(session=session)
        .prefetch_related(Prefetch("versions", queryset=MaterialVersion.objects.select_related("uploaded_by")))
        .select_related("created_by")
    )
    if not request.user.is_administrator:
        materials = materials.live()
    context = {"session": session, "form": form, "materials": materials, "version_form": VersionForm()}
    return render(request, "faculty/session_materials.html", context)


@login_required
@require_POST
def material_version(request, pk):
    material = _readable_or_404(request.user, Material.objects.select_related("session__program"), pk)
    if not material.session.is_run_by(request.user):
        raise PermissionDenied
    form = VersionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the file of the new version."))
    else:
        try:
            version = services.version_add(material=material, upload=form.cleaned_data["file"], by=request.user)
        except services.MaterialRefused as refusal:
            messages.error(request, refusal.messages[0])
        else:
            messages.success(request, _("Version %(number)s is posted.") % {"number": version.number})
    return redirect("faculty:session_materials", material.session_id)


@login_required
@require_POST
def material_delete(request, pk):
    material = _readable_or_404(request.user, Material.objects.select_related("session__program"), pk)
    services.material_delete(material=material, by=request.user)
    messages.success(request, _("“%(title)s” is deleted; administrators keep a copy.") % {"title": material.title})
    return redirect("faculty:session_materials", material.session_id)


def _readable_or_404(user, materials, pk) -> Material:
    """The material if `user` may read it; 404 alike for "not yours" and "not there": ids tell nothing."""
    material = get_object_or_404(materials, pk=pk)
    if not services.may_read(user, material):
        raise Http404
    return material


@login_required
def download(request, pk):
    """The latest version of a material, for whoever may read it; confidential PDFs carry the reader."""
    material = _readable_or_404(request.user, Material.objects.select_related("session__program"), pk)
    version = material.versions.first()
    if version is None:
        raise Http404
    return _file_response(request, material, version)


@administrator_required
def version_download(request, pk):
    """Any version, for administrators (earlier ones and deleted materials are kept for them)."""
    version = get_object_or_404(MaterialVersion.objects.select_related("material__session"), pk=pk)
    return _file_response(request, version.material, version)


def _file_response(request, material: Material, version: MaterialVersion):
    reader = getattr(request.user, "participant", None) if request.user.is_participant else None
    if material.confidential and version.content_type == "application/pdf" and reader is not None:
        stamp = _("%(name)s · licence …%(tail)s · %(date)s · confidential") % {
            "name": reader.name_zh,
            "tail": reader.license_number[-4:],
            "date": timezone.localdate().isoformat(),
        }
        try:
            with version.file.open("rb") as source:
                body = watermarked(source, stamp)
        except WatermarkFailed:
            message = _("This confidential file cannot be prepared; the program office can help.")
            return HttpResponse(message, status=503)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = files.attachment(version.original_name)
        return response
    return files.download(
        version.file, name=version.original_name, content_type=version.content_type, size=version.size
    )
