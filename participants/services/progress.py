"""Stored progress: one row a lawyer and program (models.Progress) holds their figures, so that every page
reading them (the completion list and its tally, My program, transcripts, certificates' eligibility) reads one
row a lawyer instead of aggregating the program's attendance.

Three figures, none of which changes by itself as time passes:
- `attended_required`: required sessions attended (present or late), of the program's scheduled sessions;
- `credit_hours`: credit hours of the scheduled sessions attended;
- `short_of_hours_from`: from which moment the lawyer's hours, with those of the seats still to come, fall
  short of the program's minimum: the end of the seat after which too few hours are left (`ALWAYS` if even
  every seat held would not do; NULL if the minimum is reached). Seats count as to come until their session
  ends, as Completion counts them.

Every writer of their sources calls `refresh` for the lawyers it changed, in its own transaction: attendance,
seats (enrolment, cancellation, promotion, moves, required seats), admission, and the sessions and rule
changes (receivers.py). `refresh` recomputes the figures from the source rows in one statement, so a refreshed
row is always what a fresh computation gives; `rebuild` does it for a whole program (`manage.py
rebuild_progress`); `refresh_new` for an import's new lawyers, who are all alike (no attendance, the same
required seats), computes one and gives the others its figures.

Locks: a change writes progress rows after every other lock it takes (sessions, seat locks, attendance rows),
and the rows of several lawyers in one order (`_LOCK`, in the same statement); so a change holding a progress row
waits for nothing but other progress rows, taken in that order, and no two changes deadlock over them. The table
has no foreign-key constraints in the database for the same reason (models.Progress).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from django.db import connection
from django.db.models import QuerySet

from common.bulk import ids_in
from common.db import execute_prepared
from sessions.models import Program, SessionStatus, TrainingSession

from ..models import ATTENDED, Admission, Attendance, Enrolment, EnrolmentState, Progress

# Short of hours whatever happens: before any moment a page asks about.
ALWAYS = datetime(1970, 1, 1, tzinfo=UTC)

_SQL = """
WITH {lock}scope AS (
    SELECT id, program_id, participant_id FROM {admission} WHERE program_id = %(program)s {only} {after_lock}
),
figures AS (
    -- Each lawyer drives the reading of their own rows (an index look-up a lawyer when the planner expects few,
    -- a hash join when many), so that no estimate of how many lawyers an import has just written (none, before
    -- its commit) can make it pair every lawyer with every other's rows.
    SELECT scope.id, scope.program_id, scope.participant_id,
           SUM(CASE WHEN s.is_required THEN 1 ELSE 0 END) AS required,
           COALESCE(SUM(s.credit_hours), 0) AS hours
    FROM scope
    LEFT JOIN ({attendance} a JOIN {session} s
               ON s.id = a.session_id AND s.program_id = %(program)s AND s.status = %(scheduled)s)
           ON a.participant_id = scope.participant_id AND a.status IN (%(present)s, %(late)s)
    GROUP BY scope.id, scope.program_id, scope.participant_id
),
seats AS (
    -- Each seat of a lawyer short of the minimum, with the hours of their seats ending with it or later (one row
    -- of nothing for a lawyer short of it with no seat).
    SELECT f.id, f.program_id, f.required, f.hours, s.ends_at,
           SUM(s.credit_hours) OVER (PARTITION BY f.id ORDER BY s.ends_at DESC) AS from_here
    FROM figures f
    LEFT JOIN ({enrolment} e JOIN {session} s
               ON s.id = e.session_id AND s.program_id = %(program)s AND s.status = %(scheduled)s)
           ON e.participant_id = f.participant_id AND e.state = %(confirmed)s AND f.hours < {minimum}
)
INSERT INTO {progress} (admission_id, program_id, attended_required, credit_hours, short_of_hours_from)
SELECT id, program_id, COALESCE(required, 0), hours,
       -- The latest end from which the seats ending then or later still hold the hours missing: once it has
       -- passed, the seats left (those ending after it) no longer do; none such: short whatever happens.
       CASE WHEN hours >= {minimum} THEN NULL
            ELSE COALESCE(MAX(CASE WHEN from_here >= {minimum} - hours THEN ends_at END), %(always)s) END
FROM seats
WHERE TRUE
GROUP BY id, program_id, required, hours
ON CONFLICT (admission_id) DO UPDATE SET
    attended_required = excluded.attended_required,
    credit_hours = excluded.credit_hours,
    short_of_hours_from = excluded.short_of_hours_from
