"""The demo programs for `seed_demo`, one faculty directory for both:

- `fipr-2025`, the history: Shenzhen, June to October 2025, finished;
- `fipr-live`, its second cohort, built around the moment `seed_demo` runs: six weeks of sessions held, one
  whose check-in is open now, six weeks ahead.

Four topics and six formats each. Deterministic (fixed random seeds; the live program also follows the
clock) and idempotent: a program that already has sessions is left alone (`seed_demo` removes a live program
built on another day first, so it is built anew around the day it runs). `sessions` and `faculty` scale the
2025 program for benchmarks; sessions then run in parallel rooms, and nobody is ever booked twice.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from sessions.models import (
    AffiliationKind,
    AssignmentRole,
    Faculty,
    FacultyAssignment,
    Program,
    ProgramStatus,
    SessionFormat,
    Topic,
    TrainingSession,
    Venue,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
HISTORY_SLUG, LIVE_SLUG = "fipr-2025", "fipr-live"
FIRST_DAY, LAST_DAY = date(2025, 6, 9), date(2025, 10, 17)
SLOTS = [(time(9, 0), time(11, 30)), (time(14, 0), time(16, 30)), (time(19, 0), time(21, 0))]
TEACHING_DAYS = (3, 4, 5)  # Thursdays, Fridays and Saturdays
LIVE_SESSIONS = 40
LIVE_WEEKS = 6  # weeks of the live program before the day it is built, and as many after
LIVE_FACULTY = 30
DEMO_TEACHER = "chen-jiaming"  # faculty@demo.test
CHECKIN_OPENS_MINUTES = 30  # the live program's check-in opens this long before a session starts

TOPICS = [
    ("国际争端解决", "International dispute resolution"),
    ("海外纠纷应对", "Handling overseas disputes"),
    ("跨境风险防控", "Cross-border risk prevention and control"),
    ("海外专利申请策略", "Overseas patent application strategy"),
]

VENUES = [
    # name zh, name en, seats
    ("深圳国际会展中心 报告厅", "Shenzhen World Exhibition Centre, Auditorium", 400),
    ("深圳国际仲裁院 模拟法庭", "Shenzhen Court of International Arbitration, Mock Courtroom", 80),
    ("前海法治大厦 研讨室A", "Qianhai Rule of Law Building, Seminar Room A", 50),
    ("前海法治大厦 研讨室B", "Qianhai Rule of Law Building, Seminar Room B", 50),
    ("深圳市律师协会 多功能厅", "Shenzhen Lawyers Association, Hall", 180),
    ("南方科技大学 法学院报告厅", "SUSTech Law School, Lecture Hall", 240),
]
VENUE_ADDRESS = ("广东省深圳市", "Shenzhen, Guangdong")

# (format, seats, required, credit hours, venue index, titles per topic: [(zh, en), ...]); a table of rows, kept
# as written (fmt: skip), as is the next one: one field a line would hide the rows.
SESSION_KINDS = [
    (SessionFormat.LECTURE, 350, True, Decimal("3.0"), 0, [
        ("国际知识产权争端解决机制概览", "An overview of international IP dispute resolution"),
        ("美国337调查应对实务", "Responding to US Section 337 investigations"),
        ("跨境数据合规与商业秘密保护", "Cross-border data compliance and trade secret protection"),
        ("PCT国际专利申请策略", "PCT international patent filing strategy"),
    ]),
    (SessionFormat.MOCK_COURT, 60, False, Decimal("4.0"), 1, [
        ("模拟仲裁庭：跨境技术许可纠纷", "Mock tribunal: a cross-border technology licensing dispute"),
        ("模拟法庭：欧洲统一专利法院侵权诉讼", "Mock court: infringement before the Unified Patent Court"),
        ("模拟法庭：跨境电商商标侵权", "Mock court: trademark infringement in cross-border e-commerce"),
        ("模拟听证：美国专利无效程序", "Mock hearing: US inter partes review"),
    ]),
    (SessionFormat.CASE_STUDY, 45, False, Decimal("2.5"), 2, [
        ("WIPO仲裁与调解中心案例研讨", "Case study: the WIPO Arbitration and Mediation Center"),
        ("中国企业海外商标抢注应对案例", "Case study: answering trademark squatting abroad"),
        ("标准必要专利跨境许可案例", "Case study: cross-border licensing of standard-essential patents"),
        ("东南亚市场专利布局案例", "Case study: building a patent portfolio for Southeast Asia"),
    ]),
    (SessionFormat.SEMINAR, 45, False, Decimal("2.0"), 3, [
        ("涉外知识产权诉讼证据规则研讨", "Seminar: evidence in foreign-related IP litigation"),
        ("海外知识产权纠纷应对指导机制研讨", "Seminar: guidance centres for overseas IP disputes"),
        ("出口管制与知识产权风险研讨", "Seminar: export controls and IP risk"),
        ("外观设计海牙体系研讨", "Seminar: industrial designs under the Hague System"),
    ]),
    (SessionFormat.FORUM, 180, True, Decimal("2.0"), 4, [
        ("粤港澳大湾区知识产权合作论坛", "Forum: IP co-operation in the Greater Bay Area"),
        ("涉外律师与企业出海论坛", "Forum: foreign-related lawyers and companies going global"),
        ("知识产权强国建设论坛", "Forum: building a leading IP nation"),
        ("“一带一路”知识产权保护论坛", "Forum: IP protection along the Belt and Road"),
    ]),
    (SessionFormat.WORKSHOP, 40, False, Decimal("3.0"), 2, [
        ("涉外仲裁文书写作工作坊", "Workshop: drafting for international arbitration"),
        ("海外维权证据保全工作坊", "Workshop: preserving evidence abroad"),
        ("跨境合规审查工作坊", "Workshop: cross-border compliance reviews"),
        ("美国专利申请文件撰写工作坊", "Workshop: drafting US patent applications"),
    ]),
]  # fmt: skip

# The second cohort's curriculum: the same four topics, with more practice (mock mediation, patent litigation,
# the guidance centres' cases), as the 2025 program's report (background/000_05ece9d8c8364e00.txt) describes.
LIVE_SESSION_KINDS = [
    (SessionFormat.LECTURE, 350, True, Decimal("3.0"), 0, [
        ("从《关于强化知识产权保护的意见》看国际争端解决", "International dispute resolution after the 2019 Guidelines on Strengthening IP Protection"),
        ("海外知识产权纠纷应对：企业出海的常见争议", "Overseas IP disputes: what companies going global face"),
        ("电子信息、生物医药与跨境电商的跨境风险", "Cross-border risk in electronics, biomedicine and e-commerce"),
        ("《知识产权强国建设纲要》与海外专利布局", "The Outline for Building an IP Power and patent portfolios abroad"),
    ]),
    (SessionFormat.MOCK_COURT, 60, False, Decimal("4.0"), 1, [
        ("模拟调解：国际知识产权许可费纠纷", "Mock mediation: an international IP royalty dispute"),
        ("模拟法庭：海外专利侵权诉讼（电子信息）", "Mock court: a patent infringement suit abroad (electronics)"),
        ("模拟法庭：跨境电商平台商标侵权", "Mock court: trademark infringement on a cross-border platform"),
        ("模拟法庭：生物医药专利侵权诉讼", "Mock court: a biomedicine patent infringement suit"),
    ]),
    (SessionFormat.CASE_STUDY, 45, False, Decimal("2.5"), 2, [
        ("国际仲裁中的技术许可纠纷案例", "Case study: technology licensing disputes in international arbitration"),
        ("海外纠纷应对指导中心典型案例", "Case study: cases of the overseas dispute guidance centres"),
        ("企业出海商业秘密纠纷案例", "Case study: trade secret disputes of companies abroad"),
        ("生物医药企业海外专利布局案例", "Case study: a biomedicine company's patents abroad"),
    ]),
    (SessionFormat.SEMINAR, 45, False, Decimal("2.0"), 3, [
        ("涉外知识产权纠纷调解规则研讨", "Seminar: rules for mediating foreign-related IP disputes"),
        ("海外维权成本与损失挽回研讨", "Seminar: the cost of enforcement abroad and recovering losses"),
        ("数据跨境流动与知识产权风险研讨", "Seminar: cross-border data flows and IP risk"),
        ("海外专利审查意见答复研讨", "Seminar: answering patent office actions abroad"),
    ]),
    # Required, so every lawyer holds a seat: in the auditorium, not 2025's hall of 180
    (SessionFormat.FORUM, 350, True, Decimal("2.0"), 0, [
        ("涉外知识产权律师人才培养论坛", "Forum: educating foreign-related IPR lawyers"),
        ("指导中心与涉外律师协作论坛", "Forum: guidance centres and lawyers working together"),
        ("产学研协同与涉外实务平台论坛", "Forum: industry, academia, research and practice platforms"),
        ("中国企业出海知识产权保护论坛", "Forum: protecting the IP of Chinese companies going global"),
    ]),
    (SessionFormat.WORKSHOP, 40, False, Decimal("3.0"), 2, [
        ("国际仲裁申请书写作工作坊", "Workshop: drafting a request for arbitration"),
        ("海外应诉策略工作坊", "Workshop: planning a defence abroad"),
        ("跨境知识产权尽职调查工作坊", "Workshop: cross-border IP due diligence"),
        ("欧洲专利申请文件撰写工作坊", "Workshop: drafting European patent applications"),
    ]),
]  # fmt: skip

# The live program's session of the day: a required lecture, taught by the demo faculty member, whose
# check-in is open when `seed_demo` has run (topic index, faculty slugs, title and description, zh and en).
TODAY_SESSION = (
    1,
    ["chen-jiaming", "wu-haifeng"],
    ("海外知识产权纠纷应对指导：3094件案件的经验", "Guiding companies through overseas IP disputes: 3,094 cases"),
    (
        "2024年，国家海外知识产权纠纷应对指导中心及其99家地方分中心、6家行业分中心和设在11个国家的海外分中心，"
        "指导企业应对130个国家和地区的3094件纠纷，帮助企业降低维权成本4.5亿元、挽回经济损失141.5亿元。"
        "本讲结合电子信息、生物医药和跨境电商领域的典型案件，讲解律师如何与指导中心协作。",
        "In 2024 the national guidance centre for overseas IP disputes, with its 99 local sub-centres, six industry "
        "branches and centres in 11 countries, guided companies through 3,094 disputes in 130 countries and "
        "regions, cutting their enforcement costs by 450 million yuan and recovering 14.15 billion yuan of losses. "
        "Cases from electronics, biomedicine and cross-border e-commerce show how lawyers work with the centres.",
    ),
)

FACULTY = [
    # zh, latin, title zh, title en, affiliation zh, affiliation en, kind: one person a row (fmt: skip)
    ("马克·阿莱曼", "Marc Aleman", "高级法律顾问", "Senior Legal Counsel", "世界知识产权组织仲裁与调解中心", "WIPO Arbitration and Mediation Center", AffiliationKind.INTERNATIONAL),
    ("伊莎贝尔·诺瓦克", "Isabel Nowak", "项目官员", "Program Officer", "世界知识产权组织", "World Intellectual Property Organization", AffiliationKind.INTERNATIONAL),
    ("拉杰·梅农", "Raj Menon", "专利合作条约专家", "PCT Specialist", "世界知识产权组织", "World Intellectual Property Organization", AffiliationKind.INTERNATIONAL),
    ("索菲亚·兰伯特", "Sofia Lambert", "顾问", "Counsellor", "世界贸易组织知识产权司", "WTO Intellectual Property Division", AffiliationKind.INTERNATIONAL),
    ("何志恒", "Ho Chi-hang", "教授", "Professor", "香港大学法律学院", "Faculty of Law, The University of Hong Kong", AffiliationKind.HK_MACAO),
    ("梁颖欣", "Leung Wing-yan", "副教授", "Associate Professor", "香港中文大学法律学院", "Faculty of Law, CUHK", AffiliationKind.HK_MACAO),
    ("黄家乐", "Wong Ka-lok", "仲裁员", "Arbitrator", "香港国际仲裁中心", "Hong Kong International Arbitration Centre", AffiliationKind.HK_MACAO),
    ("欧阳晓", "Au Yeung Hio", "副教授", "Associate Professor", "澳门大学法学院", "Faculty of Law, University of Macau", AffiliationKind.HK_MACAO),
    ("周明远", "Zhou Mingyuan", "副司长", "Deputy Director-General", "司法部律师工作局", "Lawyers Affairs Bureau, Ministry of Justice", AffiliationKind.MINISTRY),
    ("刘雅婷", "Liu Yating", "处长", "Division Director", "国家知识产权局知识产权保护司", "IP Protection Department, CNIPA", AffiliationKind.MINISTRY),
    ("孙立新", "Sun Lixin", "研究员", "Research Fellow", "商务部国际贸易经济合作研究院", "Chinese Academy of International Trade, MOFCOM", AffiliationKind.MINISTRY),
    ("吴海峰", "Wu Haifeng", "主任", "Director", "国家海外知识产权纠纷应对指导中心", "National Center for Overseas IP Dispute Guidance", AffiliationKind.MINISTRY),
    ("郑文华", "Zheng Wenhua", "教授", "Professor", "中国人民大学法学院", "Renmin University of China Law School", AffiliationKind.UNIVERSITY),
    ("高婧", "Gao Jing", "教授", "Professor", "清华大学法学院", "Tsinghua University School of Law", AffiliationKind.UNIVERSITY),
    ("许志强", "Xu Zhiqiang", "教授", "Professor", "华东政法大学知识产权学院", "IP School, East China University of Political Science and Law", AffiliationKind.UNIVERSITY),
    ("林晓燕", "Lin Xiaoyan", "副教授", "Associate Professor", "中山大学法学院", "Sun Yat-sen University Law School", AffiliationKind.UNIVERSITY),
    ("陈嘉明", "Chen Jiaming", "教授", "Professor", "深圳大学法学院", "Shenzhen University Law School", AffiliationKind.UNIVERSITY),
    ("杨帆", "Yang Fan", "副教授", "Associate Professor", "中国政法大学国际法学院", "School of International Law, CUPL", AffiliationKind.UNIVERSITY),
    ("赵磊", "Zhao Lei", "知识产权总监", "Head of IP", "华为技术有限公司", "Huawei Technologies Co., Ltd.", AffiliationKind.ENTERPRISE),
    ("钱芳", "Qian Fang", "法务副总裁", "VP Legal", "比亚迪股份有限公司", "BYD Company Ltd.", AffiliationKind.ENTERPRISE),
    ("韩冬", "Han Dong", "知识产权经理", "IP Manager", "大疆创新科技有限公司", "DJI", AffiliationKind.ENTERPRISE),
    ("冯静怡", "Feng Jingyi", "合规总监", "Compliance Director", "腾讯科技（深圳）有限公司", "Tencent", AffiliationKind.ENTERPRISE),
    ("蒋伟", "Jiang Wei", "首席知识产权官", "Chief IP Officer", "中兴通讯股份有限公司", "ZTE Corporation", AffiliationKind.ENTERPRISE),
    ("沈立", "Shen Li", "合伙人", "Partner", "金杜律师事务所", "King & Wood Mallesons", AffiliationKind.LAW_FIRM),
    ("曹敏", "Cao Min", "合伙人", "Partner", "君合律师事务所", "JunHe LLP", AffiliationKind.LAW_FIRM),
    ("彭涛", "Peng Tao", "合伙人", "Partner", "中伦律师事务所", "Zhong Lun Law Firm", AffiliationKind.LAW_FIRM),
    ("罗佳", "Luo Jia", "高级合伙人", "Senior Partner", "广东华商律师事务所", "China Commercial Law Firm", AffiliationKind.LAW_FIRM),
    ("谢晨", "Xie Chen", "合伙人", "Partner", "北京市立方律师事务所", "Lifang & Partners", AffiliationKind.LAW_FIRM),
    ("唐悦", "Tang Yue", "合伙人", "Partner", "上海市锦天城律师事务所", "AllBright Law Offices", AffiliationKind.LAW_FIRM),
    ("丁一凡", "Ding Yifan", "合伙人", "Partner", "北京观韬律师事务所", "Guantao Law Firm", AffiliationKind.LAW_FIRM),
]  # fmt: skip

EXPERTISE = [
    ("国际仲裁、跨境许可", "international arbitration, cross-border licensing"),
    ("专利诉讼、337调查", "patent litigation, Section 337"),
    ("商标保护、跨境电商", "trademarks, cross-border e-commerce"),
    ("商业秘密、数据合规", "trade secrets, data compliance"),
    ("PCT、海外专利布局", "PCT, overseas patent portfolios"),
]


def seed_history(*, sessions: int = 40, faculty: int = 30, faculty_user=None) -> Program:
    """The 2025 program, finished: its dates are fixed, whenever the demo is built."""
    rng = random.Random(2025)
    program, _created = Program.objects.get_or_create(
        slug=HISTORY_SLUG,
        defaults={
            "name_zh": "2025年全国涉外知识产权律师培训项目",
            "name_en": "2025 National Training Program for Foreign-related IPR Lawyers",
            "code": "FIPR",
            "organisers_zh": "司法部、国家知识产权局",
            "organisers_en": "Ministry of Justice and China National Intellectual Property Administration",
            "city_zh": "深圳",
            "city_en": "Shenzhen",
            "description_zh": "面向全国二十余个省（区、市）的三百余名涉外知识产权律师，"
            "围绕国际争端解决、海外纠纷应对、跨境风险防控和海外专利申请策略开展系统培训。",
            "description_en": "Systematic training for over 300 foreign-related IPR lawyers from more than 20 "
            "provinces: international dispute resolution, overseas disputes, cross-border risk and patent strategy.",
            "starts_on": FIRST_DAY,
            "ends_on": LAST_DAY,
            "enrolment_opens_at": datetime(2025, 5, 6, 9, 0, tzinfo=SHANGHAI),
            "enrolment_closes_at": datetime(2025, 6, 6, 18, 0, tzinfo=SHANGHAI),
            "required_attendance_share": Decimal("0.80"),
            "min_credit_hours": Decimal("32.0"),
            "status": ProgramStatus.PUBLISHED,
        },
    )
    topics = _seed_topics(program)
    people = _seed_faculty(faculty, faculty_user)
    if program.sessions.exists():
        return program
    plan = _history_plan(sessions)
    venues = _seed_venues(max(len(VENUES), max(parallel for _s, _e, parallel in plan) + 1))
    _seed_sessions(program, topics, venues, people, plan, SESSION_KINDS, rng)
    return program


def seed_live(*, faculty_user) -> Program:
    """The second cohort, around now: its days are the teaching days from six weeks before today to six weeks
    after; today's session starts within half an hour, and its check-in is open (whatever the hour, even if the
    session runs past midnight). Enrolment in electives is open until the program's last week."""
    now = timezone.now()
    existing = Program.objects.filter(slug=LIVE_SLUG).first()
    if existing is not None and existing.sessions.exists():
        return existing
    today_starts, today_ends = _today_slot(now)
    plan = _live_plan(now, busy={today_starts.date(), today_ends.date()})
    first_day = min(plan[0][0], today_starts).date()
    last_day = max(plan[-1][1], today_ends).date()
    program, _created = Program.objects.get_or_create(
        slug=LIVE_SLUG,
        defaults={
            "name_zh": "全国涉外知识产权律师培训项目（第二期）",
            "name_en": "National Training Program for Foreign-related IPR Lawyers, Second Cohort",
            "code": "FIPR",
            "organisers_zh": "司法部、国家知识产权局",
            "organisers_en": "Ministry of Justice and China National Intellectual Property Administration",
            "city_zh": "深圳",
            "city_en": "Shenzhen",
            "description_zh": "在2025年首期培训的基础上，第二期面向新一批来自二十余个省（区、市）的涉外知识产权律师，"
            "增加国际知识产权纠纷模拟调解、专利诉讼模拟法庭等实训，并与国家海外知识产权纠纷应对指导中心合作开展案例教学。",
            "description_en": "Building on the 2025 program, the second cohort trains a new group of foreign-related "
            "IPR lawyers from more than 20 provinces, with more practice (mock mediation of international IP "
            "disputes, patent litigation mock courts) and cases taught with the national guidance centre for "
            "overseas IP disputes.",
            "starts_on": first_day,
            "ends_on": last_day,
            "enrolment_opens_at": datetime.combine(first_day - timedelta(days=21), time(9, 0), SHANGHAI),
            "enrolment_closes_at": datetime.combine(last_day - timedelta(days=7), time(18, 0), SHANGHAI),
            "required_attendance_share": Decimal("0.80"),
            "min_credit_hours": Decimal("32.0"),
            "checkin_opens_minutes": CHECKIN_OPENS_MINUTES,
            "status": ProgramStatus.PUBLISHED,
        },
    )
    topics = _seed_topics(program)
    people = _seed_faculty(LIVE_FACULTY, faculty_user)  # the directory's first thirty, as in 2025
    venues = _seed_venues(len(VENUES))
    _seed_sessions(program, topics, venues, people, plan, LIVE_SESSION_KINDS, random.Random(2026))
    _seed_today(program, topics, venues[0], today_starts, today_ends)
    return program


