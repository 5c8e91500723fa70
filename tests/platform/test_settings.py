"""Production configuration, checked in fresh processes with the environment a server would have."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

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
