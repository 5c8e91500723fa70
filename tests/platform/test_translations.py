"""Every string a person reads has its Chinese translation: extracted afresh from the code, then checked."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "__pycache__", "*.mo", "docs", "control")


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory) -> Path:
    """The zh_Hans catalogue as `make messages` would leave it now, made in a copy of the project."""
    copy = tmp_path_factory.mktemp("project") / "project"
    shutil.copytree(ROOT, copy, ignore=SKIP)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "trainingprog.settings", "DEBUG": "true"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--ignore=static/vendor"],
        cwd=copy, env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(catalogue: Path, *flags) -> str:
    result = subprocess.run(["msgattrib", *flags, str(catalogue)], capture_output=True, text=True, check=True)
    return result.stdout


def test_every_string_in_the_code_has_a_chinese_translation(fresh_catalogue):
    untranslated = _entries(fresh_catalogue, "--untranslated", "--no-location")
    assert untranslated == "", "run `make messages` and translate:\n" + untranslated


def test_no_translation_is_left_fuzzy(fresh_catalogue):
    assert _entries(fresh_catalogue, "--only-fuzzy", "--no-location") == ""


def test_committed_catalogue_compiles_cleanly():
    catalogue = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(catalogue)], check=True)