def built_today(live: Program) -> bool:
    """The live program was built on today's date in Beijing: today's session is in it."""
    return timezone.localtime(live.created_at, SHANGHAI).date() == timezone.localtime(timezone.now(), SHANGHAI).date()


def _seed_topics(program: Program) -> list[Topic]:
    return [
        Topic.objects.get_or_create(program=program, name_zh=zh, defaults={"name_en": en, "position": i})[0]
        for i, (zh, en) in enumerate(TOPICS)
    ]


def _seed_venues(count: int) -> list[Venue]:
    venues = []
    for i in range(count):
        if i < len(VENUES):
            zh, en, seats = VENUES[i]
        else:
            zh, en, seats = f"前海法治大厦 {i + 1:02d}号教室", f"Qianhai Rule of Law Building, Room {i + 1:02d}", 60
        venues.append(
            Venue.objects.get_or_create(
                name_zh=zh,
                defaults={
                    "name_en": en,
                    "capacity": seats,
                    "address_zh": VENUE_ADDRESS[0],
                    "address_en": VENUE_ADDRESS[1],
                },
            )[0]
        )
    return venues


def _seed_faculty(count: int, faculty_user) -> list[Faculty]:
    people = []
    for i in range(count):
        base = FACULTY[i % len(FACULTY)]
        zh, latin, title_zh, title_en, aff_zh, aff_en, kind = base
        round_ = i // len(FACULTY)
        if round_:
            zh, latin = f"{zh}{round_ + 1}", f"{latin} {round_ + 1}"
        slug = "-".join(latin.lower().replace(".", "").split())
        expertise = EXPERTISE[i % len(EXPERTISE)]
        person, _created = Faculty.objects.get_or_create(
            slug=slug,
            defaults={
                "name_zh": zh,
                "name_en": latin,
                "title_zh": title_zh,
                "title_en": title_en,
                "affiliation_zh": aff_zh,
                "affiliation_en": aff_en,
                "affiliation_kind": kind,
                "expertise_zh": expertise[0],
                "expertise_en": expertise[1],
                "languages": "中文, English" if kind != AffiliationKind.INTERNATIONAL else "English",
                "bio_zh": f"{aff_zh}{title_zh}，长期从事{expertise[0]}领域的研究与实务工作。",
                "bio_en": f"{title_en}, {aff_en}; works on {expertise[1]}.",
            },
        )
        people.append(person)
    if faculty_user is not None and not Faculty.objects.filter(user=faculty_user).exists():
        demo = next(p for p in people if p.slug == DEMO_TEACHER)
        demo.user, demo.email = faculty_user, faculty_user.email
        demo.save(update_fields=["user", "email"])
    return people


