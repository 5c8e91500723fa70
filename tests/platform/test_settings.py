"""Production configuration, checked in fresh processes with the environment a server would have."""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


def _run(args, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    base.update(DJANGO_SETTINGS_MODULE="trainingprog.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run(["check"], DEBUG="false", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_its_public_address():
    result = _run(["check"], DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), SITE_URL="")
    assert result.returncode != 0
    assert "SITE_URL is not set" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="training.example.org",
        SITE_URL="https://training.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_seed_demo_refuses_to_run_in_production():
    result = _run(
        ["seed_demo"], DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), SITE_URL="https://training.example.org"
    )
    assert result.returncode != 0
    assert "refuses to run with DEBUG off" in result.stderr


def _load_settings(names: list[str], **env) -> subprocess.CompletedProcess:
    """Import the settings in a fresh process with this environment (and no developer's PORT, SITE_URL,
    EMAIL_URL or limits unless given), printing the values of `names`."""
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "PORT", "SITE_URL", "EMAIL_URL"}}
    base = {k: v for k, v in base.items() if k not in LIMITS}
    base.update(DJANGO_SETTINGS_MODULE="trainingprog.settings", **env)
    code = "import json, sys, trainingprog.settings as s; print(json.dumps({n: getattr(s, n) for n in sys.argv[1:]}))"
    return subprocess.run(
        [sys.executable, "-c", code, *names], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60
    )


def _settings(names: list[str], **env) -> dict:
    """The values of settings in a fresh process with this environment."""
    result = _load_settings(names, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _settings_refused(**env) -> str:
    """What stops the settings from loading in a fresh process with this environment."""
    result = _load_settings([], **env)
    assert result.returncode != 0, f"the settings loaded with {env}"
    return result.stderr.strip().splitlines()[-1]


LIMITS = {
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "SIGN_IN_FAILURES_PER_ADDRESS",
    "PASSWORD_RESETS_PER_EMAIL_PER_HOUR",
    "PASSWORD_RESETS_PER_ADDRESS_PER_HOUR",
    "TRUSTED_PROXY_COUNT",
    "GUNICORN_TIMEOUT",
    "WEB_STATEMENT_TIMEOUT",
    "TRAININGPROG_WEB_PROCESS",
}


def _refusal(**env) -> str:
    result = _run(["check"], **env)
    assert result.returncode != 0
    return result.stderr


# --- EMAIL_URL (issue #13, item 14) --------------------------------------------------------------
def test_a_filemail_url_with_three_slashes_is_an_absolute_folder():
    found = _settings(["EMAIL_BACKEND", "EMAIL_FILE_PATH"], DEBUG="true", EMAIL_URL="filemail:///var/mail/x")
    assert found == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/var/mail/x",
    }


def test_a_filemail_url_with_two_slashes_is_a_folder_beside_manage_py():
    found = _settings(["EMAIL_FILE_PATH"], DEBUG="true", EMAIL_URL="filemail://var/outbox%20mail")
    assert found["EMAIL_FILE_PATH"] == str(ROOT / "var" / "outbox mail")