"""


# On PostgreSQL, the rows about to be written are locked first, in one order (the scope waits for the lock's
# count: an init plan, run once before it), so that changes writing several lawyers' rows never deadlock.
_LOCK = """locked AS (
    SELECT p.admission_id FROM {progress} p JOIN {admission} ON {admission}.id = p.admission_id
    WHERE {admission}.program_id = %(program)s {only}
    ORDER BY p.admission_id FOR UPDATE OF p
),
"""


def refresh(program: Program | int, participants: Iterable[int] | QuerySet | None = None) -> int:
    """Recompute the stored figures of these lawyers (ids, or a query of their ids; None: everyone) in
    `program` from their attendance and seats, in one statement. Returns how many lawyers' rows it wrote."""
    program_id = program if isinstance(program, int) else program.pk
    only, only_params, few = "", [], False
    if isinstance(participants, QuerySet):
        inner, only_params = participants.order_by().query.sql_with_params()
        only = f"AND participant_id IN ({inner})"
    elif participants is not None:
        ids = sorted(set(participants))
        if not ids:
            return 0
        inner, only_params = ids_in("participant_id", ids)  # one parameter, however many lawyers
        only, few = f"AND {inner}", len(ids) <= FEW
    tables = {
        "admission": Admission._meta.db_table,
        "progress": Progress._meta.db_table,
        "attendance": Attendance._meta.db_table,
        "enrolment": Enrolment._meta.db_table,
        "session": TrainingSession._meta.db_table,
    }
    # The program's minimum read in the statement itself (an init plan a use): no round trip of its own.
    minimum = f"(SELECT min_credit_hours FROM {Program._meta.db_table} WHERE id = %(program)s)"  # noqa: S608 - our table
    only_sql = only.replace("%", "%%") if not only_params else _named(only, len(only_params))
    locking = connection.vendor == "postgresql"
    sql = _SQL.format(
        **tables,
        minimum=minimum,
        only=only_sql,
        lock=_LOCK.format(**tables, only=only_sql) if locking else "",
        after_lock="AND (SELECT COUNT(*) FROM locked) >= 0" if locking else "",
    )
    params = {
        "program": program_id,
        "scheduled": SessionStatus.SCHEDULED,
        "present": ATTENDED[0],
        "late": ATTENDED[1],
        "confirmed": EnrolmentState.CONFIRMED,
        "always": connection.ops.adapt_datetimefield_value(ALWAYS),
        **{f"only{i}": value for i, value in enumerate(only_params)},
    }
    with connection.cursor() as cursor:
        if locking and few:
            # A few lawyers' refresh (an enrolment's, a check-in's) runs in a fraction of the time PostgreSQL
            # takes to plan it (0.15 against 0.5 ms): planned once a connection, for any few lawyers and program.
            _execute_planned_once(cursor, sql, params)
        else:
            cursor.execute(sql, params)
        return cursor.rowcount


# Up to this many lawyers a refresh runs the one plan made for a few (see refresh); more (a session made required,
# an import's lawyers on record) are planned for their number, as before.
FEW = 10
_TYPES = {
    "program": "integer",
    "scheduled": "text",
    "present": "text",
    "late": "text",
    "confirmed": "text",
    "always": "timestamptz",
    "only0": "integer[]",
}


def _execute_planned_once(cursor, sql: str, params: dict) -> None:
    names = re.findall(r"%\((\w+)\)s", sql)
    positional = re.sub(r"%\((\w+)\)s", "%s", sql)
    execute_prepared(
        cursor, "progress_refresh", positional, [params[n] for n in names], [_TYPES[n] for n in names], generic=True
    )


def refresh_new(program: Program | int, participants: Iterable[int]) -> int:
    """`refresh` for lawyers new to the records in this transaction, all alike: admitted to `program` here, with
    no attendance and the same seats in it (an import's new lawyers: a seat in each required session, nothing
    else). Their figures are one lawyer's: the first's computed by `refresh`, and given to the others in one
    INSERT … SELECT, which reads none of the attendance and seats that `refresh` joins a lawyer at a time (10,000
    new lawyers: 3.5 s of PostgreSQL before). Their admissions have no figures yet, and no other transaction sees
    them: there are no rows to lock first. Returns how many lawyers' rows it wrote."""
    ids = sorted(set(participants))
    if not ids:
        return 0
    program_id = program if isinstance(program, int) else program.pk
    first, others = ids[0], ids[1:]
    written = refresh(program_id, [first])
    if not others:
        return written
    admission, progress = Admission._meta.db_table, Progress._meta.db_table
    in_others, params = ids_in("a.participant_id", others)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {progress} (admission_id, program_id, attended_required, credit_hours, short_of_hours_from)
            SELECT a.id, a.program_id, p.attended_required, p.credit_hours, p.short_of_hours_from
            FROM {admission} a CROSS JOIN {progress} p
            WHERE a.program_id = %s AND {in_others}
            AND p.admission_id = (SELECT id FROM {admission} WHERE program_id = %s AND participant_id = %s)""",  # noqa: S608 - our names
            [program_id, *params, program_id, first],
        )
        return written + cursor.rowcount


def _named(sql: str, count: int) -> str:
    """The scope's positional placeholders as named ones, as the statement around it uses them."""
    parts = sql.replace("%%", "\0").split("%s")
    if len(parts) != count + 1:
        raise ValueError("unexpected placeholders in the scope's SQL")
    named = parts[0]
    for i, part in enumerate(parts[1:]):
        named += f"%(only{i})s" + part
    return named.replace("\0", "%%")


def rebuild(program: Program | int) -> int:
    """Every admission of the program recomputed (a rule changed, or rows written around the services).

    On PostgreSQL the tables read and written are analysed first and last: rows just written in bulk (the
    demo's seeding) are unknown to the planner until then, and a plan made for empty tables paired every
    lawyer with every row (6 minutes for 10,000 lawyers, against 1.4 s)."""
    _analyse(Admission, Enrolment, Attendance)
    rows = refresh(program)
    _analyse(Progress)
    return rows


def _analyse(*models) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(model._meta.db_table for model in models)}")


def refresh_session(session: TrainingSession) -> int:
    """Everyone whose figures a change of this session may move: its seat holders and those recorded at it (not
    those waiting for a seat: a promotion that follows in the same change locks them before their progress)."""
    seated = Enrolment.objects.filter(session=session, state=EnrolmentState.CONFIRMED).values("participant_id")
    recorded = Attendance.objects.filter(session=session).values("participant_id")
    return refresh(session.program_id, seated.union(recorded))
