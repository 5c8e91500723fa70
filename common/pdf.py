"""The fonts of the PDFs we make (sign-in sheets, transcripts, certificates, watermarks).

A PDF is an archival document: every glyph in it comes from a font embedded in the file, so it shows the
same on any reader, years later. reportlab embeds TrueType outlines only and does not fall back from one
font to another, so:
- `font()` holds Latin letters, digits and Chinese alike: AR PL UMing CN (Debian's fonts-arphic-uming), a
  Ming (Song) face like the one official documents are set in, which also covers CJK Extension A (rare
  name characters such as 㛃 and 䶮). PDF_FONT points elsewhere when a deployment keeps it in another place.
- `latin_font()` sets English as type rather than as a typewriter: Liberation Serif (Debian's
  fonts-liberation), metric-compatible with Times, embedded, unlike PDF's standard Times-Roman.
- `runs()` cuts a line into pieces for each face, so one line mixes them.
- `canvas()` and `document_options()` start a PDF in the embedded font: reportlab otherwise names Helvetica, which no
  file embeds, in every page's preamble.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

DEFAULT_FONT = "/usr/share/fonts/truetype/arphic/uming.ttc"  # subfont 0 is "AR PL UMing CN"
PACKAGE = "fonts-arphic-uming"
LATIN_FONT = "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"
LATIN_PACKAGE = "fonts-liberation"


def font_path() -> Path | None:
    path = Path(settings.PDF_FONT or DEFAULT_FONT)
    return path if path.is_file() else None


@cache
def font() -> str:
    """The reportlab name of the registered Chinese (and Latin) font."""
    path = font_path()
    if path is None:
        raise ImproperlyConfigured(
            f"No Chinese TrueType font for PDFs: install the Debian package {PACKAGE}, "
            "or set PDF_FONT to a .ttf/.ttc file that has Chinese and Latin letters."
        )
    pdfmetrics.registerFont(TTFont("cjk", str(path), subfontIndex=0))
    return "cjk"


@cache
def latin_font() -> str:
    """The reportlab name of the registered Latin serif font."""
    if not Path(LATIN_FONT).is_file():
        raise ImproperlyConfigured(f"No Latin TrueType font for PDFs: install the Debian package {LATIN_PACKAGE}.")
    pdfmetrics.registerFont(TTFont("latin-serif", LATIN_FONT))
    return "latin-serif"


@cache
def _latin_characters() -> frozenset[str]:
    face = pdfmetrics.getFont(latin_font()).face
    return frozenset(chr(point) for point in face.charToGlyph)


def runs(text: str) -> list[tuple[str, str]]:
    """`text` as (piece, font name) pieces: what the Latin face draws in it, the rest in the Chinese one;
    a space goes with the piece before it."""
    latin, chinese = _latin_characters(), font()
    pieces: list[tuple[str, str]] = []
    for character in text:
        face = latin_font() if character in latin else chinese
        if character == " " and pieces and pieces[-1][1] == chinese:
            face = chinese
        if pieces and pieces[-1][1] == face:
            pieces[-1] = (pieces[-1][0] + character, face)
        else:
            pieces.append((character, face))
    return pieces


def width(text: str, size: float) -> float:
    """The width of `text` set in its faces (see `runs`)."""
    return sum(pdfmetrics.stringWidth(piece, face, size) for piece, face in runs(text))


def canvas(target, **options) -> Canvas:
    """A reportlab canvas whose pages start in the embedded font."""
    return Canvas(target, initialFontName=font(), **options)


def document_options() -> dict:
    """For platypus documents (SimpleDocTemplate): pages start in the embedded font."""
    return {"initialFontName": font()}
