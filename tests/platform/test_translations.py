import subprocess
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(*flags) -> str:
    result = subprocess.run(["msgattrib", *flags, str(CATALOGUE)], capture_output=True, text=True, check=True)
    return result.stdout


def test_every_string_has_a_chinese_translation():
    assert _entries("--untranslated") == ""


def test_no_translation_is_left_fuzzy():
    assert _entries("--only-fuzzy") == ""


def test_catalogue_compiles_cleanly():
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(CATALOGUE)], check=True)
