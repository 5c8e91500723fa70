"""Demo lawyers for `seed_demo`: 320 from 25 provinces, admitted, with seats and waitlists.

Written with bulk inserts (no e-mails for made-up people); idempotent like the rest of the demo.
"""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import Role
from sessions.models import Program, SessionStatus

from .models import (
    Admission,
    AdmissionState,
    Attendance,
    AttendanceChange,
    AttendanceMethod,
    AttendanceStatus,
    Enrolment,
    EnrolmentState,
    Participant,
    Province,
    ProvinceQuota,
    Specialty,
)

SURNAMES = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"), ("黄", "Huang"),
    ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"),
    ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("林", "Lin"), ("罗", "Luo"), ("高", "Gao"), ("郑", "Zheng"),
    ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"), ("唐", "Tang"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"),
]  # fmt: skip
GIVEN = [
    ("伟", "Wei"), ("芳", "Fang"), ("敏", "Min"), ("静", "Jing"), ("磊", "Lei"), ("洋", "Yang"), ("艳", "Yan"),
    ("晓东", "Xiaodong"), ("海涛", "Haitao"), ("志强", "Zhiqiang"), ("雪梅", "Xuemei"), ("俊杰", "Junjie"),
    ("婷婷", "Tingting"), ("建华", "Jianhua"), ("丽娟", "Lijuan"), ("浩然", "Haoran"), ("思远", "Siyuan"),
    ("佳琪", "Jiaqi"), ("子涵", "Zihan"), ("文博", "Wenbo"), ("一鸣", "Yiming"), ("欣怡", "Xinyi"), ("宇航", "Yuhang"),
]  # fmt: skip
FIRM_WORDS = [
    "天元",
    "浩天",
    "金诚同达",
    "大成",
    "德恒",
    "汇业",
    "国浩",
    "通商",
    "海问",
    "环球",
    "竞天公诚",
    "汉坤",
    "中银",
    "植德",
]
# Provinces and how many of the lawyers come from each (25 provinces, 320 lawyers).
PROVINCE_WEIGHTS = {
    "44": 40, "11": 30, "31": 30, "33": 22, "32": 22, "37": 16, "51": 14, "42": 14, "35": 12, "43": 10,
    "41": 10, "50": 10, "34": 9, "36": 8, "21": 8, "12": 8, "13": 8, "61": 7, "53": 6, "45": 6,
    "52": 5, "14": 5, "22": 4, "46": 4, "23": 2,
}  # fmt: skip
CITIES = {
    "44": "深圳",
    "11": "北京",
    "31": "上海",
    "33": "杭州",
    "32": "南京",
    "37": "济南",
    "51": "成都",
    "42": "武汉",
}


def seed_lawyers(program: Program, *, count: int, demo_user) -> None:
    if program.admissions.exists():
        return
    rng = random.Random(320)
    provinces = {p.code: p for p in Province.objects.all()}
    codes = _province_sequence(count, rng)
    User = get_user_model()
    emails = [f"lawyer{n:04d}@demo.test" for n in range(1, count)]
    users = [
        demo_user,
        *User.objects.bulk_create(
            [User(email=email, full_name=_name(n)[0], is_active=False) for n, email in enumerate(emails, start=1)]
        ),
    ]
    for user in users[1:]:
        user.set_unusable_password()
    User.objects.bulk_update(users[1:], ["password"])
    Group.objects.get(name=Role.PARTICIPANT).user_set.add(*users)

    participants = []
    for n, (user, code) in enumerate(zip(users, codes, strict=True)):
        name_zh, name_latin = ("李晓东", "Li Xiaodong") if n == 0 else (user.full_name, _name(n)[1])
        gender = "1" if n % 2 else "2"
        participants.append(
            Participant(
                user=user,
                name_zh=name_zh,
                name_latin=name_latin,
                gender="male" if gender == "1" else "female",
                license_number=f"1{code}01{2005 + n % 18}1{gender}{n + 1:06d}",
                law_firm=f"{provinces[code].short_zh}{FIRM_WORDS[n % len(FIRM_WORDS)]}律师事务所",
                province=provinces[code],
                city=CITIES.get(code, provinces[code].short_zh),
                years_of_practice=3 + n % 20,
                specialties=rng.sample(Specialty.values, k=2),
                languages="English" if n % 3 else "English, 日本語",
                mobile=f"139{n:08d}",
            )
        )
    Participant.objects.bulk_create(participants)
    for code, seats in _quotas(codes).items():
        ProvinceQuota.objects.create(program=program, province=provinces[code], seats=seats)
    decided = program.enrolment_opens_at or timezone.now()
    Admission.objects.bulk_create(
        [
            Admission(
                participant=p, program=program, state=AdmissionState.ADMITTED, decided_at=decided, created_at=decided
            )
            for p in participants
        ]
    )
    _enrol(program, participants, rng)
    _attend(program, participants, rng)


