"""Requests whose address or form holds a NUL character are refused with a 400: no text of ours may
contain one (PostgreSQL neither stores nor compares it), so no view has to guard its look-ups."""

from django.core.exceptions import BadRequest

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _in_pairs(data) -> bool:
    return any(NUL in key or any(NUL in str(value) for value in values) for key, values in data.lists())


def holds_nul(request) -> bool:
    if NUL in request.path or _in_pairs(request.GET):
        return True
    if request.method == "POST" and request.content_type in FORM_TYPES:
        if _in_pairs(request.POST):
            return True
        return any(NUL in (upload.name or "") for _name, uploads in request.FILES.lists() for upload in uploads)
    return False


class RejectNullCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if holds_nul(request):
            raise BadRequest("a null character in the request")  # answered by the 400 page; logged without it
        return self.get_response(request)
