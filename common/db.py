"""What a database error means: PostgreSQL's SQLSTATE behind Django's OperationalError."""

from django.db import OperationalError

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled (at statement_timeout, or by hand)
LOCK_NOT_AVAILABLE = "55P03"  # a lock not granted within lock_timeout (WEB_LOCK_TIMEOUT)


def query_cancelled(exception: BaseException | None) -> bool:
    """PostgreSQL cancelled the query (WEB_STATEMENT_TIMEOUT, settings.py)."""
    return _sqlstate(exception) == QUERY_CANCELED


def lock_not_available(exception: BaseException | None) -> bool:
    """PostgreSQL gave up waiting for a lock (WEB_LOCK_TIMEOUT, settings.py): someone else is changing the
    same rows. The services where a person changes something refuse with a message (participants/services.py);
    anywhere else the visitor gets the 503 page, as for a query too slow."""
    return _sqlstate(exception) == LOCK_NOT_AVAILABLE


def _sqlstate(exception: BaseException | None) -> str | None:
    """PostgreSQL's code for the error: Django's OperationalError around the driver's error, which carries it."""
    return getattr(exception.__cause__, "pgcode", None) if isinstance(exception, OperationalError) else None
