"""The font of the PDFs we make (sign-in sheets, transcripts, certificates).

reportlab embeds TrueType outlines only, and does not fall back from one font to another, so one font
must hold Latin letters, digits and Chinese alike: AR PL UMing CN (Debian's fonts-arphic-uming), a Ming
(Song) face like the one official documents are set in, which also covers CJK Extension A (rare name
characters such as 㛃 and 䶮). The font is embedded (subset) in every PDF, so the file shows the same on
any reader. PDF_FONT points elsewhere when a deployment keeps its font in another place.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEFAULT_FONT = "/usr/share/fonts/truetype/arphic/uming.ttc"  # subfont 0 is "AR PL UMing CN"
PACKAGE = "fonts-arphic-uming"


def font_path() -> Path | None:
    path = Path(settings.PDF_FONT or DEFAULT_FONT)
    return path if path.is_file() else None


@cache
def font() -> str:
    """The reportlab name of the registered font."""
    path = font_path()
    if path is None:
        raise ImproperlyConfigured(
            f"No Chinese TrueType font for PDFs: install the Debian package {PACKAGE}, "
            "or set PDF_FONT to a .ttf/.ttc file that has Chinese and Latin letters."
        )
    pdfmetrics.registerFont(TTFont("cjk", str(path), subfontIndex=0))
    return "cjk"
