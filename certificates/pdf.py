"""The certificate: one A4 landscape page in Chinese and English, with the serial, the seal and a QR code
of the public verification page. Long names and firm names shrink to fit; they never overflow."""

from __future__ import annotations

import io
from datetime import date

import segno
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader

from common import pdf as fonts

NAVY = colors.HexColor("#173d6e")
GOLD = colors.HexColor("#b08d3c")
INK = colors.HexColor("#1f2a44")
MUTED = colors.HexColor("#5b6578")
WIDTH, HEIGHT = landscape(A4)
LINE = WIDTH - 80 * mm  # the widest a centred line may be


def _draw(sheet, x: float, y: float, text: str, size: float) -> None:
    """`text` from `x`, each piece in its face (English as set type, Chinese in the Ming face)."""
    for piece, face in fonts.runs(text):
        sheet.setFont(face, size)
        sheet.drawString(x, y, piece)
        x += fonts.width(piece, size)


def _fit(text: str, size: float, width: float) -> float:
    """The largest size up to `size` at which `text` fits in `width` (a width grows with the size)."""
    return min(size, width / max(fonts.width(text, 1), 0.01))


def _centred(sheet, text: str, y: float, size: float, color=INK, width: float = LINE, x: float = WIDTH / 2) -> None:
    size = _fit(text, size, width)
    sheet.setFillColor(color)
    _draw(sheet, x - fonts.width(text, size) / 2, y, text, size)


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def english_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def date_range(start: date, end: date, language: str) -> str:
    """The program's dates as a certificate writes them: the year once when both days share it, both
    years when it spans a new year ("9 June 2026 to 31 January 2027")."""
    if language == "zh":
        last = f"{end.month}月{end.day}日" if end.year == start.year else chinese_date(end)
        return f"{chinese_date(start)}至{last}"
    first = f"{start.day} {MONTHS[start.month - 1]}" if end.year == start.year else english_date(start)
    return f"{first} to {english_date(end)}"


def _hours(value) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _qr(sheet, text: str, x: float, y: float, side: float) -> None:
    """A QR code as one vector path of its dark modules (segno encodes; far quicker than drawing shapes)."""
    # A fixed mask pattern: choosing the best of eight costs more than the whole page; any mask is valid.
    matrix = segno.make(text, error="m", mask=0).matrix
    module = side / len(matrix)
    path = sheet.beginPath()
    for row, bits in enumerate(matrix):
        top = y + side - (row + 1) * module
        column = 0
        while column < len(bits):  # one rectangle per run of dark modules in a row
            if bits[column]:
                start = column
                while column < len(bits) and bits[column]:
                    column += 1
                path.rect(x + start * module, top, (column - start) * module, module)
            else:
                column += 1
    sheet.setFillColor(colors.black)
    sheet.drawPath(path, stroke=0, fill=1)


def render(*, certificate, verify_url: str, seal: bytes | None = None) -> bytes:
    """The PDF of `certificate`, from what it stores as issued (never the profile or program of today)."""
    buffer = io.BytesIO()
    sheet = fonts.canvas(buffer, pagesize=(WIDTH, HEIGHT), pageCompression=1)
    sheet.setTitle(f"结业证书 Certificate {certificate.serial}")
    sheet.setAuthor(certificate.organisers_zh)
    sheet.setSubject(verify_url)

    # Frame: a navy rule and a thin gold one inside it.
    sheet.setStrokeColor(NAVY)
    sheet.setLineWidth(4)
    sheet.rect(10 * mm, 10 * mm, WIDTH - 20 * mm, HEIGHT - 20 * mm)
    sheet.setStrokeColor(GOLD)
    sheet.setLineWidth(1)
    sheet.rect(14 * mm, 14 * mm, WIDTH - 28 * mm, HEIGHT - 28 * mm)

    _centred(sheet, certificate.organisers_zh, HEIGHT - 34 * mm, 13, MUTED)
    _centred(sheet, "结 业 证 书", HEIGHT - 54 * mm, 34, NAVY)
    _centred(sheet, "CERTIFICATE OF COMPLETION", HEIGHT - 64 * mm, 13, GOLD)

    hours = _hours(certificate.credit_hours)
    # The holder's names on one line, shrunk together until they fit.
    _centred(sheet, f"{certificate.holder_name_zh}  {certificate.holder_name_latin}".strip(), HEIGHT - 88 * mm, 28)
    if certificate.holder_law_firm:
        _centred(sheet, certificate.holder_law_firm, HEIGHT - 97 * mm, 12, MUTED)

    start, end = certificate.starts_on, certificate.ends_on
    passed = "经考核合格，" if certificate.assessed else ""
    body_zh = f"于{date_range(start, end, 'zh')}参加{certificate.program_name_zh}，修满{hours}学时，{passed}准予结业。"
    _centred(sheet, body_zh, HEIGHT - 114 * mm, 15)
    program_en = certificate.program_name_en or certificate.program_name_zh
    _centred(sheet, f"has completed the {program_en}", HEIGHT - 123 * mm, 12, MUTED)
    earned = f"{date_range(start, end, 'en')}, earning {hours} credit hours"
    earned += " and passing its assessment." if certificate.assessed else "."
    _centred(sheet, earned, HEIGHT - 129.5 * mm, 12, MUTED)

    # Foot: serial, date and code on the left; the organisers under their seal in the middle; the QR
    # code of the verification page on the right. The date is the day in Beijing, not in UTC.
    issued = timezone.localtime(certificate.issued_at).date()
    left = 28 * mm
    sheet.setFillColor(INK)
    _draw(sheet, left, 42 * mm, f"证书编号  Serial No.  {certificate.serial}", 10)
    _draw(sheet, left, 36 * mm, f"发证日期  Issued  {chinese_date(issued)} · {english_date(issued)}", 10)
    sheet.setFillColor(MUTED)
    _draw(sheet, left, 30 * mm, f"验证码  Verification code  {certificate.code}", 7.5)
    _draw(sheet, left, 26 * mm, f"{verify_url.split('/certificates/')[0]}/certificates/verify/", 7.5)

    centre = WIDTH / 2 + 20 * mm
    if seal:
        sheet.drawImage(
            ImageReader(io.BytesIO(seal)),
            x=centre - 19 * mm,
            y=28 * mm,
            width=38 * mm,
            height=38 * mm,
            mask="auto",
            preserveAspectRatio=True,
            anchor="c",
        )
    _centred(sheet, certificate.organisers_zh, 40 * mm, 12, width=80 * mm, x=centre)
    _centred(sheet, "培训项目办公室  Program Office", 34 * mm, 10, x=centre)

    side = 32 * mm
    qr_x = WIDTH - 28 * mm - side
    _qr(sheet, verify_url, qr_x, 25 * mm, side)
    _centred(sheet, "扫码验证  Scan to verify", 21 * mm, 7.5, MUTED, x=qr_x + side / 2)

    sheet.showPage()
    sheet.save()
    return buffer.getvalue()
