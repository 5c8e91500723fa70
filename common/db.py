"""What a database error means (PostgreSQL's SQLSTATE behind Django's OperationalError), and statements prepared once
a connection."""

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


# --- prepared statements ------------------------------------------------------------------------------------------
def execute_prepared(cursor, name: str, sql: str, params: list, types: list[str], *, generic: bool = False) -> None:
    """Run `sql` (with `%s` placeholders) on `cursor` as PostgreSQL's prepared statement `name`, prepared once a
    database connection: a statement run at every request of a rush (an enrolment's) is then planned once, not at
    each run (its planning cost more of PostgreSQL's CPU than running it). `types` are its parameters' types in
    PostgreSQL's words. Elsewhere (SQLite) a plain execute. A plan is PostgreSQL's to keep up to date with the
    tables; a statement whose results change shape (a column's type changed under a running process) fails until
    the process restarts, as after any deploy. `generic`: the one plan made for any parameters from the first run
    on (PostgreSQL otherwise plans the first five runs for their values, and keeps doing so while a plan for the
    values looks cheaper than the generic one, however little that saves)."""
    connection = cursor.db
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    if len(params) != len(types):
        raise ValueError(f"{name}: {len(params)} parameters, {len(types)} types")
    raw = connection.connection  # a new connection (CONN_MAX_AGE, a failed health check) has none of them yet
    known = getattr(connection, "_prepared_statements", None)
    if known is None or known[0] is not raw:
        known = connection._prepared_statements = (raw, set())
    if name not in known[1]:
        first, *rest = sql.split("%s")
        numbered = first + "".join(f"${i}{part}" for i, part in enumerate(rest, start=1))
        cursor.execute(f"PREPARE {name} ({', '.join(types)}) AS {numbered.replace('%%', '%')}")
        known[1].add(name)
    execute = f"EXECUTE {name} ({', '.join(['%s'] * len(params))})"
    if generic:  # until the transaction ends (run in one: outside, PostgreSQL ignores it), which only prepared
        execute = f"SET LOCAL plan_cache_mode = force_generic_plan; {execute}"  # statements (ours) heed
    cursor.execute(execute, params)
