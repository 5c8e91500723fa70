"""Printable attendance documents: a session's sign-in sheet and a lawyer's transcript (A4, reportlab)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import lru_cache

from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from common.pdf import document_options, font

INK = colors.HexColor("#1f2a44")
RULE = colors.HexColor("#b8c0d0")
SHADE = colors.HexColor("#eef1f6")
CELL_SIZE, CELL_LEADING, CELL_PADDING, CELL_VERTICAL_PADDING = 9, 11.5, 6, 4  # points


def _styles():
    name = font()
    return {
        "title": ParagraphStyle("title", fontName=name, fontSize=15, leading=20, textColor=INK, alignment=TA_CENTER),
        "sub": ParagraphStyle("sub", fontName=name, fontSize=9.5, leading=13, textColor=INK, alignment=TA_CENTER),
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
    story = [Paragraph(_escape(title), styles["title"]), Spacer(1, 2 * mm)]
    story += [Paragraph(_escape(line), styles["sub"]) for line in subtitle.splitlines()]
    story += [Spacer(1, 5 * mm), Grid(header, rows, [w * mm for w in widths], row_height=row_height)]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


class Grid(Flowable):
    """A table of text, its header repeated on every page, drawn straight on the canvas: rows laid out once
    (each cell's lines wrapped to its column), then a page's rows drawn with one text object, one path of
    rules and a rectangle a shaded row. platypus' Table made a 170-row transcript cost 18 ms, most of it
    measuring and restyling every remaining cell at each page break.

    A cell is text, or a tuple whose parts go on separate lines; lines wrap at spaces between Latin words and
    between any two Chinese characters. A row is `row_height` high when given (the sign-in sheet's room to
    sign), or as its tallest cell; the text is centred in it."""

    def __init__(self, header, rows, widths: list[float], *, row_height=None, laid=None):
        super().__init__()
        self.widths, self.hAlign = widths, "CENTER"  # as platypus centres a table: margins to the sides alike
        if laid is None:
            laid = [self._lay(header)], [self._lay(row, minimum=row_height or 0) for row in rows]
        (self.head,), self.rows = laid

    def _lay(self, row, minimum: float = 0) -> tuple[float, list[list[str]]]:
        cells = [_lines(cell, width - 2 * CELL_PADDING) for cell, width in zip(row, self.widths, strict=True)]
        tallest = max(len(lines) for lines in cells) * CELL_LEADING + 2 * CELL_VERTICAL_PADDING
        return max(tallest, minimum), cells

    def wrap(self, available_width, available_height):
        self.width = sum(self.widths)
        self.height = self.head[0] + sum(height for height, _cells in self.rows)
        return self.width, self.height

    def split(self, available_width, available_height):
        room, fit = available_height - self.head[0], 0
        for height, _cells in self.rows:
            if height > room:
                break
            room -= height
            fit += 1
        if fit == 0:
            return []  # not even one row here: the next page
        return [Grid(None, None, self.widths, laid=([self.head], part)) for part in (self.rows[:fit], self.rows[fit:])]

    def draw(self):
        canvas, name = self.canv, font()
        tops = [self.height]
        for height, _cells in [self.head, *self.rows]:
            tops.append(tops[-1] - height)
        lefts = [0.0]
        for width in self.widths:
            lefts.append(lefts[-1] + width)
        canvas.saveState()
        canvas.setFillColor(INK)
        canvas.rect(0, tops[1], self.width, self.head[0], stroke=0, fill=1)
        canvas.setFillColor(SHADE)
        for n in range(1, len(self.rows), 2):  # every other row shaded, from the second
            canvas.rect(0, tops[n + 2], self.width, self.rows[n][0], stroke=0, fill=1)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.lines([(0, top, self.width, top) for top in tops] + [(left, tops[0], left, tops[-1]) for left in lefts])
        text = canvas.beginText()
        text.setFont(name, CELL_SIZE, CELL_LEADING)
        for n, (_height, cells) in enumerate([self.head, *self.rows]):
            text.setFillColor(colors.white if n == 0 else colors.black)
            middle = (tops[n] + tops[n + 1]) / 2
            for left, lines in zip(lefts, cells, strict=False):
                first = middle + (len(lines) - 1) * CELL_LEADING / 2 - 0.3 * CELL_SIZE
                for k, line in enumerate(lines):
                    text.setTextOrigin(left + CELL_PADDING, first - k * CELL_LEADING)
                    text.textOut(line)
        canvas.drawText(text)
        canvas.restoreState()


_TOKENS = re.compile(r"[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+\s*|\S\s*|\s+")


def _lines(value, space: float) -> list[str]:
    """A cell's text as the lines it takes in a column `space` points wide (see Grid)."""
    parts = [str(part) for part in value if part] if isinstance(value, tuple) else ["" if value is None else str(value)]
    lines = []
    for part in parts:
        if _width(part) <= space:  # nearly every cell
            lines.append(part)
            continue
        line, used = "", 0.0
        for token in _TOKENS.findall(part):
            pieces = [token] if _width(token.rstrip()) <= space else list(token)  # a word wider than the column
            for piece in pieces:
                if line.strip() and used + _width(piece.rstrip()) > space:
                    lines.append(line.rstrip())
                    line, used = "", 0.0
                line, used = line + piece, used + _width(piece)
        lines.append(line.rstrip())
    return lines or [""]


def _width(text: str) -> float:
    return pdfmetrics.stringWidth(text, font(), CELL_SIZE)


def _day_and_time(value) -> tuple[str, str]:
    local = timezone.localtime(value)
    return _day(local.date(), get_language()), f"{local:%H:%M}"


@lru_cache(maxsize=1024)
def _day(day, language: str) -> str:  # formatted once a day and language: a transcript repeats its days
    return formats.date_format(day, "DATE_FORMAT")


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
    rows = [[_day_and_time(line["when"]), line["title"], line["kind"], line["status"], line["hours"]] for line in lines]
    header = [_("Date"), _("Session or coursework"), _("Kind"), _("Attendance or grade"), _("Credit hours")]
    title = _("Transcript: %(program)s") % {"program": program.name}
    return _document(title, subtitle, header, rows, [30, 74, 24, 24, 22])
