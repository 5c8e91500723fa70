"""The certificate: one A4 landscape page in Chinese and English, with the serial, the seal and a QR code
of the public verification page. Long names and firm names shrink to fit; they never overflow."""

from __future__ import annotations

import io
from datetime import date

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from trainingprog.pdf import font

NAVY = colors.HexColor("#173d6e")
GOLD = colors.HexColor("#b08d3c")
INK = colors.HexColor("#1f2a44")
MUTED = colors.HexColor("#5b6578")
WIDTH, HEIGHT = landscape(A4)


LATIN = "Times-Roman"  # one of PDF's standard fonts: English lines read as set type, not as a typewriter


def _face(text: str) -> str:
    return LATIN if text.isascii() else font()


def _fit(text: str, size: float, width: float, minimum: float = 9) -> float:
    """The largest size up to `size` at which `text` fits in `width`."""
    face = _face(text)
    while size > minimum and stringWidth(text, face, size) > width:
        size -= 0.5
    return size


def _centred(sheet, text: str, y: float, size: float, color=INK, width: float = WIDTH - 80 * mm) -> None:
    size = _fit(text, size, width)
    sheet.setFont(_face(text), size)
    sheet.setFillColor(color)
    sheet.drawCentredString(WIDTH / 2, y, text)


def _name(sheet, chinese: str, latin: str, y: float, size: float = 28) -> None:
    """The holder's names on one line, each in its own face, shrunk together until they fit."""
    gap = "  "
    while size > 12:
        width = stringWidth(chinese + gap, font(), size) + stringWidth(latin, _face(latin), size)
        if width <= WIDTH - 80 * mm:
            break
        size -= 0.5
    x = WIDTH / 2 - width / 2
    sheet.setFillColor(INK)
    sheet.setFont(font(), size)
    sheet.drawString(x, y, chinese + gap)
    sheet.setFont(_face(latin), size)
    sheet.drawString(x + stringWidth(chinese + gap, font(), size), y, latin)


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip


def _dates(start: date, end: date, language: str) -> str:
    if language == "zh":
        return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    return f"{start.day} {MONTHS[start.month - 1]} to {end.day} {MONTHS[end.month - 1]} {end.year}"


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
    """The PDF of `certificate` (its participant and program loaded)."""
    lawyer, program = certificate.participant, certificate.program
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(WIDTH, HEIGHT), pageCompression=1)
    sheet.setTitle(f"结业证书 Certificate {certificate.serial}")
    sheet.setAuthor(program.organisers_zh)
    sheet.setSubject(verify_url)

    # Frame: a navy rule and a thin gold one inside it.
    sheet.setStrokeColor(NAVY)
    sheet.setLineWidth(4)
    sheet.rect(10 * mm, 10 * mm, WIDTH - 20 * mm, HEIGHT - 20 * mm)
    sheet.setStrokeColor(GOLD)
    sheet.setLineWidth(1)
    sheet.rect(14 * mm, 14 * mm, WIDTH - 28 * mm, HEIGHT - 28 * mm)

    _centred(sheet, program.organisers_zh, HEIGHT - 34 * mm, 13, MUTED)
    _centred(sheet, "结 业 证 书", HEIGHT - 54 * mm, 34, NAVY)
    _centred(sheet, "CERTIFICATE OF COMPLETION", HEIGHT - 64 * mm, 13, GOLD)

    hours = _hours(certificate.credit_hours)
    _name(sheet, lawyer.name_zh, lawyer.name_latin, HEIGHT - 88 * mm)
    _centred(sheet, lawyer.law_firm, HEIGHT - 97 * mm, 12, MUTED)

    body_zh = (
        f"于{_dates(program.starts_on, program.ends_on, 'zh')}参加{program.name_zh}，"
        f"修满{hours}学时，经考核合格，准予结业。"
    )
    _centred(sheet, body_zh, HEIGHT - 114 * mm, 15)
    _centred(sheet, f"has completed the {program.name_en or program.name_zh}", HEIGHT - 123 * mm, 12, MUTED)
    _centred(
        sheet, f"{_dates(program.starts_on, program.ends_on, 'en')}, earning {hours} credit hours.",
        HEIGHT - 129.5 * mm, 12, MUTED,
    )  # fmt: skip

    # Foot: serial, date and code on the left; the organisers under their seal in the middle; the QR
    # code of the verification page on the right.
    issued = certificate.issued_at.date()
    left = 28 * mm
    sheet.setFillColor(INK)
    sheet.setFont(font(), 10)
    sheet.drawString(left, 42 * mm, f"证书编号  Serial No.  {certificate.serial}")
    english_date = f"{issued.day} {MONTHS[issued.month - 1]} {issued.year}"
    sheet.drawString(left, 36 * mm, f"发证日期  Issued  {issued.year}年{issued.month}月{issued.day}日 · {english_date}")
    sheet.setFillColor(MUTED)
    sheet.setFont(font(), 7.5)
    sheet.drawString(left, 30 * mm, f"验证码  Verification code  {certificate.code}")
    sheet.drawString(left, 26 * mm, f"{verify_url.split('/certificates/')[0]}/certificates/verify/")

    centre = WIDTH / 2 + 20 * mm
    if seal:
        sheet.drawImage(
            ImageReader(io.BytesIO(seal)), centre - 19 * mm, 28 * mm, 38 * mm, 38 * mm, mask="auto",
            preserveAspectRatio=True, anchor="c",
        )  # fmt: skip
    sheet.setFillColor(INK)
    organisers = program.organisers_zh
    sheet.setFont(font(), _fit(organisers, 12, 80 * mm))
    sheet.drawCentredString(centre, 40 * mm, organisers)
    sheet.setFont(font(), 10)
    sheet.drawCentredString(centre, 34 * mm, "培训项目办公室  Program Office")

    side = 32 * mm
    qr_x = WIDTH - 28 * mm - side
    _qr(sheet, verify_url, qr_x, 25 * mm, side)
    sheet.setFont(font(), 7.5)
    sheet.setFillColor(MUTED)
    sheet.drawCentredString(qr_x + side / 2, 21 * mm, "扫码验证  Scan to verify")

    sheet.showPage()
    sheet.save()
    return buffer.getvalue()