def _teaching_days(first: date, last: date) -> list[date]:
    return [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if (first + timedelta(days=n)).weekday() in TEACHING_DAYS
    ]


# A plan says when each session runs: (starts, ends, how many sessions run in parallel in that slot).
Plan = list[tuple[datetime, datetime, int]]


def _history_plan(count: int) -> Plan:
    """`count` sessions spread evenly over the 2025 program's slots; with more sessions than slots (the
    benchmark's sizes), several run in parallel in distinct rooms."""
    slots = [(day, slot) for day in _teaching_days(FIRST_DAY, LAST_DAY) for slot in SLOTS]
    per_slot = -(-count // len(slots))
    stride = max(1, len(slots) * per_slot // count)  # with few sessions, use every n-th slot
    plan, placed = [], 0
    for index, (day, (start, end)) in enumerate(slots):
        if placed >= count:
            break
        if index % stride:
            continue
        parallel = min(per_slot, count - placed)
        plan.append((datetime.combine(day, start, SHANGHAI), datetime.combine(day, end, SHANGHAI), parallel))
        placed += parallel
    return plan


def _live_plan(now: datetime, *, busy: set[date]) -> Plan:
    """The live program's sessions but today's, spread evenly over the teaching days from LIVE_WEEKS before
    today to as many after, one at a time; today and the days today's session touches are left to it."""
    today = timezone.localtime(now, SHANGHAI).date()
    span = timedelta(weeks=LIVE_WEEKS)
    days = [day for day in _teaching_days(today - span, today + span) if day != today and day not in busy]
    slots = [
        (datetime.combine(day, start, SHANGHAI), datetime.combine(day, end, SHANGHAI))
        for day in days
        for start, end in SLOTS
    ]
    count = LIVE_SESSIONS - 1
    return [(*slots[n * len(slots) // count], 1) for n in range(count)]


def _today_slot(now: datetime) -> tuple[datetime, datetime]:
    """Today's session starts on a quarter hour 10 to 25 minutes from now: its check-in, open from half an
    hour before the start, opened 5 to 20 minutes ago (the first lawyers are in) and stays open for more
    than an hour. Near midnight it starts, or runs, into the next day."""
    local = timezone.localtime(now, SHANGHAI) - timedelta(minutes=5)
    quarter = local - timedelta(minutes=local.minute % 15, seconds=local.second, microseconds=local.microsecond)
    starts = quarter + timedelta(minutes=CHECKIN_OPENS_MINUTES)
    return starts, starts + timedelta(minutes=150)


def _seed_sessions(program, topics, venues, people, plan: Plan, kinds, rng) -> None:
    """The sessions of `plan`, taking format, seats and title in turn from `kinds`; the demo faculty member
    teaches every seventh."""
    sessions, assignments = [], []
    demo_teacher = next((p for p in people if p.slug == DEMO_TEACHER), people[0])
    created = 0
    for starts_at, ends_at, in_parallel in plan:
        free_rooms = list(range(len(venues)))
        free_people = list(people)
        rng.shuffle(free_people)
        for parallel in range(in_parallel):
            fmt, seats, required, hours, room, titles = kinds[created % len(kinds)]
            venue_index = room if parallel == 0 and room in free_rooms else free_rooms[0]
            free_rooms.remove(venue_index)
            topic_index = (created // len(kinds)) % len(topics)
            zh, en = titles[topic_index]
            part = created // (len(kinds) * len(topics)) + 1  # titles repeat: number the later runs
            session = TrainingSession(
                program=program,
                topic=topics[topic_index],
                title_zh=zh + (f"（{part}）" if part > 1 else ""),
                title_en=en + (f" ({part})" if part > 1 else ""),
                description_zh=f"本课程围绕“{topics[topic_index].name_zh}”专题展开，结合典型案例讲解实务要点。",
                description_en=f"Part of the topic “{topics[topic_index].name_en}”, built around real cases.",
                format=fmt,
                starts_at=starts_at,
                ends_at=ends_at,
                venue=venues[venue_index],
                capacity=min(seats, venues[venue_index].capacity),
                is_required=required and parallel == 0,
                credit_hours=hours,
            )
            teachers = [free_people.pop()] if free_people else []
            if fmt in (SessionFormat.MOCK_COURT, SessionFormat.FORUM) and free_people:
                teachers.append(free_people.pop())
            if created % 7 == 0 and demo_teacher in free_people:
                free_people.remove(demo_teacher)
                teachers.insert(0, demo_teacher)
            sessions.append((session, teachers, fmt))
            created += 1
    TrainingSession.objects.bulk_create([s for s, _t, _f in sessions])
    for session, teachers, fmt in sessions:
        for position, person in enumerate(teachers):
            role = {
                SessionFormat.MOCK_COURT: AssignmentRole.JUDGE,
                SessionFormat.FORUM: AssignmentRole.PANELLIST,
            }.get(fmt, AssignmentRole.LECTURER)
            if position == 0 and fmt == SessionFormat.FORUM:
                role = AssignmentRole.MODERATOR
            assignments.append(FacultyAssignment(session=session, faculty=person, role=role, position=position))
    FacultyAssignment.objects.bulk_create(assignments)


def _seed_today(program, topics, venue, starts_at, ends_at) -> TrainingSession:
    topic, teachers, (title_zh, title_en), (description_zh, description_en) = TODAY_SESSION
    session = TrainingSession.objects.create(
        program=program,
        topic=topics[topic],
        title_zh=title_zh,
        title_en=title_en,
        description_zh=description_zh,
        description_en=description_en,
        format=SessionFormat.LECTURE,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        capacity=LIVE_SESSION_KINDS[0][1],
        is_required=True,
        credit_hours=Decimal("3.0"),
    )
    for position, slug in enumerate(teachers):
        FacultyAssignment.objects.create(session=session, faculty=Faculty.objects.get(slug=slug), position=position)
    return session
