"""Run inside the benchmark's Django: extra data, a signed-in lawyer's cookie, and SQL queries per page.

Prints one JSON object for bench/run.py.
"""

import json
import os
import random
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from question_queue import question_queue_of  # noqa: E402 - bench/question_queue.py, beside this file

from assessment.models import Assignment, AssignmentKind, Submission  # noqa: E402
from certificates.models import Certificate  # noqa: E402
from demo import evaluations as demo_evaluations  # noqa: E402
from evaluations import services as evaluations  # noqa: E402
from evaluations.models import Answer, Answered, Questionnaire, QuestionnaireKind, Response  # noqa: E402
from participants import services  # noqa: E402
from participants.models import Participant  # noqa: E402
from sessions.models import FacultyAssignment, Program, TrainingSession  # noqa: E402
from sessions.services import calendar_feed_for  # noqa: E402


def program_of(size: int, source: Program) -> Program:
    """A copy of the first `size` sessions of the demo program, as a program of its own."""
    slug = f"bench-{size}"
    program = Program.objects.filter(slug=slug).first()
    if program:
        return program
    program = Program.objects.get(pk=source.pk)
    program.pk, program.slug, program.name_zh = None, slug, f"{source.name_zh}（{size}门课程）"
    program.save()
    originals = list(source.sessions.order_by("starts_at")[:size])
    copies = []
    for session in originals:
        session.pk, session.program, session.topic, session.seats_taken = None, program, None, 0  # no seats copied
        copies.append(session)
    TrainingSession.objects.bulk_create(copies)
    by_start = {(s.starts_at, s.venue_id): s for s in copies}
    assignments = [
        FacultyAssignment(
            session=by_start[(a.session.starts_at, a.session.venue_id)], faculty_id=a.faculty_id, role=a.role
        )
        for a in FacultyAssignment.objects.filter(session__in=originals).select_related("session")
    ]
    FacultyAssignment.objects.bulk_create(assignments)
    return program


ESSAY = "Reflection on the program (bench)"


@transaction.atomic
def coursework_of(program: Program, grader) -> Assignment:
    """#17 at scale: a reflection essay the program requires of every admitted lawyer, named `grader` to grade,
    handed in by all: those who completed the program passed; of the others, 7 in 10 graded (1 in 8 of them
    below the pass mark) and the rest waiting in the queue. Made in bulk: no notices."""
    essay = program.coursework.filter(title_en=ESSAY).first()
    if essay:
        return essay
    completed = {lawyer.pk for lawyer in services.Completion(program).lawyers() if lawyer.outcome == "completed"}
    sessions = program.sessions.order_by("starts_at")
    first, last = sessions.first(), sessions.last()
    essay = Assignment.objects.create(
        program=program, kind=AssignmentKind.REFLECTION, title_zh="培训心得体会", title_en=ESSAY,
        brief_zh="结合所学课程撰写心得体会。", brief_en="Write on what the program taught you.",
        opens_at=first.starts_at, due_at=last.ends_at + timedelta(days=14), max_score=Decimal(100),
        pass_mark=Decimal(60), required=True,
    )  # fmt: skip
    essay.graders.add(grader)
    chance = random.Random(13)
    admitted = program.admissions.filter(state="admitted").order_by("participant").values_list("participant", flat=True)
    work = []
    for n, lawyer in enumerate(admitted):
        submitted = last.ends_at + timedelta(minutes=n)
        score = None
        if lawyer in completed:
            score = chance.randint(60, 98)
        elif n % 10 < 7:
            score = chance.randint(30, 59) if n % 8 == 0 else chance.randint(60, 98)
        graded = {"graded_by": grader, "graded_at": submitted + timedelta(days=2)} if score is not None else {}
        work.append(Submission(assignment=essay, participant_id=lawyer, text="通过本次培训……",
                               submitted_at=submitted, score=score, **graded))  # fmt: skip
    Submission.objects.bulk_create(work, batch_size=2000)
    return essay


