import pytest

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
