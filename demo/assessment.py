"""Coursework on fipr-live: a mock-court brief of a session the demo faculty member taught (handed in by the
lawyers seated in it, most of it graded by that faculty member against a rubric, the rest waiting in the queue;
the demo lawyer's graded) and a reflection essay open now, which the demo lawyer has still to write."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from assessment import services
from assessment.models import Assignment, AssignmentKind, Criterion
from participants.models import EnrolmentState, Participant
from sessions.models import Program

RUBRIC = [("事实认定", "Findings of fact", 30), ("法律适用", "Application of the law", 40),
          ("论证与表达", "Reasoning and writing", 30)]  # fmt: skip
COMMENTS = [
    "事实梳理清楚，法律适用准确。",
    "请补充对管辖权异议的论证。",
    "证据链分析有待加强。",
    "结构严谨，表达规范。",
]


def seed_coursework(program: Program, *, teacher, demo_lawyer) -> None:
    if program.coursework.exists():
        return
    now = timezone.now()
    taught = program.sessions.filter(assignments__faculty__user=teacher, ends_at__lt=now - timedelta(days=4))
    # One the demo lawyer sat, so that their work is among the graded.
    sat = taught.filter(enrolments__participant=demo_lawyer, enrolments__state=EnrolmentState.CONFIRMED)
    session = sat.order_by("-starts_at").first() or taught.order_by("-starts_at").first()
    if session is not None:
        _graded_brief(program, session, teacher=teacher, demo_lawyer=demo_lawyer)
    reflection = Assignment.objects.create(
        program=program, kind=AssignmentKind.REFLECTION, title_zh="培训心得体会", title_en="Reflection on the program",
        brief_zh="结合所学课程与本所涉外知识产权业务，撰写不少于1500字的心得体会。",
        brief_en="Drawing on the sessions and your firm's foreign-related IP work, write at least 1,500 words.",
        opens_at=now - timedelta(days=2), due_at=now + timedelta(days=10), late_until=now + timedelta(days=13),
        max_score=Decimal(100), pass_mark=Decimal(60),
    )  # fmt: skip
    writers = Participant.objects.filter(admissions__program=program, admissions__state="admitted").exclude(
        pk=demo_lawyer.pk
    )
    for lawyer in writers.order_by("pk")[:8]:
        services.submit(
            assignment=reflection, participant=lawyer, text="通过本次培训，我对涉外知识产权纠纷的应对有了系统认识……",
            by=lawyer.user, at=now - timedelta(hours=20),
        )  # fmt: skip


def _graded_brief(program: Program, session, *, teacher, demo_lawyer) -> None:
    brief = Assignment.objects.create(
        program=program, session=session, kind=AssignmentKind.MOCK_BRIEF, required=True,
        title_zh="模拟法庭代理词", title_en="Mock-court brief",
        brief_zh=f"就“{session.title_zh}”的模拟案件，代表一方当事人提交代理词。",
        brief_en=f"For the case of “{session.title_en or session.title_zh}”, hand in the brief of one party.",
        opens_at=session.starts_at, due_at=session.ends_at + timedelta(days=3), max_score=Decimal(100),
        pass_mark=Decimal(60),
    )  # fmt: skip
    brief.graders.add(teacher)
    criteria = [
        Criterion.objects.create(assignment=brief, title_zh=zh, title_en=en, max_points=Decimal(points), position=n)
        for n, (zh, en, points) in enumerate(RUBRIC, start=1)
    ]
    seated = Participant.objects.filter(enrolments__session=session, enrolments__state=EnrolmentState.CONFIRMED)
    lawyers = list(seated.order_by("pk")[:40])
    if demo_lawyer in seated:
        lawyers = [demo_lawyer, *[lawyer for lawyer in lawyers if lawyer != demo_lawyer][:39]]
    handed_in = session.ends_at + timedelta(days=1)
    for n, lawyer in enumerate(lawyers):
        submission = services.submit(
            assignment=brief, participant=lawyer, text="审判长、审判员：受原告委托，现就本案发表如下代理意见……",
            by=lawyer.user, at=handed_in + timedelta(minutes=7 * n),
        )  # fmt: skip
        if n % 5 == 4:
            continue  # waiting in the queue
        share = Decimal([0.86, 0.74, 0.92, 0.55, 0.68][n % 5]) if lawyer != demo_lawyer else Decimal("0.86")
        points = {str(c.pk): str((c.max_points * share).quantize(Decimal("1"))) for c in criteria}
        services.grade(
            submission=submission, criteria=points, comment=COMMENTS[n % len(COMMENTS)], by=teacher,
            at=handed_in + timedelta(days=1, minutes=n),
        )  # fmt: skip
