"""Demo lawyers for `seed_demo`: 320 from 25 provinces, admitted, with seats, waitlists and attendance.

Written with bulk inserts (no e-mails for made-up people); idempotent like the rest of the demo. The rows
are made in Python by the same rules at every size; at the benchmark's 10,000 lawyers (1.7 million seats
and as many attendance records) they go to PostgreSQL by COPY, which is what keeps that under a minute.
"""

import random
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from accounts.roles import Role
from sessions.models import Program, SessionStatus, TrainingSession

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
    made = [User(email=email, full_name=_name(n)[0], is_active=False) for n, email in enumerate(emails, start=1)]
    for user in made:
        user.set_unusable_password()
    users = [demo_user, *User.objects.bulk_create(made, batch_size=2000)]
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
    Participant.objects.bulk_create(participants, batch_size=2000)
    for code, seats in _quotas(codes).items():
        ProvinceQuota.objects.create(program=program, province=provinces[code], seats=seats)
    decided = program.enrolment_opens_at or timezone.now()
    Admission.objects.bulk_create(
        [
            Admission(
                participant=p, program=program, state=AdmissionState.ADMITTED, decided_at=decided, created_at=decided
            )
            for p in participants
        ],
        batch_size=2000,
    )
    with _bulk_load(Enrolment, Attendance, AttendanceChange):
        seats = _enrol(program, participants, rng)
        _attend(program, participants, seats, rng)


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


ENROLMENT_FIELDS = ["participant_id", "session_id", "state", "confirmed_at", "waitlisted_at", "created_at"]


def _enrol(program: Program, participants: list[Participant], rng: random.Random) -> list[tuple]:
    """Every lawyer in every required session; four electives each, first come first served (the demo
    lawyer last), never more seats than a session has. Returns the confirmed seats as
    (participant, session) pairs."""
    sessions = list(program.sessions.order_by("starts_at"))
    required = [s for s in sessions if s.is_required]
    electives = [s for s in sessions if not s.is_required]
    rows = []
    start = program.enrolment_opens_at or timezone.now()
    confirmed, waitlisted = EnrolmentState.CONFIRMED.value, EnrolmentState.WAITLISTED.value
    for p in participants:
        rows += [(p.pk, s.pk, confirmed, start, None, start) for s in required]
    seats = [(p, s) for p in participants for s in required]
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
            if seat:
                rows.append((p.pk, session.pk, confirmed, moment, None, moment))
                seats.append((p, session))
            else:
                rows.append((p.pk, session.pk, waitlisted, None, moment, moment))
    _insert(Enrolment, ENROLMENT_FIELDS, rows)
    return seats


def _attend(program: Program, participants: list[Participant], seats: list[tuple], rng: random.Random) -> None:
    """Attendance for the sessions already held: most lawyers come nearly always, some miss too many."""
    now = timezone.now()
    demo = participants[0]
    reliability = {p.pk: rng.choice([0.97] * 17 + [0.75, 0.6, 0.45]) for p in participants}
    reliability[demo.pk] = 1.0
    held = [(p, s) for p, s in seats if s.ends_at < now and s.status == SessionStatus.SCHEDULED]
    held.sort(key=lambda seat: (seat[1].starts_at, seat[0].pk, seat[1].pk))
    present, late = AttendanceStatus.PRESENT.value, AttendanceStatus.LATE.value
    excused, absent = AttendanceStatus.EXCUSED.value, AttendanceStatus.ABSENT.value
    qr, roster = AttendanceMethod.QR.value, AttendanceMethod.ROSTER.value
    minutes = [timedelta(minutes=n) for n in range(61)]

    def records():  # made while PostgreSQL stores the ones before
        for participant, session in held:
            share, roll = reliability[participant.pk], rng.random()
            pair, start = (participant.pk, session.pk), session.starts_at
            if roll < share * 0.9:
                yield (*pair, present, "", qr, participant.user_id, start - minutes[rng.randint(1, 25)])
            elif roll < share:
                yield (*pair, late, "", qr, participant.user_id, start + minutes[rng.randint(11, 40)])
            elif roll < share + 0.02:
                yield (*pair, excused, "出庭冲突，已提前请假", roster, None, start)
            else:
                yield (*pair, absent, "", roster, None, start + minutes[60])

    fields = ["participant_id", "session_id", "status", "note", "method", "recorded_by_id", "recorded_at"]
    _insert(Attendance, fields, records())
    # Each record's history starts with the record itself: copied inside the database.
    quote = connection.ops.quote_name
    columns = [quote(Attendance._meta.get_field(f).column) for f in fields[2:]]
    change, record, session = (quote(m._meta.db_table) for m in (AttendanceChange, Attendance, TrainingSession))
    history = (
        f"INSERT INTO {change} (attendance_id, {', '.join(columns)}) SELECT a.id, {', '.join('a.' + c for c in columns)} "  # noqa: S608 - our own names
        f"FROM {record} a JOIN {session} s ON s.id = a.session_id WHERE s.program_id = %s ORDER BY a.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(history, [program.pk])


@contextmanager
def _bulk_load(*models):
    """PostgreSQL's advice for loading much at once ("Populating a Database" in its manual): build the
    tables' plain indexes once at the end instead of row by row, and, as a superuser (as pg_restore
    does), skip the foreign-key checks: every id in the rows was just read from the database, and at
    10,000 lawyers there are five million of them. Constraints (keys, unique pairs) stay; so does the
    result. Elsewhere (SQLite) nothing changes."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        superuser = cursor.fetchone()[0]
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) "
            "AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [[model._meta.db_table for model in models]],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    with connection.cursor() as cursor:
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        for _name, definition in indexes:
            cursor.execute(definition)


def _insert(model, fields: list[str], rows: Iterable[tuple]) -> None:
    """Write many rows: COPY on PostgreSQL (tens of times faster than INSERT at a million rows),
    bulk_create elsewhere (SQLite for `make run`)."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create((model(**dict(zip(fields, row, strict=True))) for row in rows), batch_size=2000)
        return
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {model._meta.db_table} ({columns}) FROM STDIN", _CopyStream(rows), 1 << 16)


class _CopyStream:
    """The rows as COPY text, made as PostgreSQL reads them, so that Python writes while it stores."""

    def __init__(self, rows: Iterable[tuple]):
        self.lines = ("\t".join(map(_copy_text, row)) + "\n" for row in rows)

    def read(self, size: int) -> str:
        """At least `size` characters (psycopg2 takes what it is given), or "" at the end."""
        parts, length = [], 0
        for line in self.lines:
            parts.append(line)
            length += len(line)
            if length >= size:
                break
        return "".join(parts)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n"})


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
