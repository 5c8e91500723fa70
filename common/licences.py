"""Lawyers' practising-licence numbers stay out of addresses and log lines.

A licence number is 17 digits (participants/models.py takes any 17; no structure is enforced there, so
none is assumed here), written plainly or grouped as people type it: by single spaces, dashes, or the
no-break and ideographic spaces (and full-width dash) Chinese input methods put between groups. One typed
with a digit missing or extra (16 or 18) still names the lawyer, and an import's error quotes what was
typed, so those count too. Digits that continue a longer number, belong to a decimal (a Celery run time
`0.030145978000655305`, a timestamp `1733291234.123456`) or touch a Latin letter or an underscore (a
certificate's hexadecimal code, a calendar key, a task id) are something else and are left alone; so is a
longer number in groups, unless exactly 17 of its digits make whole groups (a licence followed by a year:
`4403 0120 1101 23456 2025`). Full-width digits count as digits.

- `LicenceFreeQueryMiddleware`: a GET whose query holds such a number (a licence pasted into a
  search box) is sent on to the same page with only its last four digits, which is all the lists
  show and match; the page, its links and the browser's address bar never hold the number.
- `LicenceRedactingFilter`: on the log handlers, every record's message, extra fields and
  traceback lose such numbers (a database error quoting a duplicate key, a request's repr).
"""

import logging
import re
import unicodedata
from urllib.parse import unquote_plus

from django.http import HttpResponseRedirect

# Between groups: a space, a dash, a no-break space (also narrow), the ideographic space, a full-width dash.
_SEP = "[ \\-\u00a0\u202f\u3000\uff0d]"
LICENCE_LIKE = re.compile(
    r"(?<![A-Za-z_])(?<!\d)(?<!\d\.)"  # not after a letter, a digit or a decimal point
    r"(?:\d{16,18}"  # 17 digits (give or take one) in a row, whatever number stands a space away ...
    rf"|(?<!\d{_SEP})\d(?:{_SEP}?\d){{15,17}}(?!{_SEP}?\d)"  # ... or in groups, with no group before or after ...
    rf"|\d(?:{_SEP}?\d){{16}})"  # ... or exactly 17 in whole groups, whatever number stands beside them
    r"(?![A-Za-z_])(?!\d)(?!\.\d)"  # not before a letter, a digit or a decimal's fraction
)


def _digits(match: re.Match) -> str:
    return "".join(str(unicodedata.digit(ch)) for ch in match.group(0) if ch.isdigit())


def holds_licence(text: str) -> bool:
    return bool(LICENCE_LIKE.search(text))


def licence_tail(text: str) -> str:
    """The text with each licence-like number cut to its last four digits (what the lists search by)."""
    return LICENCE_LIKE.sub(lambda m: _digits(m)[-4:], text)


def _marked(match: re.Match) -> str:
    return f"[licence …{_digits(match)[-4:]}]"


def redact_licences(text: str) -> str:
    """The text with each licence-like number replaced by a marker naming its last four digits; a
    number hidden in an address's escapes (`4403+0120…`, full-width `%EF%BC%94…`) is found too, and
    then the line is logged decoded."""
    redacted = LICENCE_LIKE.sub(_marked, text)
    if "%" in redacted or "+" in redacted:
        decoded = unquote_plus(redacted)
        if holds_licence(decoded):
            return LICENCE_LIKE.sub(_marked, decoded)
    return redacted


class LicenceFreeQueryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("QUERY_STRING", "")
        # Sixteen digits at least, even percent-encoded (a full-width digit's escape holds two).
        if request.method in ("GET", "HEAD") and sum(ch.isdigit() for ch in raw) >= 16:
            query = request.GET.copy()
            changed = False
            for key, values in query.lists():
                cut = [licence_tail(value) for value in values]
                if cut != values:
                    query.setlist(key, cut)
                    changed = True
            if changed:
                return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        return self.get_response(request)


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


class LicenceRedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's to report, not ours
            message = str(record.msg)
        redacted = redact_licences(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info:
            # Formatted once, here, so the handler prints the redacted text (JSON formatters would
            # format exc_info again, so it goes).
            record.exc_text = redact_licences(record.exc_text or logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact_licences(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_licences(record.stack_info)
        for name, value in list(vars(record).items()):  # extra fields, which JSON lines print
            if name not in _STANDARD and value is not None:
                text = str(value)
                if holds_licence(text):
                    setattr(record, name, redact_licences(text))
        return True
