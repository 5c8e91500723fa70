"""Naming a stored upload, and serving it as a download to someone the view has checked may have it."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header


def stored_name(folder: str, filename: str) -> str:
    """A name on disk of ours for an upload: its folder, a random name and the (checked) file name's extension."""
    return f"{folder}/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


def attachment(name: str) -> str:
    """An ASCII fallback and the UTF-8 name (RFC 6266), so Chinese names survive every browser."""
    return content_disposition_header(as_attachment=True, filename=name)


def download(stored, *, name: str, content_type: str, size: int) -> HttpResponse:
    """The file under its original name: sent by nginx when MATERIAL_X_ACCEL_PREFIX is set (it serves that internal
    location only when told to), else streamed from the storage."""
    if settings.MATERIAL_X_ACCEL_PREFIX:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MATERIAL_X_ACCEL_PREFIX + stored.name
    else:
        response = FileResponse(stored.open("rb"), content_type=content_type)
        response["Content-Length"] = size
    response["Content-Disposition"] = attachment(name)
    return response