def _name(n: int) -> tuple[str, str]:
    # Steps coprime with the list lengths, so names spread over every surname and given name.
    surname, given = SURNAMES[(n * 5) % len(SURNAMES)], GIVEN[(n * 11) % len(GIVEN)]
    return surname[0] + given[0], f"{surname[1]} {given[1]}"


def _province_sequence(count: int, rng: random.Random) -> list[str]:
    codes = [code for code, weight in PROVINCE_WEIGHTS.items() for _ in range(weight)]
    while len(codes) < count:
        codes += codes[: count - len(codes)]
    codes = codes[:count]
    rng.shuffle(codes)
    codes[0] = "44"  # the demo lawyer practises in Guangdong
    return codes


def _quotas(codes: list[str]) -> dict[str, int]:
    used: dict[str, int] = {}
    for code in codes:
        used[code] = used.get(code, 0) + 1
    return {code: n + 2 for code, n in used.items()}  # a little room left in every province


def _enrol(program: Program, participants: list[Participant], rng: random.Random) -> None:
    sessions = list(program.sessions.order_by("starts_at"))
    required = [s for s in sessions if s.is_required]
    electives = [s for s in sessions if not s.is_required]
    rows = []
    start = program.enrolment_opens_at or timezone.now()
    for p in participants:
        rows += [
            Enrolment(participant=p, session=s, state=EnrolmentState.CONFIRMED, confirmed_at=start, created_at=start)
            for s in required
        ]
    taken = {s.pk: 0 for s in electives}
    demo, others = participants[0], participants[1:]
    for minute, p in enumerate([*others, demo]):
        moment = start + timedelta(minutes=minute)
        if p is demo:  # last to choose: two seats, and a place on the waitlist of the fullest session
            by_room_left = sorted(electives, key=lambda s: s.capacity - taken[s.pk])
            picks = [by_room_left[0], *by_room_left[-2:]]
        else:
            picks = rng.sample(electives, k=min(4, len(electives)))
        for session in sorted(picks, key=lambda s: s.pk):
            seat = taken[session.pk] < session.capacity
            taken[session.pk] += seat
            when = {"confirmed_at": moment} if seat else {"waitlisted_at": moment}
            state = EnrolmentState.CONFIRMED if seat else EnrolmentState.WAITLISTED
            rows.append(Enrolment(participant=p, session=session, state=state, created_at=moment, **when))
    Enrolment.objects.bulk_create(rows, batch_size=2000)


def _attend(program: Program, participants: list[Participant], rng: random.Random) -> None:
    """Attendance for the sessions already held: most lawyers come nearly always, some miss too many."""
    now = timezone.now()
    held = {s.pk: s for s in program.sessions.filter(ends_at__lt=now, status=SessionStatus.SCHEDULED)}
    demo = participants[0]
    reliability = {p.pk: rng.choice([0.97] * 17 + [0.75, 0.6, 0.45]) for p in participants}
    reliability[demo.pk] = 1.0
    seats = Enrolment.objects.filter(session_id__in=held, state=EnrolmentState.CONFIRMED).values_list(
        "participant_id", "session_id", "participant__user_id"
    )
    records = []
    for participant_id, session_id, user_id in seats.order_by("session__starts_at", "participant_id"):
        session = held[session_id]
        roll = rng.random()
        if roll < reliability[participant_id] * 0.9:
            status, minutes, method = AttendanceStatus.PRESENT, -rng.randint(1, 25), AttendanceMethod.QR
        elif roll < reliability[participant_id]:
            status, minutes, method = AttendanceStatus.LATE, rng.randint(11, 40), AttendanceMethod.QR
        elif roll < reliability[participant_id] + 0.02:
            status, minutes, method = AttendanceStatus.EXCUSED, 0, AttendanceMethod.ROSTER
        else:
            status, minutes, method = AttendanceStatus.ABSENT, 60, AttendanceMethod.ROSTER
        records.append(
            Attendance(
                participant_id=participant_id, session=session, status=status, method=method,
                note="出庭冲突，已提前请假" if status == AttendanceStatus.EXCUSED else "",
                recorded_by_id=user_id if method == AttendanceMethod.QR else None,
                recorded_at=session.starts_at + timedelta(minutes=minutes),
            )
        )  # fmt: skip
    Attendance.objects.bulk_create(records, batch_size=5000)
    AttendanceChange.objects.bulk_create(
        [
            AttendanceChange(
                attendance=a, status=a.status, note=a.note, method=a.method,
                recorded_by_id=a.recorded_by_id, recorded_at=a.recorded_at,
            )
            for a in records
        ],
        batch_size=5000,
    )  # fmt: skip
