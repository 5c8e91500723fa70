import logging

import pytest

from common.licences import LicenceRedactingFilter
from trainingprog.gunicorn_logging import redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /accounts/activate/abcDEF-123_x/ HTTP/1.1", "GET /accounts/activate/[redacted]/ HTTP/1.1"),
        (
            "GET /accounts/password/reset/MQ/cz8-1a2b3c/ HTTP/1.1",
            "GET /accounts/password/reset/MQ/[redacted]/ HTTP/1.1",
        ),
        ("GET /calendar/Zx9_secret.ics HTTP/1.1", "GET /calendar/[redacted] HTTP/1.1"),
        (
            "GET /programs/fipr-2025/schedule.ics?key=s3cr3t&x=1 HTTP/1.1",
            "GET /programs/fipr-2025/schedule.ics?key=[redacted]&x=1 HTTP/1.1",
        ),
        ("POST /calendar/reset/ HTTP/1.1", "POST /calendar/reset/ HTTP/1.1"),
        ("GET /accounts/activate/ HTTP/1.1", "GET /accounts/activate/ HTTP/1.1"),
    ],
)
def test_access_log_lines_lose_their_tokens(line, expected):
    assert redact(line) == expected


# --- licence numbers, and only licence numbers (issue #13, item 14) ------------------------------
TASK = "notifications.tasks.deliver_notification[8d3c1b9e-5b1f-4c1e-9d7a-2c6f0e4b1a9d]"


@pytest.mark.parametrize(
    "line",
    [
        f"Task {TASK} succeeded in 0.030145978000655305s: 'sent'",  # a run time of 18 decimals
        f"Task {TASK} succeeded in 0.03014597800065530s: 'sent'",  # ... and of exactly 17
        f"Task {TASK} succeeded in 12.12345678901234567s: None",
        "Scheduler: Sending due task notifications-sweep (notifications.tasks.sweep_outbox) at 1733291234.123456789",
        "eta 17332912341234567.25 expires 1733291234123456789",  # a decimal's whole part; nanoseconds
        "Task certificates.tasks.issue_certificates[12345678-1234-1234-1234-123456789012] received",
        "Received task: participants.tasks.import_run[40e2ac13-0b51-4ed6-9d33-1f5c2c3b2a17] eta:[2026-12-05 07:07:48]",
        "order 123456789012345 and epoch 1733291234123456789",  # fifteen digits, nineteen (nanoseconds)
        "4403 0120 1512 3456 7890",  # a longer number in groups, no 17 of its digits whole groups
        "card 6222 0212 3456 7890 123",
        "ids 101 102 103 104 105 106 107",
        "position 0.1234567890123456789, score 1e17, ratio 12345678901234567e3",
    ],
)
def test_numbers_that_are_not_licences_are_kept(line):
    assert redact(line) == line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("licence 44030120151234567 refused", "licence [licence …4567] refused"),
        (
            "DETAIL:  Key (license_number)=(14401202000000001) already exists.",
            "DETAIL:  Key (license_number)=([licence …0001]) already exists.",
        ),
        ("李律师，执业证号４４０３０１２０１５１２３４５６７。", "李律师，执业证号[licence …4567]。"),
        ("typed 4403 0120 1512 34567.", "typed [licence …4567]."),
        ("typed 4403-0120-1512-34567", "typed [licence …4567]"),
        ("row 2: 440301201512345678 is not 17 digits", "row 2: [licence …5678] is not 17 digits"),  # a digit extra
        ("row 3: 4403012015123456 is not 17 digits", "row 3: [licence …3456] is not 17 digits"),  # a digit missing
        ("mobile 13800138000 44030120151234567", "mobile 13800138000 [licence …4567]"),
        ("row 2: 44030120151234567,李律师", "row 2: [licence …4567],李律师"),
        (f"Task {TASK} raised: licence 44030120151234567 taken", f"Task {TASK} raised: licence [licence …4567] taken"),
        # grouped as Chinese input methods write it: ideographic space, no-break spaces, full-width dash
        ("执业证号4403\u30000120\u30001512\u300034567", "执业证号[licence …4567]"),
        ("licence 4403\u00a00120\u00a01512\u00a034567", "licence [licence …4567]"),
        ("licence 4403\u202f0120\u202f1512\u202f34567", "licence [licence …4567]"),
        ("执业证号４４０３－０１２０－１５１２－３４５６７", "执业证号[licence …4567]"),
        # 17 digits in whole groups with another number beside them: a year after, a row number before
        ("licence 4403 0120 1101 23456 2025", "licence [licence …3456] 2025"),
        ("4403 0120 1512 34567 890", "[licence …4567] 890"),
        ("row 12 4403 0120 1512 34567", "row 12 [licence …4567]"),
    ],
)
def test_licence_numbers_are_masked(line, expected):
    assert redact(line) == expected


def _celery_success(return_value):
    """The record Celery's worker logs for a finished task: the context as args and as the `data` extra."""
    from celery.app.trace import LOG_SUCCESS

    context = {
        "id": TASK.split("[")[1].rstrip("]"),
        "name": TASK.split("[")[0],
        "return_value": repr(return_value),
        "runtime": 0.030145978000655305,
        "args": "()",
        "kwargs": "{'notification_id': 12}",
    }
    logger = logging.getLogger("celery.app.trace")
    return logger.makeRecord(
        logger.name, logging.INFO, __file__, 1, LOG_SUCCESS, (context,), None, extra={"data": context}
    )


def test_a_celery_log_record_keeps_its_run_time_and_task_id():
    record = _celery_success("sent")
    message = record.getMessage()
    assert LicenceRedactingFilter().filter(record)
    assert record.getMessage() == message
    assert record.data["runtime"] == 0.030145978000655305  # the extra field, as JSON lines print it, untouched


def test_a_celery_log_record_loses_a_licence_number_and_nothing_else():
    record = _celery_success("licence 44030120151234567 is taken")
    LicenceRedactingFilter().filter(record)
    assert "[licence …4567]" in record.getMessage() and "44030120151234567" not in record.getMessage()
    assert str(0.030145978000655305) in record.getMessage() and TASK.split("[")[1].rstrip("]") in record.getMessage()
    assert "[licence …4567]" in record.data and "44030120151234567" not in record.data
    assert str(0.030145978000655305) in record.data
