"""Printable attendance documents: a session's sign-in sheet and a lawyer's transcript (A4, reportlab)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from common.pdf import document_options, font

INK = colors.HexColor("#1f2a44")
RULE = colors.HexColor("#b8c0d0")
SHADE = colors.HexColor("#eef1f6")
CELL_SIZE, CELL_LEADING, CELL_PADDING = 9, 11.5, 6  # points; the padding is reportlab's default, said once


def _styles():
    name = font()
    return {
        "title": ParagraphStyle("title", fontName=name, fontSize=15, leading=20, textColor=INK, alignment=TA_CENTER),
        "sub": ParagraphStyle("sub", fontName=name, fontSize=9.5, leading=13, textColor=INK, alignment=TA_CENTER),
        "cell": ParagraphStyle("cell", fontName=name, fontSize=CELL_SIZE, leading=CELL_LEADING, wordWrap="CJK"),
        "head": ParagraphStyle("head", fontName=name, fontSize=9, leading=11.5, textColor=colors.white),
    }


def _local(value, fmt="SHORT_DATETIME_FORMAT") -> str:
    return formats.date_format(timezone.localtime(value), fmt)


def _document(
    title: str, subtitle: str, header: Sequence[str], rows: list[list], widths: list[float], row_height=None
) -> bytes:
    """An A4 page or more: title, subtitle lines, and a table whose header repeats on every page. A cell
    given as a tuple shows its parts on separate lines."""
    styles = _styles()
    buffer = io.BytesIO()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font(), 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, title)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, _("Page %(number)s") % {"number": doc.page})
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=_("Foreign-related IPR Lawyers Training"),
        **document_options(),
    )
    room = [w * mm - 2 * CELL_PADDING for w in widths]
    table = LongTable(
        [[Paragraph(str(h), styles["head"]) for h in header]]
        + [[_cell(cell, styles["cell"], space) for cell, space in zip(row, room, strict=True)] for row in rows],
        colWidths=[w * mm for w in widths],
        rowHeights=[None] + [row_height] * len(rows),
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font()),  # the table sets it for each cell; Helvetica is not embedded
                ("FONTSIZE", (0, 1), (-1, -1), CELL_SIZE),
                ("LEADING", (0, 1), (-1, -1), CELL_LEADING),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("BACKGROUND", (0, 0), (-1, 0), INK),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("GRID", (0, 0), (-1, -1), 0.4, RULE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, SHADE]),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story = [Paragraph(_escape(title), styles["title"]), Spacer(1, 2 * mm)]
    story += [Paragraph(_escape(line), styles["sub"]) for line in subtitle.splitlines()]
    story += [Spacer(1, 5 * mm), table]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _day_and_time(value) -> tuple[str, str]:
    return _local(value, "DATE_FORMAT"), _local(value, "H:i")


def _cell(value, style: ParagraphStyle, space: float):
    """A cell: its text as it is when it fits on one line (the table draws it: a tenth of a paragraph's cost,
    which a 170-line transcript pays 800 times); a paragraph when it must wrap, or shows its parts on lines."""
    lines = [str(part) for part in value if part] if isinstance(value, tuple) else ["" if value is None else str(value)]
    if all(pdfmetrics.stringWidth(line, font(), CELL_SIZE) <= space for line in lines):
        return "\n".join(lines)
    return Paragraph("<br/>".join(map(_escape, lines)), style)


def _escape(value) -> str:
    """Paragraph text is a tiny markup language: names and firms must not be read as tags."""
    return str(value if value is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def signin_sheet(session, lawyers) -> bytes:
    """The roster to sign at the door: number, names, province, firm, licence tail, a box to sign."""
    subtitle = f"{session.program.name}\n{_local(session.starts_at)} – {_local(session.ends_at, 'H:i')}"
    if session.venue_id:
        subtitle += f" · {session.venue.name}"
    rows = [
        [n, (p.name_zh, p.name_latin), p.province, p.law_firm, p.last_digits, ""]
        for n, p in enumerate(lawyers, start=1)
    ]
    header = ["#", _("Name"), _("Province"), _("Law firm"), _("Licence"), _("Signature")]
    title = _("Sign-in sheet: %(title)s") % {"title": session.title}
    return _document(title, subtitle, header, rows, [9, 34, 19, 50, 15, 47], row_height=11 * mm)


def transcript(participant, program, lines: list[dict], summary: dict) -> bytes:
    """A lawyer's sessions in a program with attendance and credit hours, and the completion figures."""
    subtitle = "\n".join(
        [
            f"{participant.name_zh} {participant.name_latin} · {participant.law_firm} · {participant.province}",
            _("Required sessions attended: %(attended)s of %(total)s (%(rate)s%%) · credit hours: %(hours)s") % summary,
            _("Printed %(date)s") % {"date": _local(timezone.now())},
        ]
    )
    rows = [
        [_day_and_time(line["session"].starts_at), line["session"].title, line["kind"], line["status"], line["hours"]]
        for line in lines
    ]
    header = [_("Date"), _("Session"), _("Kind"), _("Attendance"), _("Credit hours")]
    title = _("Transcript: %(program)s") % {"program": program.name}
    return _document(title, subtitle, header, rows, [30, 74, 24, 24, 22])
