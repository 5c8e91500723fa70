"""Cases and teams on fipr-live: the next mock court with seats free, the demo faculty member on its bench and the
demo lawyer seated in it, a patent case heard in English with four teams a side, its files (for both sides, and one for
each side), built; the case study the demo lawyer holds a seat in, a case in three groups; and the last mock court
held, its teams heard and scored by the bench, the results graded as coursework "Scored at the hearing"."""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from assessment.models import Assignment, AssignmentKind
from demo.faculty import demo_pdf
from participants import services as participant_services
from practice import scoring, services
from practice.models import Case, Criterion, Dispute, Forum, Member, Question, QuestionState, Side, Vote
from sessions import services as session_services
from sessions.models import AssignmentRole, Program, SessionFormat, SessionStatus


def seed_practice(program: Program, *, teacher, demo_lawyer, admin) -> None:
    if Case.objects.filter(session__program=program).exists():
        return
    now = timezone.now()
    upcoming = program.sessions.filter(status=SessionStatus.SCHEDULED, starts_at__gt=now).order_by("starts_at")
    court = next((s for s in upcoming.filter(format=SessionFormat.MOCK_COURT) if s.seats_taken < s.capacity), None)
    if court is not None:
        if not court.is_taught_by(teacher):
            bench = [(a.faculty, a.role) for a in court.assignments.select_related("faculty")]
            session_services.session_save(
                session=court, faculty=[*bench, (teacher.faculty_profile, AssignmentRole.JUDGE)], by=admin,
                acknowledge_warnings=True,
            )  # fmt: skip
            court = program.sessions.get(pk=court.pk)  # read again: it asked who teaches it before
        participant_services.enrol(participant=demo_lawyer, session=court)
        services.case_save(
            Case(
                session=court, title_zh="标准必要专利侵权纠纷：智能终端公司诉国内手机制造商",
                title_en="SEP infringement: a smart-device licensor v. a Chinese handset maker",
                summary_zh="原告主张被告在美国销售的手机侵犯其4G/5G标准必要专利，请求禁令和损害赔偿；被告抗辩许可费要约不符合FRAND原则。",
                summary_en="The claimant says handsets sold in the US infringe its 4G/5G standard-essential patents and "
                "seeks an injunction and damages; the respondent answers that the royalty offered was not FRAND.",
                dispute=Dispute.PATENT, forum=Forum.US_DISTRICT, in_english=True, teams=4, witnesses=1, experts=1,
            )
        )  # fmt: skip
        case = court.cases.get()
        for side, title, lines in (
            ("", "案情与证据目录", ["案情简介", "双方证据目录", "庭审程序安排"]),
            (Side.CLAIMANT, "原告方：专利权属与侵权比对", ["涉案专利权属证明", "侵权比对表（权利要求1-5）"]),
            (Side.RESPONDENT, "被告方：FRAND许可谈判记录", ["许可谈判往来函件", "可比许可协议分析"]),
        ):
            upload = SimpleUploadedFile(f"{title}.pdf", demo_pdf([title, *lines], program.name_zh))
            services.material_add(case=case, upload=upload, title=title, side=side, by=teacher)
        services.build_teams(court, by=teacher, seed=2026)
    study = upcoming.filter(
        format=SessionFormat.CASE_STUDY, enrolments__participant=demo_lawyer, enrolments__state="confirmed"
    ).first()
    if study is not None:
        services.case_save(
            Case(
                session=study, title_zh="生物医药企业海外专利布局与风险排查", title_en="A biotech company's patents abroad",
                summary_zh="某生物医药企业拟进入欧美市场，请为其设计专利布局并排查侵权风险。",
                summary_en="A biotech company is entering Europe and the US: design its patent portfolio and check "
                "the risks of infringement.",
                dispute=Dispute.PATENT, forum=Forum.OTHER, teams=3,
            )
        )  # fmt: skip
        services.build_teams(study, by=admin, seed=2026)
    _scored_court(program, now, teacher=teacher, demo_lawyer=demo_lawyer, admin=admin)


# The case of the last mock court held, by what its title says it simulates.
HEARD_CASES = [
    ("调解", {
        "title_zh": "国际专利许可费纠纷调解：通信技术许可方与国内设备商", "dispute": Dispute.MEDIATION,
        "title_en": "Mediating a royalty dispute: a telecoms licensor and a Chinese equipment maker",
        "summary_zh": "双方就标准必要专利组合的许可费率和既往使用补偿存在分歧，在WIPO调解员主持下进行调解。",
        "summary_en": "The parties disagree on the royalty rate of a portfolio of standard-essential patents and on "
        "past use; a WIPO mediator leads them.",
        "forum": Forum.WIPO_MEDIATION,
    }),
    ("商标", {
        "title_zh": "跨境电商平台商标侵权纠纷", "title_en": "Trademark infringement on a cross-border platform",
        "summary_zh": "境外品牌权利人起诉国内卖家在跨境电商平台销售侵权商品，双方就商标近似与合法来源抗辩展开辩论。",
        "summary_en": "A foreign brand owner sues a Chinese seller of goods on a cross-border platform; the two sides "
        "argue over the marks' similarity and the seller's defence of lawful source.",
        "dispute": Dispute.TRADEMARK, "forum": Forum.CN_COURT,
    }),
    ("", {
        "title_zh": "海外专利侵权诉讼：权利要求解释与损害赔偿", "title_en": "A patent suit abroad: claim construction and damages",
        "summary_zh": "境外专利权人起诉国内企业在美销售的产品侵权，双方就权利要求解释、现有技术抗辩和合理许可费展开辩论。",
        "summary_en": "A patent owner sues a Chinese company over products sold in the US; the sides argue claim "
        "construction, prior art and a reasonable royalty.",
        "dispute": Dispute.PATENT, "forum": Forum.US_DISTRICT,
    }),
]  # fmt: skip


