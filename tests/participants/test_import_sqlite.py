"""Imports and the specialties page on SQLite, the embedded database of `make run` (the rest of the suite runs on
PostgreSQL, where their PostgreSQL-only paths are taken): on_sqlite.py, run by pytest in a process of its own against
a SQLite database built by the migrations."""

import os
import subprocess
import sys

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.services


def test_upload_check_import_command_and_specialty_merge_work_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "trainingprog.settings_test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",  # the embedded broker, as `make run` has it
        "VAR_DIR": str(tmp_path / "var"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
         str(ROOT / "tests/participants/on_sqlite.py")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert "1 passed" in run.stdout
