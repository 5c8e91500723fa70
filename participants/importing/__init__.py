"""Importing provincial lists of lawyers: CSV (UTF-8 with or without BOM, GBK/GB18030) or XLSX, headers in
Chinese or English.

- check.py: `read` reads a file and cleans its rows, `check_table` checks them against the records and says what is
  wrong by row and column (`parse`: both);
- write.py: `apply` writes nothing unless every row is valid, or the caller chose to import only the valid rows;
- jobs.py: the screens' import jobs, checked at upload and written once, in the request or in the background.
"""

from common.spreadsheets import ImportFileError, normalise_header, read_table, read_upload, refuse_too_large

from .check import (
    COLUMNS,
    GENDERS,
    MESSAGES,
    REQUIRED,
    Problem,
    Report,
    Row,
    Table,
    check_table,
    column_names,
    parse,
    problem_message,
    read,
    render,
)
from .jobs import FAILURES, failure_message, job_create, job_progress, job_run, job_start, jobs_release
from .write import (
    BATCH,
    IMPORT_LOCK,
    PROFILE_FIELDS,
    ChangedMeanwhile,
    Outcome,
    apply,
    invitations_send,
    lock_for_import,
    queue_invitations,
    write_rows,
)

__all__ = [
    "BATCH",
    "COLUMNS",
    "FAILURES",
    "GENDERS",
    "IMPORT_LOCK",
    "MESSAGES",
    "PROFILE_FIELDS",
    "REQUIRED",
    "ChangedMeanwhile",
    "ImportFileError",
    "Outcome",
    "Problem",
    "Report",
    "Row",
    "Table",
    "apply",
    "check_table",
    "column_names",
    "failure_message",
    "invitations_send",
    "job_create",
    "job_progress",
    "job_run",
    "job_start",
    "jobs_release",
    "lock_for_import",
    "normalise_header",
    "parse",
    "problem_message",
    "queue_invitations",
    "read",
    "read_table",
    "read_upload",
    "refuse_too_large",
    "render",
    "write_rows",
]
