"""Demo materials for `seed_demo`: a few small generated PDFs on sessions already held."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from sessions.models import Program

from .models import Material, Visibility
from .services import material_upload

DOCUMENTS = [  # (file name, title lines, visibility, confidential)
    (
        "课件-国际知识产权争端解决机制.pdf",
        ["国际知识产权争端解决机制概览", "WIPO 仲裁与调解中心 · 课件"],
        Visibility.PROGRAM,
        False,
    ),
    (
        "案例材料-跨境商标侵权.pdf",
        ["模拟法庭案例材料：跨境商标侵权纠纷", "仅供本场学员使用，请勿外传"],
        Visibility.ENROLLED,
        True,
    ),
    (
        "参考判决-标准必要专利许可费.pdf",
        ["参考判决：标准必要专利许可费率纠纷", "节选与评注"],
        Visibility.ENROLLED,
        False,
    ),
    (
        "阅读清单-美国337调查.pdf",
        ["美国337调查应对实务 · 阅读清单", "Reading list: Section 337 investigations"],
        Visibility.PROGRAM,
        False,
    ),
]


def _pdf(lines: list[str]) -> bytes:
    from trainingprog.pdf import font

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    name = font()
    for page in range(2):
        sheet.setFont(name, 20)
        sheet.drawString(60, 760, lines[0])
        sheet.setFont(name, 12)
        for n, line in enumerate(lines[1:], start=1):
            sheet.drawString(60, 760 - 30 * n, line)
        sheet.drawString(60, 60, f"2025年全国涉外知识产权律师培训项目 · 第{page + 1}页")
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def seed_materials(program: Program, by) -> None:
    if Material.objects.filter(session__program=program).exists():
        return
    held = program.sessions.filter(ends_at__lt=timezone.now(), assignments__faculty__user=by).order_by("starts_at")
    for session, (filename, lines, visibility, confidential) in zip(held[: len(DOCUMENTS)], DOCUMENTS, strict=False):
        material_upload(
            session=session, files=[SimpleUploadedFile(filename, _pdf(lines))], by=by, title=lines[0],
            visibility=visibility, confidential=confidential, description=lines[1],
        )  # fmt: skip
    Material.objects.filter(session__program=program).update(announced_at=timezone.now())  # old news: no notices
