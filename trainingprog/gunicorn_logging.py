"""gunicorn's access log without the secrets some addresses carry (invitation, reset and calendar
tokens) and without lawyers' licence numbers (typed into a search box, say)."""

import re

from gunicorn.glogging import Logger

from common.licences import redact_licences

SECRET_IN_PATH = re.compile(r"(/accounts/activate/|/accounts/password/reset/[^/\s]+/|/calendar/)(?!reset/)[^/\s?]+")
SECRET_IN_QUERY = re.compile(r"((?:^|[?&])key=)[^&\s]+")


def redact(text: str) -> str:
    return redact_licences(SECRET_IN_QUERY.sub(r"\1[redacted]", SECRET_IN_PATH.sub(r"\1[redacted]", text)))


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q"):
            if atoms.get(key):
                atoms[key] = redact(atoms[key])
        return atoms