def _scored_court(program: Program, now, *, teacher, demo_lawyer, admin) -> None:
    """The last mock court held (one the demo lawyer sat, where there is one): its case in four teams a side,
    heard and scored, each lawyer's result graded in coursework of its own (not required)."""
    held = program.sessions.filter(status=SessionStatus.SCHEDULED, format=SessionFormat.MOCK_COURT, ends_at__lt=now)
    sat = held.filter(enrolments__participant=demo_lawyer, enrolments__state="confirmed")
    court = sat.order_by("-starts_at").first() or held.order_by("-starts_at").first()
    if court is None or court.seats_taken < 8:
        return
    hearing = Assignment.objects.create(
        program=program, session=court, kind=AssignmentKind.HEARING, title_zh="模拟法庭庭审成绩",
        title_en="Mock-court hearing result", opens_at=court.starts_at, due_at=court.ends_at,
        max_score=Decimal(100), pass_mark=Decimal(60),
    )  # fmt: skip
    values = next(values for word, values in HEARD_CASES if word in court.title_zh)
    case = services.case_save(Case(session=court, teams=4, witnesses=1, assignment=hearing, **values))
    services.build_teams(court, by=admin, seed=2025)
    draw = random.Random(2025)
    bench = admin if not court.is_taught_by(teacher) else teacher
    for team in case.team_set.order_by("side", "number"):
        places = sorted(Member.objects.filter(team=team), key=services.card_order)
        members = [m.participant_id for m in places]
        given = {scoring.team_field(c): str(draw.randint(12, 19)) for c in Criterion.values}
        for pk in members[:3]:  # the lead counsel and two more spoke
            given |= {scoring.speaker_field(pk, c): str(draw.randint(11, 20)) for c in Criterion.values}
        given["comment"] = "论证清晰，举证充分；交叉询问可更紧凑。"
        scoring.score_team(team, given, members=members, by=bench, at=court.ends_at + timedelta(hours=1))


# The questions of a forum just past: (text, asked by the demo lawyer, anonymous, votes, answered), in the order asked.
QUESTIONS = [
    ("在美国337调查中，被诉企业收到普遍排除令后还有哪些救济途径？", False, False, 14, True),
    ("How should a Chinese company respond to an anti-suit injunction from a US court in an SEP dispute?", False,
     False, 11, False),
    ("跨境诉讼中，境外法院要求我方提供存放在国内的证据，如何兼顾数据出境合规？", True, False, 9, False),
    ("欧洲统一专利法院（UPC）的临时禁令程序，与德国法院相比有何不同？", False, False, 7, False),
    ("律师费太高，中小企业应诉海外商标抢注有没有更经济的办法？", False, True, 6, False),
    ("When a licensee in Germany stops paying royalties, is WIPO mediation a realistic first step?", False, False,
     4, False),
    ("海外参展时被诉侵犯外观设计，现场被扣押展品应如何应对？", False, False, 3, False),
    ("企业海外维权保险目前覆盖哪些费用？理赔周期一般多长？", False, True, 2, False),
]  # fmt: skip


def seed_questions(program: Program, *, teacher, demo_lawyer, admin) -> None:
    """The room's questions of the last forum (or seminar) the demo lawyer held a seat in, kept with the session:
    ranked by votes, one answered, two asked anonymously, one the demo lawyer's; the demo faculty member
    moderates it."""
    if Question.objects.filter(session__program=program).exists():
        return
    forum = (
        program.sessions.filter(
            status=SessionStatus.SCHEDULED, format__in=[SessionFormat.FORUM, SessionFormat.SEMINAR],
            starts_at__lt=timezone.now(), enrolments__participant=demo_lawyer, enrolments__state="confirmed",
        )
        .order_by("-starts_at")
        .first()
    )  # fmt: skip
    if forum is None:
        return
    if not forum.is_taught_by(teacher):
        panel = [(a.faculty, a.role) for a in forum.assignments.select_related("faculty")]
        with contextlib.suppress(session_services.ScheduleConflict):  # busy elsewhere then: the office moderates
            session_services.session_save(
                session=forum, faculty=[*panel, (teacher.faculty_profile, AssignmentRole.PANELLIST)], by=admin,
                acknowledge_warnings=True,
            )  # fmt: skip
    room = list(
        program.admissions.filter(state="admitted")
        .exclude(participant=demo_lawyer)
        .filter(participant__enrolments__session=forum, participant__enrolments__state="confirmed")
        .values_list("participant", flat=True)
        .order_by("participant")[:40]
    )
    if len(room) < 20:
        return
    votes = []
    for n, (text, by_demo_lawyer, anonymous, count, answered) in enumerate(QUESTIONS):
        asked_at = forum.starts_at + timedelta(minutes=10 + 7 * n)
        author = demo_lawyer.pk if by_demo_lawyer else room[n]
        question = Question.objects.create(
            session=forum, author_id=author, text=text, anonymous=anonymous, created_at=asked_at,
            state=QuestionState.ANSWERED if answered else QuestionState.OPEN, votes=0,
            answered_at=asked_at + timedelta(minutes=25) if answered else None,
        )  # fmt: skip
        voters = [pk for pk in room[len(QUESTIONS) :] if pk != author][:count]
        if not by_demo_lawyer and n in (1, 3):
            voters = [demo_lawyer.pk, *voters[:-1]]  # the demo lawyer supports two of the room's questions
        votes += [Vote(question=question, participant_id=pk, created_at=asked_at) for pk in voters]
        question.votes = len(voters)
        question.save(update_fields=["votes"])
    Vote.objects.bulk_create(votes)