def test_the_smtp_options_the_example_shows_are_applied():
    names = ["EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "EMAIL_USE_SSL"]
    starttls = _settings(
        names, DEBUG="true", EMAIL_URL="smtp://office%40example.cn:p%2Fss@smtp.example.cn:587/?tls=True"
    )
    assert starttls == {
        "EMAIL_HOST": "smtp.example.cn",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "office@example.cn",
        "EMAIL_HOST_PASSWORD": "p/ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }
    ssl = _settings(["EMAIL_USE_TLS", "EMAIL_USE_SSL"], DEBUG="true", EMAIL_URL="smtp+ssl://u:p@smtp.example.cn:465")
    assert ssl == {"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True}
    plain = _settings(["EMAIL_USE_TLS"], DEBUG="true", EMAIL_URL="smtp://smtp.example.cn:25/?tls=false")
    assert plain == {"EMAIL_USE_TLS": False}


@pytest.mark.parametrize(
    ("url", "port"),
    [
        ("smtps://office%40example.cn:pw@smtp.example.cn", 465),
        ("smtps://smtp.example.cn:2465", 2465),
        ("smtp+ssl://smtp.example.cn", 465),
        ("smtp://smtp.example.cn/?ssl=true", 465),
    ],
)
def test_smtps_is_tls_from_the_first_byte_on_port_465_unless_another_is_given(url, port):
    """smtps:// names implicit TLS (RFC 8314): read as STARTTLS, a connection to port 465 hangs."""
    names = ["EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL"]
    assert _settings(names, DEBUG="true", EMAIL_URL=url) == {
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": True,
    }


def test_an_email_url_option_that_means_nothing_stops_the_start():
    assert "tls=maybe is neither true nor false" in _refusal(DEBUG="true", EMAIL_URL="smtp://h:587/?tls=maybe")
    assert "unknown option(s) starttls" in _refusal(DEBUG="true", EMAIL_URL="smtp://h:587/?starttls=1")


# --- SITE_URL and PORT (issue #13, item 9) -------------------------------------------------------
def test_in_development_the_site_address_follows_the_port_the_server_runs_on():
    assert _settings(["SITE_URL"], DEBUG="true", PORT="8123") == {"SITE_URL": "http://127.0.0.1:8123"}
    assert _settings(["SITE_URL"], DEBUG="true") == {"SITE_URL": "http://127.0.0.1:8000"}


def test_a_site_address_that_is_set_wins_over_the_port():
    found = _settings(
        ["SITE_URL", "CSRF_TRUSTED_ORIGINS"], DEBUG="true", PORT="8123", SITE_URL="https://dev.example.cn/"
    )
    assert found == {"SITE_URL": "https://dev.example.cn", "CSRF_TRUSTED_ORIGINS": ["https://dev.example.cn"]}


def test_production_does_not_guess_its_address_from_a_port():
    assert "SITE_URL is not set" in _refusal(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), PORT="8123")


# --- sign-in and reset limits (review R2, L5) ----------------------------------------------------
def test_a_limit_that_would_lock_everyone_out_stops_the_start():
    """No wrong password allowed, or a pause of no minutes, would refuse every sign-in: refused at start-up."""
    for name in ("AXES_FAILURE_LIMIT", "AXES_COOLOFF_MINUTES"):
        assert f"{name}=0: give a whole number of 1 or more." in _settings_refused(DEBUG="true", **{name: "0"})
    for name in ("SIGN_IN_FAILURES_PER_ADDRESS", "PASSWORD_RESETS_PER_EMAIL_PER_HOUR"):
        refusal = _settings_refused(DEBUG="true", **{name: "-1"})
        assert f"{name}=-1: give a whole number of 1 or more, or 0 for no limit." in refusal
    assert "TRUSTED_PROXY_COUNT is the number" in _settings_refused(DEBUG="true", TRUSTED_PROXY_COUNT="-1")


def test_a_limit_of_zero_turns_the_address_and_reset_limits_off():
    names = [
        "SIGN_IN_FAILURES_PER_ADDRESS",
        "PASSWORD_RESETS_PER_EMAIL_PER_HOUR",
        "PASSWORD_RESETS_PER_ADDRESS_PER_HOUR",
    ]
    assert _settings(names, DEBUG="true", **dict.fromkeys(names, "0")) == dict.fromkeys(names, 0)
    assert _settings(names, DEBUG="true") == dict(zip(names, [20, 5, 20], strict=True))  # the shipped limits


# --- the web statement timeout is below the timeout gunicorn really applies (review R2, M2) ---------------
WEB = {"TRAININGPROG_WEB_PROCESS": "true", "DATABASE_URL": "postgres://u@db.internal:5432/x"}


def test_a_web_processs_statement_timeout_is_four_fifths_of_gunicorns_timeout():
    found = _settings(["WEB_STATEMENT_TIMEOUT", "DATABASES"], DEBUG="true", GUNICORN_TIMEOUT="120", **WEB)
    assert found["WEB_STATEMENT_TIMEOUT"] == 96
    # jit off for every connection; a web process also waits at most WEB_LOCK_TIMEOUT for a lock.
    assert found["DATABASES"]["default"]["OPTIONS"]["options"] == (
        "-c jit=off -c statement_timeout=96000 -c lock_timeout=5000"
    )
    # gunicorn's "no timeout" (0) leaves queries without one too.
    found = _settings(["WEB_STATEMENT_TIMEOUT", "DATABASES"], DEBUG="true", GUNICORN_TIMEOUT="0", **WEB)
    assert found["WEB_STATEMENT_TIMEOUT"] == 0
    assert found["DATABASES"]["default"]["OPTIONS"]["options"] == "-c jit=off -c lock_timeout=5000"


def test_a_web_process_refuses_a_statement_timeout_not_below_gunicorns():
    refusal = _settings_refused(DEBUG="true", GUNICORN_TIMEOUT="30", WEB_STATEMENT_TIMEOUT="30", **WEB)
    assert "WEB_STATEMENT_TIMEOUT=30 s is not below gunicorn's timeout of 30 s" in refusal
    # Workers and commands run no web requests: the same environment is no error there.
    other = _settings(["WEB_STATEMENT_TIMEOUT"], DEBUG="true", GUNICORN_TIMEOUT="30", WEB_STATEMENT_TIMEOUT="30")
    assert other == {"WEB_STATEMENT_TIMEOUT": 30}


def _gunicorn_refuses(*args, config: Path = ROOT / "trainingprog" / "gunicorn.conf.py", **env) -> str:
    """Start gunicorn as production does (trainingprog.wsgi with this configuration file); it must stop with an
    error rather than serve. Returns what it printed."""
    port = free_port()
    base = {k: v for k, v in os.environ.items() if k not in LIMITS and k != "DJANGO_SETTINGS_MODULE"}
    base.update(DJANGO_SETTINGS_MODULE="trainingprog.settings", DEBUG="true", WEB_CONCURRENCY="1", **env)
    base.update(GUNICORN_BIND=f"127.0.0.1:{port}")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(config), *args, "trainingprog.wsgi"],
        cwd=ROOT, env=base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: process.poll() is not None or _answers(port), timeout=60, message="gunicorn to decide")
    finally:
        served = process.poll() is None
        if served:
            os.killpg(process.pid, signal.SIGKILL)
        output = process.communicate(timeout=30)[0]
    assert not served and process.returncode != 0, "gunicorn served:\n" + output[-3000:]
    return output


