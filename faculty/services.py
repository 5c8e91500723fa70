"""Materials: upload (checked by content), versions, deletion, who may read them, and the notices."""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath

import magic
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.tasks import enqueue
from notifications.services import notify
from sessions.models import TrainingSession

from .models import ADMITTED, SEATED, Material, MaterialVersion, Visibility


@dataclass(frozen=True)
class Kind:
    label: str
    extensions: frozenset[str]


# What libmagic says a file is → what we call it and the names it may carry.
KINDS = {
    "application/pdf": Kind("PDF", frozenset({".pdf"})),
    "application/msword": Kind("Word", frozenset({".doc"})),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": Kind("Word", frozenset({".docx"})),
    "application/vnd.ms-powerpoint": Kind("PowerPoint", frozenset({".ppt"})),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": Kind(
        "PowerPoint", frozenset({".pptx"})
    ),
    "application/vnd.ms-excel": Kind("Excel", frozenset({".xls"})),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Kind("Excel", frozenset({".xlsx"})),
    "image/png": Kind("PNG", frozenset({".png"})),
    "image/jpeg": Kind("JPEG", frozenset({".jpg", ".jpeg"})),
    "image/gif": Kind("GIF", frozenset({".gif"})),
    "image/webp": Kind("WebP", frozenset({".webp"})),
    "application/zip": Kind("ZIP", frozenset({".zip"})),
}
# Office documents of 2007 and later are ZIP archives; libmagic may only see the ZIP.
OOXML = {
    ".docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
# Older Office files are OLE2 compound documents: libmagic names the container, the name says which.
OLE2 = {"application/x-ole-storage", "application/CDFV2", "application/vnd.ms-office"}
OLE2_TYPES = {".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint"}
SNIFF_BYTES = 64 * 1024
logger = logging.getLogger(__name__)


class MaterialRefused(ValidationError):
    """An upload or a change the rules do not allow; the message names the file or the field."""


# --- who may do what ------------------------------------------------------------------------
def readable_by(user, session: TrainingSession):
    """The materials of `session` this person may see, newest first."""
    materials = Material.objects.filter(session=session)
    if user.is_authenticated and user.is_administrator:
        return materials
    materials = materials.live()
    if session.is_taught_by(user):
        return materials
    if not user.is_authenticated:
        return materials.none()
    enrolled = session.enrolments.filter(participant__user=user, state=SEATED).exists()
    admitted = enrolled or session.program.admissions.filter(participant__user=user, state=ADMITTED).exists()
    allowed = [Visibility.ENROLLED, Visibility.PROGRAM] if enrolled else [Visibility.PROGRAM] if admitted else []
    return materials.released().filter(visibility__in=allowed)


def may_read(user, material: Material) -> bool:
    return readable_by(user, material.session).filter(pk=material.pk).exists()


# --- checking a file --------------------------------------------------------------------------
def checked_name(name: str) -> str:
    """The uploaded file's name, refused if it carries a path or control characters; NFC, trimmed."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name or name in (".", ".."):
        raise MaterialRefused(_("A file has no name."))
    if "/" in name or "\\" in name:
        raise MaterialRefused(_("“%(name)s”: file names may not contain / or \\.") % {"name": name})
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise MaterialRefused(
            _("“%(name)s”: the file name contains control characters.")
            % {"name": name.encode("unicode_escape").decode()}
        )
    if len(name) > 150:
        path = PurePosixPath(name)
        name = path.stem[: 150 - len(path.suffix)] + path.suffix
    return name


def check_file(upload) -> tuple[str, str]:
    """(the checked name, the content type found by reading the file); refuses what we do not take."""
    name = checked_name(upload.name)
    if upload.size == 0:
        raise MaterialRefused(_("“%(name)s” is empty.") % {"name": name})
    if upload.size > settings.MATERIAL_MAX_BYTES:
        raise MaterialRefused(
            _("“%(name)s” is %(size)s; the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(settings.MATERIAL_MAX_BYTES)}
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    found = magic.from_buffer(head, mime=True)
    suffix = PurePosixPath(name).suffix.lower()
    if found in ("application/zip", "application/octet-stream"):
        found = _ooxml_type(upload) or found
    if found in OLE2 and suffix in OLE2_TYPES:
        found = OLE2_TYPES[suffix]
    kind = KINDS.get(found)
    if kind is None:
        raise MaterialRefused(
            _("“%(name)s” is not a PDF, Word, PowerPoint, Excel, image or ZIP file (its content is %(type)s).")
            % {"name": name, "type": found}
        )
    if suffix not in kind.extensions:
        raise MaterialRefused(
            _("“%(name)s” is a %(kind)s file but its name ends in “%(suffix)s”; rename it to %(expected)s.")
            % {
                "name": name,
                "kind": kind.label,
                "suffix": suffix or "—",
                "expected": " / ".join(sorted(kind.extensions)),
            }
        )
    upload.seek(0)
    return name, found


def _ooxml_type(upload) -> str | None:
    """A Word, Excel or PowerPoint file of 2007 and later, told apart by the folders inside the ZIP."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for folder, kind in OOXML.values() if any(n.startswith(folder) for n in names)), None)


def kind_label(content_type: str) -> str:
    kind = KINDS.get(content_type)
    return kind.label if kind else content_type


# --- writes -----------------------------------------------------------------------------------
def _store(material: Material, upload, name: str, content_type: str, by, number: int) -> MaterialVersion:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    version = MaterialVersion(
        material=material,
        number=number,
        original_name=name,
        size=upload.size,
        content_type=content_type,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )
    version.file.save(name, upload, save=False)  # streams chunk by chunk to the storage
    try:
        version.save()
    except Exception:
        version.file.delete(save=False)
        raise
    return version


def material_upload(
    *,
    session: TrainingSession,
    files,
    by,
    title: str = "",
    description: str = "",
    language: str = "zh",
    visibility: str = Visibility.ENROLLED,
    release_at=None,
    confidential: bool = False,
) -> list[Material]:
    """Post one or several files to a session. Every file is checked before anything is stored."""
    if not session.is_run_by(by):
        raise PermissionDenied
    if not files:
        raise MaterialRefused({"files": _("Choose at least one file.")})
    checked = [(upload, *check_file(upload)) for upload in files]
    materials, stored = [], []
    try:
        with transaction.atomic():
            for upload, name, content_type in checked:
                # One file takes the title given; several are each titled by their file name.
                own_title = title.strip() if len(files) == 1 and title.strip() else PurePosixPath(name).stem
                material = Material.objects.create(
                    session=session,
                    title=own_title[:200],
                    description=description.strip(),
                    language=language,
                    visibility=visibility,
                    release_at=release_at,
                    confidential=confidential,
                    created_by=by,
                )
                stored.append(_store(material, upload, name, content_type, by, number=1))
                materials.append(material)
            _queue_announcement([m.pk for m in materials])
    except Exception:
        for version in stored:
            version.file.delete(save=False)  # the rows are rolled back: leave no file behind
        raise
    return materials


@transaction.atomic
def version_add(*, material: Material, upload, by) -> MaterialVersion:
    """A new file for an existing material; earlier versions stay, for administrators."""
    material = Material.objects.select_for_update().select_related("session").get(pk=material.pk)
    if material.deleted_at or not material.session.is_run_by(by):
        raise PermissionDenied
    name, content_type = check_file(upload)
    number = (material.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = _store(material, upload, name, content_type, by, number=number)
    material.announced_at = None
    material.save(update_fields=["announced_at"])
    _queue_announcement([material.pk])
    return version


@transaction.atomic
def material_delete(*, material: Material, by) -> Material:
    """Faculty delete their own uploads, administrators any; the files stay for administrators."""
    material = Material.objects.select_for_update().select_related("session").get(pk=material.pk)
    own = material.created_by_id == by.pk and material.session.is_run_by(by)
    if not (by.is_administrator or own):
        raise PermissionDenied
    if material.deleted_at is None:
        material.deleted_at, material.deleted_by = timezone.now(), by
        material.save(update_fields=["deleted_at", "deleted_by"])
    return material


# --- notices ----------------------------------------------------------------------------------
def _queue_announcement(material_ids: list[int]) -> None:
    # Once the upload commits; a broker outage: the periodic sweep announces them later.
    enqueue("faculty.tasks.announce_materials", material_ids=material_ids)


def announce(material_ids: list[int]) -> int:
    """Tell each lawyer who may read them, one notice per lawyer and session however many files came
    together. Materials not yet released, deleted or for staff only wait (or are never announced).
    Returns the number of notices."""
    now = timezone.now()
    materials = (
        Material.objects.live()
        .released(now)
        .filter(pk__in=material_ids, announced_at__isnull=True)
        .exclude(visibility=Visibility.STAFF)
        .select_related("session__program")
    )
    by_session: dict[int, list[Material]] = defaultdict(list)
    for material in materials:
        by_session[material.session_id].append(material)
    sent = 0
    for group in by_session.values():
        session = group[0].session
        seated = set(session.enrolments.filter(state=SEATED).values_list("participant__user_id", flat=True))
        # The materials and their latest versions: a new version is news again, the same post is not.
        versions = dict(
            MaterialVersion.objects.filter(material__in=group).values_list("material").annotate(n=Max("number"))
        )
        key = ",".join(f"{m.pk}v{versions.get(m.pk, 1)}" for m in sorted(group, key=lambda m: m.pk))
        for user in _readers(session, seated, everyone=any(m.visibility == Visibility.PROGRAM for m in group)):
            mine = [m for m in group if m.visibility == Visibility.PROGRAM or user.pk in seated]
            notify(
                user,
                "materials_posted",
                {"session": session, "materials": mine},
                dedup_key=f"materials:{session.pk}:{key}:{user.pk}",
                link=reverse("sessions:session_detail", args=[session.program.slug, session.pk]),
            )
            sent += 1
        Material.objects.filter(pk__in=[m.pk for m in group]).update(announced_at=now)
    return sent


def _readers(session: TrainingSession, seated: set[int], *, everyone: bool):
    """The lawyers to tell: those with a seat, or everyone admitted when a material is for the program."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True)
    if everyone:
        return users.filter(participant__admissions__program=session.program, participant__admissions__state=ADMITTED)
    return users.filter(pk__in=seated)


def announce_released() -> int:
    """Materials whose release time has come and that no notice has announced yet."""
    due = Material.objects.live().released().filter(announced_at__isnull=True).exclude(visibility=Visibility.STAFF)
    return announce(list(due.values_list("pk", flat=True)[:500]))
