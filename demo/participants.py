"""Demo lawyers for `seed_demo`, 320 in each program from 25 provinces, admitted (in the live program some
have applied), with seats, waitlists, attendance and province quotas; the demo lawyer is in both programs.

Written with bulk inserts (no e-mails for made-up people); idempotent like the rest of the demo. The rows
are made in Python by the same rules at every size; at the benchmark's 10,000 lawyers (1.7 million seats
and as many attendance records) they go to PostgreSQL by COPY, which is what keeps that under a minute.
"""

import random
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import chain

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from accounts.roles import Role
from participants.models import (
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
from participants.services import checkin_window, progress, seats_recount
from sessions.models import Program, SessionFormat, SessionStatus, TrainingSession

# The name pools and the province weights below are tables of data, packed rows kept as written (fmt: skip):
# one pair a line would spread them over seventy lines.
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
MAINLAND_CODES_END = "70"  # Taiwan (71), Hong Kong (81) and Macao (82) follow the mainland's codes
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


# The province whose quota is full on each program's admissions page: Beijing in 2025, Shanghai now.
HISTORY_FULL, LIVE_FULL = "11", "31"
LIVE_LAWYERS = 320
LIVE_APPLICANTS = 8  # applications to the live program the office has still to decide
LIVE_NUMBERS = 500_000  # the second cohort's people are numbered from here: names and licences unlike 2025's
LIVE_WAITLIST = 7  # lawyers waiting for the full elective ahead
DEMO_NAME = ("李晓东", "Li Xiaodong")
DEMO_DOMAIN = "@demo.test"  # every account the demo makes, and only those, has an address there


def seed_lawyers(program: Program, *, count: int, demo_user) -> None:
    """The 2025 program's lawyers, the demo lawyer first: all admitted, their seats and attendance as held."""
    if program.admissions.exists():
        return
    rng = random.Random(320)
    provinces = {p.code: p for p in Province.objects.all()}
    codes = _province_sequence(count, rng)
    emails = [f"lawyer{n:04d}{DEMO_DOMAIN}" for n in range(1, count)]
    users = [demo_user, *_users(emails, [_name(n)[0] for n in range(1, count)])]
    Group.objects.get(name=Role.PARTICIPANT).user_set.add(*users)
    participants = _participants(users, range(count), codes, provinces, rng)
    _set_quotas(program, codes, provinces, full=HISTORY_FULL)
    _admit(program, participants, at=program.enrolment_opens_at or timezone.now())
    with _bulk_load(Enrolment, Attendance, AttendanceChange):
        seats = _enrol(program, participants, rng)
        _attend(program, participants, seats, rng)
    _count_loaded(program)


def seed_live_lawyers(program: Program, *, demo_user, count: int = LIVE_LAWYERS) -> None:
    """The second cohort: the demo lawyer, back from 2025 so that one login shows both programs, and new people
    (a program admits each lawyer once; 2025's others do not return). Their seats and attendance until now,
    the check-ins so far at the session whose check-in is open, and applications waiting for a decision."""
    if program.admissions.exists():
        return
    rng = random.Random(2026)
    now = timezone.now()
    provinces = {p.code: p for p in Province.objects.all()}
    codes = _province_sequence(count + LIVE_APPLICANTS, rng)  # codes[0], Guangdong, is the demo lawyer's
    codes[count] = LIVE_FULL  # one applicant from the province that is full
    numbers = range(LIVE_NUMBERS + 1, LIVE_NUMBERS + count + LIVE_APPLICANTS)
    emails = [f"cohort2-{n - LIVE_NUMBERS:04d}{DEMO_DOMAIN}" for n in numbers]
    users = _users(emails, [_name(n)[0] for n in numbers])
    Group.objects.get(name=Role.PARTICIPANT).user_set.add(*users[: count - 1])
    newcomers = _participants(users, numbers, codes[1:], provinces, rng)
    lawyers, applicants = [Participant.objects.get(user=demo_user), *newcomers[: count - 1]], newcomers[count - 1 :]
    _set_quotas(program, codes[:count], provinces, full=LIVE_FULL)
    _admit(program, lawyers, at=program.enrolment_opens_at - timedelta(days=7))
    Admission.objects.bulk_create(
        Admission(participant=p, program=program, created_at=now - timedelta(hours=rng.randint(2, 240)))
        for p in applicants
    )
    with _bulk_load(Enrolment, Attendance, AttendanceChange):
        seats = _enrol_live(program, lawyers, rng, now)
        _attend(program, lawyers, seats, rng, arrivals=_arrivals(program, lawyers, rng, now))
    _count_loaded(program)


def _users(emails: list[str], names: list[str]) -> list:
    """Accounts for made-up people: not active (no one signs in as them), no usable password, no e-mails.
    Those made before (the live cohort of an earlier build) are taken as they are."""
    User = get_user_model()
    found = {user.email: user for user in User.objects.filter(email__in=emails)}
    made = [User(email=e, full_name=n, is_active=False) for e, n in zip(emails, names, strict=True) if e not in found]
    for user in made:
        user.set_unusable_password()
    found |= {user.email: user for user in User.objects.bulk_create(made, batch_size=2000)}
    return [found[email] for email in emails]


def _participants(users, numbers, codes, provinces, rng: random.Random) -> list[Participant]:
    """Each user's lawyer profile; `numbers` make names, licence numbers and the rest (0 is the demo lawyer).
    A user who has one keeps it (drawn all the same, so the random choices after it stay the same)."""
    participants = []
    for user, n, code in zip(users, numbers, codes, strict=True):
        name_zh, name_latin = DEMO_NAME if n == 0 else _name(n)
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
    found = {p.user_id: p for p in Participant.objects.filter(user__in=users)}
    Participant.objects.bulk_create([p for p in participants if p.user_id not in found], batch_size=2000)
    return [found.get(p.user_id, p) for p in participants]


def _admit(program: Program, participants: list[Participant], *, at) -> None:
    Admission.objects.bulk_create(
        [
            Admission(participant=p, program=program, state=AdmissionState.ADMITTED, decided_at=at, created_at=at)
            for p in participants
        ],
        batch_size=2000,
    )


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


def _set_quotas(program: Program, codes: list[str], provinces: dict[str, Province], *, full: str) -> None:
    """A quota for every mainland province: the places its admitted lawyers (`codes`) use and two to four
    more, none more in the `full` province; two for a province that sent no one."""
    used = Counter(codes)
    quotas = []
    for code, province in provinces.items():
        if code >= MAINLAND_CODES_END:
            continue
        room = 0 if code == full else 2 + int(code) % 3
        seats = used[code] + room if code in used else 2
        quotas.append(ProvinceQuota(program=program, province=province, seats=seats))
    ProvinceQuota.objects.bulk_create(quotas)


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


def _enrol_live(program: Program, lawyers: list[Participant], rng: random.Random, now) -> list[tuple]:
    """Every lawyer in every required session. The electives held had most of their seats taken; those ahead,
    with enrolment still open, a third to two thirds, but for one mock court (or the first elective ahead),
    full with a waitlist. The demo lawyer (first) held seats in the first two electives and holds one in the
    first elective ahead, and is not on the full one's waitlist: that is for the visitor to try. Returns the
    confirmed seats as (participant, session) pairs."""
    sessions = list(program.sessions.order_by("starts_at", "pk"))
    required = [s for s in sessions if s.is_required]
    held = [s for s in sessions if not s.is_required and s.ends_at <= now]
    ahead = [s for s in sessions if not s.is_required and s.ends_at > now]
    full = min(ahead, key=lambda s: (s.format != SessionFormat.MOCK_COURT, s.starts_at))
    demo, others = lawyers[0], lawyers[1:]
    mine = {*held[:2], next(s for s in ahead if s is not full)}
    opens = program.enrolment_opens_at
    confirmed, waitlisted = EnrolmentState.CONFIRMED.value, EnrolmentState.WAITLISTED.value
    rows = [(p.pk, s.pk, confirmed, opens, None, opens) for p in lawyers for s in required]
    seats = [(p, s) for p in lawyers for s in required]
    for session in held + ahead:
        share = rng.uniform(0.75, 1.0) if session in held else rng.uniform(0.3, 0.65)
        taken = session.capacity if session is full else round(session.capacity * share)
        waiting = LIVE_WAITLIST if session is full else 0
        chosen = rng.sample(others, k=taken + waiting - (session in mine))
        if session in mine:
            chosen.insert(rng.randrange(taken), demo)
        # First come, first served: the seats went to the first `taken`, in the order they chose.
        until = min(now, session.starts_at) - opens
        moments = sorted(opens + until * rng.random() for _ in chosen)
        for n, (participant, moment) in enumerate(zip(chosen, moments, strict=True)):
            if n < taken:
                rows.append((participant.pk, session.pk, confirmed, moment, None, moment))
                seats.append((participant, session))
            else:
                rows.append((participant.pk, session.pk, waitlisted, None, moment, moment))
    _insert(Enrolment, ENROLMENT_FIELDS, rows)
    return seats


def _arrivals(program: Program, lawyers: list[Participant], rng: random.Random, now) -> list[tuple]:
    """Attendance rows of the lawyers already checked in to the session whose check-in is open, five a
    minute since it opened, all on time; the demo lawyer (first) has yet to."""
    present, qr = AttendanceStatus.PRESENT.value, AttendanceMethod.QR.value
    arrivals = []
    for session in program.sessions.filter(
        starts_at__gt=now - timedelta(days=1), starts_at__lt=now + timedelta(days=1)
    ):
        opens, _late, closes = checkin_window(session)
        if not opens <= now <= closes:
            continue
        since = now - opens
        for lawyer in rng.sample(lawyers[1:], k=min(len(lawyers) - 1, int(since.total_seconds()) // 60 * 5)):
            arrivals.append((lawyer.pk, session.pk, present, "", qr, lawyer.user_id, opens + since * rng.random()))
    return arrivals


def _attend(
    program: Program, participants: list[Participant], seats: list[tuple], rng: random.Random, arrivals=()
) -> None:
    """Attendance for the sessions already held: most lawyers come nearly always, some miss too many; and
    `arrivals`, the check-ins so far at a session about to start."""
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
    _insert(Attendance, fields, chain(records(), arrivals))
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


def _count_loaded(program: Program) -> None:
    """What the services keep counted, for the seats and attendance written around them: the sessions' seat
    counters and the lawyers' stored progress. After _bulk_load, once the indexes are back: without them, each
    of 2,000 sessions' counts read every seat of the table (3.5 minutes at 10,000 lawyers)."""
    seats_recount(sessions=program.sessions.all())
    progress.rebuild(program)  # which analyses the tables it reads first


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
