"""Confidential PDFs carry the reader's name and licence tail on every page; the stored file is untouched."""

from __future__ import annotations

import io
import logging
from functools import lru_cache

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from reportlab.lib import colors

from common.pdf import canvas, font

logger = logging.getLogger(__name__)


class WatermarkFailed(Exception):
    """The PDF could not be read or stamped (encrypted, damaged)."""


def watermarked(source, text: str) -> bytes:
    """A copy of the PDF in `source` (a file object) with `text` stamped across and under every page."""
    try:
        reader = PdfReader(source)
        if reader.is_encrypted:
            raise WatermarkFailed("encrypted")
        writer = PdfWriter(clone_from=reader)
        for page in writer.pages:
            box = page.mediabox
            page.merge_page(_stamp(float(box.width), float(box.height), text))
        writer.add_metadata({"/Subject": text})
        out = io.BytesIO()
        writer.write(out)
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        logger.warning("cannot watermark a PDF: %s", error)
        raise WatermarkFailed(str(error)) from error
    return out.getvalue()


@lru_cache(maxsize=32)
def _stamp_pdf(width: float, height: float, text: str) -> bytes:
    buffer = io.BytesIO()
    sheet = canvas(buffer, pagesize=(width, height))  # pages start in the embedded font, not Helvetica
    name = font()
    sheet.setFillColor(colors.Color(0.55, 0.1, 0.1, alpha=0.13))
    sheet.setFont(name, max(14, min(width, height) / 22))
    sheet.saveState()
    sheet.translate(width / 2, height / 2)
    sheet.rotate(35)
    step = min(width, height) / 3.2
    for row in range(-3, 4):
        sheet.drawCentredString(0, row * step, text)
    sheet.restoreState()
    sheet.setFillColor(colors.Color(0.35, 0.1, 0.1, alpha=0.6))
    sheet.setFont(name, 7.5)
    sheet.drawCentredString(width / 2, 12, text)
    sheet.save()
    return buffer.getvalue()


def _stamp(width: float, height: float, text: str):
    return PdfReader(io.BytesIO(_stamp_pdf(round(width, 1), round(height, 1), text))).pages[0]
