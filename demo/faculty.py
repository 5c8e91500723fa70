"""Demo materials for `seed_demo`: a few small generated PDFs on sessions already held."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from reportlab.lib.pagesizes import A4

from faculty.models import Material, Visibility
from faculty.services import material_upload
from sessions.models import Program

# The kinds of document posted, one per session the demo faculty member has taught, each named after its
# session: (name prefix, second line, visibility, confidential).
DOCUMENTS = [
    ("课件", "授课课件 · Lecture slides", Visibility.PROGRAM, False),
    ("案例材料", "仅供本场学员使用，请勿外传 · For this session's lawyers only", Visibility.ENROLLED, True),
    ("参考判决", "节选与评注 · Extracts with commentary", Visibility.ENROLLED, False),
    ("阅读清单", "延伸阅读 · Further reading", Visibility.PROGRAM, False),
]


def demo_pdf(lines: list[str], program_name: str) -> bytes:
    """A material of a few pages, every glyph from an embedded font, as every PDF we make."""
    from common.pdf import canvas, font

    buffer = io.BytesIO()
    sheet = canvas(buffer, pagesize=A4)
    name = font()
    for page in range(2):
        sheet.setFont(name, 20)
        sheet.drawString(60, 760, lines[0])
        sheet.setFont(name, 12)
        for n, line in enumerate(lines[1:], start=1):
            sheet.drawString(60, 760 - 30 * n, line)
        sheet.drawString(60, 60, f"{program_name} · 第{page + 1}页")
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def seed_materials(program: Program, by) -> None:
    if Material.objects.filter(session__program=program).exists():
        return
    held = program.sessions.filter(ends_at__lt=timezone.now(), assignments__faculty__user=by).order_by("starts_at")
    for session, (prefix, second, visibility, confidential) in zip(held[: len(DOCUMENTS)], DOCUMENTS, strict=False):
        lines = [f"{prefix}：{session.title_zh}", second]
        material_upload(
            session=session,
            files=[SimpleUploadedFile(f"{prefix}-{session.title_zh}.pdf", demo_pdf(lines, program.name_zh))],
            by=by,
            title=lines[0],
            visibility=visibility,
            confidential=confidential,
            description=second,
        )
    Material.objects.filter(session__program=program).update(announced_at=timezone.now())  # old news: no notices