def _answers(port: int) -> bool:
    """A worker answers HTTP (the master listens before any worker has loaded the app)."""
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


@pytest.mark.services
@pytest.mark.parametrize("preload", [[], ["--preload"]], ids=["workers-load-the-app", "preloaded"])
def test_gunicorn_refuses_to_start_when_its_timeout_given_on_the_command_line_is_not_above_the_statement_timeout(
    preload,
):
    """The environment says nothing of gunicorn's timeout (so settings alone would assume 30 s), but gunicorn is
    started with --timeout 15 below a statement timeout of 20 s."""
    output = _gunicorn_refuses(*preload, GUNICORN_CMD_ARGS="--timeout 15", WEB_STATEMENT_TIMEOUT="20")
    assert "WEB_STATEMENT_TIMEOUT=20 s is not below gunicorn's timeout of 15 s" in output


@pytest.mark.services
def test_gunicorn_takes_its_timeout_from_the_env_file_as_the_settings_do(tmp_path):
    """GUNICORN_TIMEOUT in .env (beside manage.py, here beside a copy of the configuration) is gunicorn's
    timeout, and the statement timeout is checked against it."""
    (tmp_path / "trainingprog").mkdir()
    config = shutil.copy(ROOT / "trainingprog" / "gunicorn.conf.py", tmp_path / "trainingprog")
    (tmp_path / ".env").write_text("GUNICORN_TIMEOUT=12\n")
    output = _gunicorn_refuses(config=Path(config), WEB_STATEMENT_TIMEOUT="12")
    assert "WEB_STATEMENT_TIMEOUT=12 s is not below gunicorn's timeout of 12 s" in output