@transaction.atomic
def questionnaires_of(program: Program, door: TrainingSession, lawyers: int) -> tuple[Questionnaire, Questionnaire]:
    """#17 at scale: the demo's questionnaire after every session, answered by half the seats of `door` (the
    largest session) and by 25 lawyers of each of 40 other sessions; and the program's, answered by half the
    lawyers. Through evaluations' own answer_submit, as lawyers answer."""
    found = program.questionnaires.order_by("kind")
    if found.count() == 2:
        return found.get(kind=QuestionnaireKind.SESSION), found.get(kind=QuestionnaireKind.PROGRAM)
    after_session = evaluations.questionnaire_save(
        questionnaire=Questionnaire(program=program, kind=QuestionnaireKind.SESSION, title_zh="课后评估",
                                    title_en="After the session", open_days=30),
        questions=demo_evaluations.session_questions(),
    )  # fmt: skip
    at_the_end = evaluations.questionnaire_save(
        questionnaire=Questionnaire(program=program, kind=QuestionnaireKind.PROGRAM, title_zh="结业总评",
                                    title_en="The program as a whole", open_days=30),
        questions=demo_evaluations.program_questions(),
    )  # fmt: skip
    chance = random.Random(17)

    def answer(questionnaire, session, participants, at):
        questions = list(questionnaire.questions.all())
        people = [a.faculty for a in session.assignments.select_related("faculty")] if session else []
        for participant in participants:
            values = demo_evaluations.sample_values(questions, people, chance)
            evaluations.answer_submit(questionnaire=questionnaire, session=session, participant=participant,
                                      values=values, at=at)  # fmt: skip

    def seated(session, count):
        seats = session.enrolments.filter(state="confirmed").select_related("participant").order_by("pk")[:count]
        return [seat.participant for seat in seats]

    day = timedelta(days=1)
    answer(after_session, door, seated(door, lawyers // 2), door.ends_at + day)
    others = program.sessions.filter(status="scheduled").exclude(pk=door.pk).order_by("starts_at")
    for session in others[:: max(1, others.count() // 40)][:40]:
        answer(after_session, session, seated(session, 25), session.ends_at + day)
    everyone = Participant.objects.filter(admissions__program=program, admissions__state="admitted").order_by("pk")
    answer(at_the_end, None, everyone[: lawyers // 2], evaluations.opens_at(at_the_end, None) + day)
    return after_session, at_the_end


def analyze(*models) -> None:
    """Fresh statistics for tables just loaded in bulk, which PostgreSQL would otherwise plan as nearly empty."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(model._meta.db_table for model in models)}")


def enrolment_program(source: Program, lawyers: int, sessions: int = 10):
    """An open program with future sessions and admitted lawyers, for the enrolment run."""

    from django.utils import timezone

    from participants.models import Admission, AdmissionState, Participant
    from participants.services import progress

    program = Program.objects.filter(slug="bench-enrol").first()
    if program is None:
        program = Program.objects.get(pk=source.pk)
        now = timezone.now()
        program.pk, program.slug = None, "bench-enrol"
        program.starts_on, program.ends_on = now.date(), (now + timedelta(days=60)).date()
        program.enrolment_opens_at, program.enrolment_closes_at = now - timedelta(days=1), now + timedelta(days=30)
        program.save()
        venue = source.sessions.first().venue
        TrainingSession.objects.bulk_create(
            [
                TrainingSession(
                    program=program, title_zh=f"报名压测课程{n}", format="seminar", venue=venue, capacity=100,
                    credit_hours=2, starts_at=now + timedelta(days=10 + n),
                    ends_at=now + timedelta(days=10 + n, hours=2),
                )
                for n in range(sessions)
            ]
        )  # fmt: skip
        participants = list(Participant.objects.select_related("user").order_by("pk")[:lawyers])
        get_user_model().objects.filter(pk__in=[p.user_id for p in participants]).update(is_active=True)
        Admission.objects.bulk_create(
            [Admission(participant=p, program=program, state=AdmissionState.ADMITTED) for p in participants]
        )
        progress.rebuild(program)  # admissions made around the services: their figures too
    return program


def big_files(session, by) -> tuple[str, str]:
    """A 20 MB material on a session the signed-in lawyer holds a seat in, and the same bytes as a
    static file WhiteNoise serves: the access-checked download against the static file server."""
    import zipfile

    from django.conf import settings
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from faculty.models import Material
    from faculty.services import material_upload

    payload = Path(os.environ["VAR_DIR"]) / "bench-20mb.zip"
    if not payload.exists():
        with zipfile.ZipFile(payload, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr("data.bin", random.Random(20).randbytes(20 * 1024 * 1024))
    static = Path(settings.STATIC_ROOT) / "bench" / "bench-20mb.zip"
    static.parent.mkdir(parents=True, exist_ok=True)
    static.write_bytes(payload.read_bytes())
    material = Material.objects.filter(session=session, title="bench-20mb").first()
    if material is None:
        upload = TemporaryUploadedFile("bench-20mb.zip", "application/zip", payload.stat().st_size, None)
        upload.write(payload.read_bytes())
        upload.seek(0)
        (material,) = material_upload(session=session, files=[upload], by=by, title="bench-20mb", visibility="program")
    return f"/materials/{material.pk}/download/", "/static/bench/bench-20mb.zip"


def checkin_lawyers(count: int) -> list:
    """Lawyers of a check-in rush: more than a ten-second run reaches, so no one checks in twice. The team builder's
    run (bench/teams.py) seats them too: 300 firms, every province, 1 to 30 years, two in three speak English."""
    from participants.models import Participant, Province, Specialty

    User = get_user_model()
    existing = list(Participant.objects.filter(user__email__startswith="checkin-").select_related("user"))
    if existing:
        return existing
    provinces = list(Province.objects.order_by("code"))
    specialties = [choice.value for choice in Specialty]
    users = User.objects.bulk_create(
        [User(email=f"checkin-{n:05d}@bench.test", full_name=f"签到律师{n}") for n in range(count)]
    )
    return Participant.objects.bulk_create(
        [
            Participant(
                user=user, name_zh=user.full_name, name_latin=f"Lawyer {n}", license_number=f"14401{n:012d}",
                law_firm=f"压测律师事务所{n * 7 % 300}", province=provinces[n % len(provinces)], city="深圳",
                years_of_practice=1 + n * 13 % 30, specialties=[specialties[n % len(specialties)]],
                languages="English" if n % 3 else "",
            )
            for n, user in enumerate(users)
        ]
    )  # fmt: skip


def checkin_session_of(program: Program) -> tuple[TrainingSession, list[str]]:
    """A session starting in ten minutes (check-in open) with every admitted lawyer holding a seat."""

    from django.utils import timezone

    from participants.models import Enrolment

    start = timezone.now() + timedelta(minutes=10)
    lawyers = checkin_lawyers(int(os.environ.get("BENCH_CHECKIN_LAWYERS", "3000")))
    session = TrainingSession.objects.create(
        program=program, title_zh="签到压测课程", format="lecture", venue=program.sessions.first().venue,
        capacity=len(lawyers), seats_taken=len(lawyers), credit_hours=2, is_required=True, starts_at=start,
        ends_at=start + timedelta(hours=2),
    )  # fmt: skip
    Enrolment.objects.bulk_create(
        [Enrolment(participant=p, session=session, state="confirmed", confirmed_at=start) for p in lawyers]
    )
    return session, [signed_in_cookie(p.user) for p in lawyers[:-1]]  # the last one is counted in SQL


def htmx(name: str) -> bool:
    """A page asked for as htmx polls it (bench/run.py sends the same header)."""
    return "partial" in name


def count_queries(client: Client, url: str, *, method: str = "get", expect: int = 200, **extra) -> int:
    """The SQL queries of one uncached request through the whole middleware stack."""
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, secure=True, **extra)
    if response.status_code != expect:
        raise SystemExit(f"{method.upper()} {url} answered {response.status_code}")
    return len(captured)


def client_of(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user, backend="accounts.backends.EmailBackend")
    return client


def signed_in_cookie(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.EmailBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"sessionid={store.session_key}"


def main():
    cache.clear()  # a last run's fragments would answer for pages of this database (same ids, same versions)
    User = get_user_model()
    demo = Program.objects.get(slug="fipr-2025")
    small = program_of(200, demo)
    people = {role: User.objects.get(email=f"{role}@demo.test") for role in ("lawyer", "admin", "faculty")}
    session = demo.sessions.order_by("starts_at")[len(demo.sessions.all()) // 2]
    person = session.assignments.first().faculty
    # The largest session there is: a required one (every admitted lawyer holds a seat), taught by the demo
    # faculty member, whose door roster they open.
    required = demo.sessions.filter(is_required=True).order_by("starts_at")
    door = required.filter(assignments__faculty__user=people["faculty"]).first()
    codes = list(Certificate.objects.filter(program=demo).values_list("code", flat=True))
    codes_file = Path(os.environ["VAR_DIR"]) / "certificate-codes.txt"
    codes_file.write_text("\n".join(codes) + "\n")
    # name: (path, signed in as); the first is the floor. bench/run.py runs a page that takes more than a second with
    # fewer connections.
    completion = f"/manage/programs/{demo.slug}/completion/"
    pages = {
        "floor (robots.txt)": ("/robots.txt", "lawyer"),
        "timetable, 200 sessions": (f"/programs/{small.slug}/schedule/", "lawyer"),
        "timetable, 2,000 sessions": (f"/programs/{demo.slug}/schedule/", "lawyer"),
        "timetable, one week": (f"/programs/{demo.slug}/schedule/?view=week&date=2025-07-10", "lawyer"),
        "session page": (f"/programs/{demo.slug}/sessions/{session.pk}/", "lawyer"),
        "My program": ("/my/program/", "lawyer"),
        "attendance roster": (f"/sessions/{door.pk}/attendance/", "faculty"),
        "completion list, first page": (completion, "admin"),
        # Every admitted lawyer's row: what a program office downloads (its CPU grows with the lawyers).
        "completion list, export CSV": (f"{completion}?export=csv", "admin"),
        "completion list, export XLSX": (f"{completion}?export=xlsx", "admin"),
        "faculty directory": ("/faculty/", "lawyer"),
        "faculty profile": (f"/faculty/{person.slug}/", "lawyer"),
        "certificate verification": (f"/certificates/verify/{codes[0]}/", None),
    }
    # A lawyer's own documents: the transcript of the demo lawyer's 170 seats, their certificate and their calendar
    # feed (opened by a calendar app: no cookie, the feed's secret address).
    certificate = Certificate.objects.get(program=demo, participant__user=people["lawyer"])
    feed = calendar_feed_for(people["lawyer"])
    pages["transcript PDF"] = (f"/my/programs/{demo.slug}/transcript.pdf", "lawyer")
    pages["transcript XLSX"] = (f"/my/programs/{demo.slug}/transcript.xlsx", "lawyer")
    pages["certificate PDF"] = (f"/certificates/{certificate.pk}/download/", "lawyer")
    pages["personal calendar feed"] = (f"/calendar/{feed.token}.ics", None)
    taught = demo.sessions.filter(enrolments__participant__user=people["lawyer"], enrolments__state="confirmed").first()
    checked, static = big_files(taught, people["admin"])
    pages["material download, 20 MB (checked)"] = (checked, "lawyer")
    pages["static file, 20 MB (WhiteNoise)"] = (static, "lawyer")
    # Assessment and evaluation (#17): the grader's queue of an essay every lawyer handed in; a questionnaire's
    # response rates over the program's 2,000 sessions, its results for the largest session and for the program.
    essay = coursework_of(demo, people["faculty"])
    lawyers = demo.admissions.filter(state="admitted").count()
    after_session, at_the_end = questionnaires_of(demo, door, lawyers)
    analyze(Submission, Response, Answer, Answered)  # as autovacuum would, soon after such a load
    results = f"/manage/programs/{demo.slug}/questionnaires/"
    pages["grader's queue"] = (f"/grading/assignments/{essay.pk}/", "faculty")
    pages["questionnaire, response rates"] = (f"{results}{after_session.pk}/results/", "admin")
    pages["questionnaire, one session's results"] = (f"{results}{after_session.pk}/results/?session={door.pk}", "admin")
    pages["questionnaire, the program's results"] = (f"{results}{at_the_end.pk}/results/", "admin")
    pages["questionnaires, by faculty and topic"] = (f"{results}overview/", "admin")
    # The question queue (#18 item 6): a seminar of 300 phones, the projector and the lawyers' lists polling it (the
    # names ending "partial" are asked as htmx asks: bench/htmx.lua).
    checkin = checkin_lawyers(int(os.environ.get("BENCH_CHECKIN_LAWYERS", "3000")))
    seminar = question_queue_of(demo, checkin, Participant.objects.get(user=people["lawyer"]), people["faculty"])
    pages["question queue: projector partial, 300 phones"] = (f"/sessions/{seminar.pk}/questions/screen/", "faculty")
    pages["question queue: a lawyer's list partial"] = (f"/sessions/{seminar.pk}/questions/", "lawyer")
    clients = {role: client_of(user) for role, user in people.items()} | {None: client_of(None)}
    queries = {
        name: count_queries(clients[role], path, **({"HTTP_HX_REQUEST": "true"} if htmx(name) else {}))
        for name, (path, role) in pages.items()
    }

    enrol_program = enrolment_program(demo, lawyers=int(os.environ.get("BENCH_ENROL_LAWYERS", "1000")))
    # In the order they were made: the first are the enrolment run's own sessions (a check-in session made by an
    # earlier run on the same data comes last).
    sessions = list(enrol_program.sessions.order_by("pk").values_list("pk", flat=True))
    paths = [f"/my/sessions/{pk}/enrolment/" for pk in sessions]
    *admissions, counted = enrol_program.admissions.select_related("participant__user").order_by("pk")
    # The counted lawyer enrols where they hold nothing yet (an earlier run on the same data enrolled them once).
    held = set(counted.participant.enrolments.values_list("session_id", flat=True))
    fresh = [f"/my/sessions/{pk}/enrolment/" for pk in sessions if pk not in held]
    pairs = []
    for admission in admissions:
        cookie = signed_in_cookie(admission.participant.user)
        pairs += [f"{cookie}\t{path}" for path in paths]
    random.Random(1).shuffle(pairs)  # lawyers and sessions interleave, as in a real rush
    pairs_file = Path(os.environ["VAR_DIR"]) / "enrol-pairs.txt"
    pairs_file.write_text("\n".join(pairs) + "\n")
    # The first enrolment on a database connection prepares its statements (common.db.execute_prepared): the
    # counted one is the lawyer's second, as nearly every enrolment of the run is.
    counting = client_of(counted.participant.user)
    counting.post(fresh[1], {"action": "enrol"}, secure=True, HTTP_HX_REQUEST="true")
    enrol = {"method": "post", "data": {"action": "enrol"}, "HTTP_HX_REQUEST": "true"}
    queries["enrol"] = count_queries(counting, fresh[0], **enrol)
    checkin_session, cookies = checkin_session_of(enrol_program)
    cookies_file = Path(os.environ["VAR_DIR"]) / "checkin-cookies.txt"
    cookies_file.write_text("\n".join(cookies) + "\n")
    last = Participant.objects.filter(user__email__startswith="checkin-").select_related("user").order_by("pk").last()
    queries["check-in"] = count_queries(client_of(last.user), services.checkin_url(checkin_session))
    print(
        json.dumps(
            {
                "cookies": {role: signed_in_cookie(user) for role, user in people.items()} | {"": ""},
                "pages": {name: [path, role or ""] for name, (path, role) in pages.items()},
                "queries": queries,
                "faculty": person.__class__.objects.count(),
                "sessions": demo.sessions.count(),
                "lawyers": demo.admissions.count(),
                "door_seats": door.enrolments.filter(state="confirmed").count(),
                "codes": str(codes_file),
                "enrol_pairs": str(pairs_file),
                "enrol_pair_count": len(pairs),
                "enrol_program": enrol_program.pk,
                "checkin_session": checkin_session.pk,
                "checkin_cookies": str(cookies_file),
                "checkin_lawyers": len(cookies),
            }
        )
    )


main()
