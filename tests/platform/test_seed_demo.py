"""seed_demo: the finished 2025 program and the live one built around the moment it runs, at any hour."""

import io
import re
from collections import Counter
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from assessment.models import AssignmentKind
from certificates.models import Certificate
from evaluations.models import Answered, Response
from faculty.models import MaterialVersion
from nominations.models import Coordinator, Nomination, NominationRound, ProvinceList
from notifications.models import Notification
from participants.models import Admission, Attendance, Enrolment, Participant
from practice.models import Case, Member, Question, Score, Vote
from sessions.conflicts import program_clashes
from sessions.models import AffiliationKind, Faculty, FacultyAssignment, Program, SessionFormat, TrainingSession
from tests import clock
from tests.factories import AdmissionFactory, ProgramFactory, SessionFactory
from tests.forms import find_form
from tests.support import client_for

User = get_user_model()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the demo's materials are files


@pytest.mark.django_db
@clock.at("beijing-2330-year-end")  # a second run on the same day (on another, fipr-live is built anew)
def test_seed_demo_creates_each_role_and_a_second_run_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    first = {u.email: (u.password, sorted(u.roles)) for u in User.objects.prefetch_related("groups")}
    notices = Notification.objects.count()
    sessions = list(TrainingSession.objects.values_list("pk", "starts_at", "venue_id"))

    call_command("seed_demo", stdout=io.StringIO())
    second = {u.email: (u.password, sorted(u.roles)) for u in User.objects.prefetch_related("groups")}

    assert first == second
    assert Notification.objects.count() == notices
    assert list(TrainingSession.objects.values_list("pk", "starts_at", "venue_id")) == sessions
    assert first["admin@demo.test"][1] == ["administrator"]
    assert first["faculty@demo.test"][1] == ["faculty"]
    assert first["lawyer@demo.test"][1] == ["participant"]
    assert first["province@demo.test"][1] == ["coordinator"]
    assert User.objects.get(email="lawyer@demo.test").check_password("demo-pass-2025")


@pytest.mark.django_db
def test_guangdong_has_a_submitted_list_two_reserves_and_a_returned_nominee_on_the_live_program(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    live = Program.objects.get(slug="fipr-live")
    coordinator = Coordinator.objects.get(user__email="province@demo.test")
    assert coordinator.province.code == "44"
    states = Counter(
        Nomination.objects.filter(program=live, province=coordinator.province).values_list("state", flat=True)
    )
    assert states["reserve"] == 2 and states["returned"] == 1 and states["nominated"] >= 1
    assert ProvinceList.objects.get(program=live, province=coordinator.province).submitted_at is not None
    assert NominationRound.objects.get(program=live).is_open()


@pytest.mark.django_db
def test_the_live_program_has_questionnaires_with_results_and_one_session_below_the_threshold(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    live = Program.objects.get(slug="fipr-live")
    assert sorted(live.questionnaires.values_list("kind", flat=True)) == ["program", "session"]
    sheets = Counter(Response.objects.filter(questionnaire__program=live).values_list("session", flat=True))
    assert any(n >= 5 for n in sheets.values()) and any(n < 5 for n in sheets.values())
    lawyer = Participant.objects.get(user__email="lawyer@demo.test")
    assert not Answered.objects.filter(participant=lawyer).exists()


@pytest.mark.django_db
def test_the_demo_lawyers_last_forum_keeps_its_questions_ranked_one_answered_some_anonymous(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    found = Question.objects.filter(session__program__slug="fipr-live")
    forum = found.first().session
    assert forum.format in ("forum", "seminar") and forum.has_started
    assert forum.is_taught_by(User.objects.get(email="faculty@demo.test"))
    assert (
        found.count() == 8 and found.filter(state="answered").count() == 1 and found.filter(anonymous=True).count() == 2
    )
    lawyer = Participant.objects.get(user__email="lawyer@demo.test")
    assert found.filter(author=lawyer).count() == 1 and Vote.objects.filter(participant=lawyer).count() == 2
    assert all(q.votes == q.vote_set.count() for q in found)  # the stored count, exact
    page = client_for(lawyer.user).get(reverse("practice:questions", args=[forum.pk])).content.decode()
    assert found.get(state="answered").text in page


@pytest.mark.django_db
def test_the_live_program_has_graded_work_to_grade_an_open_reflection_and_a_scored_mock_court(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    live = Program.objects.get(slug="fipr-live")
    brief = live.coursework.get(kind=AssignmentKind.MOCK_BRIEF)
    reflection = live.coursework.get(kind=AssignmentKind.REFLECTION)
    teacher = User.objects.get(email="faculty@demo.test")
    assert brief.session.is_taught_by(teacher) and brief.criteria.count() == 3
    assert reflection.required and not brief.required  # the open essay counts; the graded brief does not
    graded = brief.submissions.filter(score__isnull=False).count()
    assert graded >= 4 and brief.submissions.count() > graded  # graded, and some waiting in the queue
    mine = brief.submissions.get(participant__user__email="lawyer@demo.test")
    assert mine.score == 86 and mine.graded_by == teacher
    now = timezone.now()
    assert (
        reflection.accepts_at(now)
        and not reflection.submissions.filter(participant__user__email="lawyer@demo.test").exists()
    )
    # The last mock court held: its teams heard and scored, every lawyer's result graded as its coursework.
    hearing = live.coursework.get(kind=AssignmentKind.HEARING)
    assert hearing.session.ends_at < now and not hearing.required
    scored = Member.objects.filter(session=hearing.session).count()
    assert scored >= 4 and hearing.submissions.filter(score__isnull=False).count() == scored
    assert Score.objects.filter(team__case__session=hearing.session, participant=None).count() == 8
    # The next mock court: the demo lawyer has a place in its teams, and each side its own file.
    court = Case.objects.get(session__program=live, in_english=True)
    assert court.session.starts_at > now and court.materials.exclude(side="").count() == 2
    assert Member.objects.filter(session=court.session, participant__user__email="lawyer@demo.test").exists()


@pytest.mark.django_db
def test_demo_program_is_the_shenzhen_program_of_the_design(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    program = Program.objects.get(slug="fipr-2025")
    assert program.topics.count() == 4
    sessions = program.sessions.all()
    assert len(sessions) == 40
    assert {s.format for s in sessions} == set(SessionFormat.values)
    assert min(s.starts_at for s in sessions).month == 6 and max(s.starts_at for s in sessions).month == 10
    assert Faculty.objects.count() == 30
    assert set(Faculty.objects.values_list("affiliation_kind", flat=True)) == set(AffiliationKind.values)
    assert program_clashes(program) == ([], [])
    demo_teacher = Faculty.objects.get(user__email="faculty@demo.test")
    assert demo_teacher.assignments.count() >= 3


@pytest.mark.django_db
def test_seed_demo_scales_for_benchmarks_without_clashes(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--sessions", "600", "--faculty", "120", stdout=io.StringIO())
    program = Program.objects.get(slug="fipr-2025")
    assert program.sessions.count() == 600
    assert Faculty.objects.count() == 120
    clashes, _warnings = program_clashes(program)
    assert clashes == []


@pytest.mark.django_db
def test_seed_demo_keeps_the_rules_at_any_size(settings, monkeypatch):
    """The rows are written in bulk (COPY on PostgreSQL), past the services: in both programs they still obey
    the rules. The benchmark's options scale the history only; the live program keeps its size."""
    from django.db.models import F

    from demo import certificates as certificates_demo
    from participants.models import AttendanceChange
    from participants.services import COMPLETED, Completion, checkin_window
    from participants.services.quotas import quota_table

    settings.DEBUG = True
    monkeypatch.setattr(certificates_demo, "SAMPLE", 20)  # the cap the 10,000-lawyer benchmark reaches
    call_command("seed_demo", "--sessions", "120", "--participants", "400", stdout=io.StringIO())
    now = timezone.now()
    program = Program.objects.get(slug="fipr-2025")
    live = Program.objects.get(slug="fipr-live")
    assert program.admissions.count() == 400
    assert (live.sessions.count(), live.admissions.filter(state="admitted").count()) == (40, 320)

    for each in (program, live):
        lawyers = each.admissions.filter(state="admitted").count()
        sessions = list(
            each.sessions.annotate(
                seats=Count("enrolments", filter=Q(enrolments__state="confirmed")),
                waiting=Count("enrolments", filter=Q(enrolments__state="waitlisted")),
            )
        )
        assert all(s.seats == lawyers and not s.waiting for s in sessions if s.is_required)
        assert not [s for s in sessions if not s.is_required and s.seats > s.capacity]
        assert not [s for s in sessions if s.waiting and s.seats < s.capacity]  # a waitlist only when full
        assert [s.seats_taken for s in sessions] == [s.seats for s in sessions]  # the stored count, exact

        # Attendance for the seats held, and only for them, but for the first check-ins where it is open now.
        open_now = [s.pk for s in sessions if checkin_window(s)[0] <= now <= checkin_window(s)[2]]
        records = Attendance.objects.filter(session__program=each)
        seats = Enrolment.objects.filter(session__program=each, state="confirmed")
        held = set(seats.filter(session__ends_at__lt=now).values_list("participant_id", "session_id"))
        assert set(records.exclude(session__in=open_now).values_list("participant_id", "session_id")) == held
        arrived = set(records.filter(session__in=open_now).values_list("participant_id", "session_id"))
        assert arrived <= set(seats.filter(session__in=open_now).values_list("participant_id", "session_id"))
        changes = AttendanceChange.objects.filter(attendance__in=records)
        assert changes.count() == records.count()
        assert not changes.exclude(status=F("attendance__status"), recorded_at=F("attendance__recorded_at")).exists()

        # Quotas hold every admitted lawyer, and one province has used all its places.
        usage = [(line.admitted, line.seats) for line in quota_table(each).lines if line.seats is not None]
        assert all(used <= places for used, places in usage)
        assert sum(used == places for used, places in usage if used) == 1

    # Nobody, in either program, holds two seats at the same time.
    held_by: dict[int, list] = {}
    for lawyer, starts, ends in Enrolment.objects.filter(state="confirmed").values_list(
        "participant_id", "session__starts_at", "session__ends_at"
    ):
        held_by.setdefault(lawyer, []).append((starts, ends))
    for times in held_by.values():
        times.sort()
        assert all(earlier[1] <= later[0] for earlier, later in pairwise(times))

    holders = list(Certificate.objects.filter(program=program).values_list("participant_id", flat=True))
    assert len(holders) == 21  # the first 20, and the demo lawyer, whose "My program" shows it
    assert Certificate.objects.filter(program=program, participant__user__email="lawyer@demo.test").exists()
    outcomes = {p.pk: p.outcome for p in Completion(program).lawyers()}
    assert {outcomes[pk] for pk in holders} == {COMPLETED}
    assert list(Certificate.objects.filter(program=program).values_list("number", flat=True)) == list(range(1, 22))
    assert not Certificate.objects.filter(program=live).exists()  # the live program is under way


# --- fipr-live: built around the moment seed_demo runs -------------------------------------------
def _submit_served_form(client: Client, page: str, action: str):
    """GET the page and POST the form it serves to `action`, with its own values, as a browser would."""
    answer = client.get(page)
    assert answer.status_code == 200, page
    return find_form(answer.text, action=action, page_url=page).submit(client, page)


def _client(email: str):
    return client_for(User.objects.get(email=email))


@pytest.mark.django_db
@pytest.mark.clock_edges  # now, and around midnight and the turn of a month and a year (tests/clock.py)
def test_the_live_program_has_checkin_enrolment_and_a_waitlist_to_try_at_any_hour(settings):
    from participants.services import AT_RISK, ON_TRACK, Completion, checkin_window

    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8123"  # make run on PORT=8123
    said = io.StringIO()
    call_command("seed_demo", "--participants", "40", stdout=said)
    now = timezone.now()
    live = Program.objects.get(slug="fipr-live")
    lawyer = Participant.objects.get(user__email="lawyer@demo.test")
    seats = Count("enrolments", filter=Q(enrolments__state="confirmed"))
    waiting = Count("enrolments", filter=Q(enrolments__state="waitlisted"))
    sessions = list(live.sessions.annotate(seats=seats, waiting=waiting))
    assert len(sessions) == 40
    assert {s.format for s in sessions} == set(SessionFormat.values)
    assert program_clashes(live) == ([], [])

    # Check-in is open now at a session the demo lawyer holds a seat in and the demo faculty member teaches.
    mine = set(Enrolment.objects.filter(participant=lawyer, state="confirmed").values_list("session_id", flat=True))
    today = [s for s in sessions if checkin_window(s)[0] <= now <= checkin_window(s)[2]]
    assert len(today) == 1 and today[0].pk in mine
    session = today[0]
    faculty = _client("faculty@demo.test")
    screen = faculty.get(reverse("participants:checkin_screen", args=[session.pk]))
    assert screen.status_code == 200 and screen.context["open"] is True
    assert 0 < screen.context["checked_in"] < screen.context["seats"] == 320  # the first have arrived
    # The command says where: the screen's address on this server.
    assert f"http://127.0.0.1:8123{reverse('participants:checkin_screen', args=[session.pk])} " in said.getvalue()
    # The demo lawyer scans the code on the projector: present.
    scanned = _client("lawyer@demo.test").get(urlsplit(screen.context["checkin_url"]).path)
    assert scanned.status_code == 200
    assert Attendance.objects.get(participant=lawyer, session=session).status == "present"

    # Weeks ahead: enrolment is open and electives have seats; the lawyer takes one from the session page.
    assert live.enrolment_opens_at <= now < live.enrolment_closes_at
    ahead = [s for s in sessions if not s.is_required and s.starts_at > now]
    with_seats = [s for s in ahead if s.seats < s.capacity]
    assert len(with_seats) >= 10
    assert any(s.pk in mine for s in with_seats)  # the demo lawyer already holds one
    choice = next(s for s in with_seats if s.pk not in mine)
    lawyer_client = _client("lawyer@demo.test")
    page = reverse("sessions:session_detail", args=[live.slug, choice.pk])
    action = reverse("participants:enrolment_action", args=[choice.pk])
    assert _submit_served_form(lawyer_client, page, action).status_code == 302
    assert Enrolment.objects.get(participant=lawyer, session=choice).state == "confirmed"

    # One elective is full, with a waitlist the demo lawyer is not on yet: joining puts them at its end.
    (full,) = [s for s in ahead if s.seats >= s.capacity]
    assert full.seats == full.capacity and full.waiting > 0 and full.pk not in mine
    page = reverse("sessions:session_detail", args=[live.slug, full.pk])
    action = reverse("participants:enrolment_action", args=[full.pk])
    assert _submit_served_form(lawyer_client, page, action).status_code == 302
    place = Enrolment.objects.get(participant=lawyer, session=full)
    assert (place.state, place.waitlist_position) == ("waitlisted", full.waiting + 1)

    # Weeks past: every seat held has its attendance; the demo lawyer came to each; some lawyers are at risk.
    held = [s for s in sessions if s.ends_at < now]
    assert len(held) >= 15
    held_seats = Enrolment.objects.filter(session__in=held, state="confirmed")
    records = Attendance.objects.filter(session__in=held)
    assert set(records.values_list("participant_id", "session_id")) == set(
        held_seats.values_list("participant_id", "session_id")
    )
    completion = Completion(live)
    figures = completion.of(lawyer)
    assert figures.outcome == ON_TRACK
    assert figures.attended_required == len([s for s in held if s.is_required]) + 1  # and today's, just now
    assert completion.lawyers().filter(outcome=AT_RISK).count() in range(5, 65)  # a few, not most

    # The demo faculty member teaches in both programs; the history is over, with the lawyer's certificate.
    teacher = User.objects.get(email="faculty@demo.test")
    assert session.is_taught_by(teacher)
    history = Program.objects.get(slug="fipr-2025")
    assert history.sessions.filter(assignments__faculty__user=teacher).exists()
    assert not history.sessions.filter(ends_at__gte=now).exists()
    assert Certificate.objects.filter(program=history, participant=lawyer, revoked_at=None).exists()
    assert live.quotas.count() == history.quotas.count() == 31
    assert live.admissions.filter(state="admitted").values("participant__province").distinct().count() >= 22


def _history() -> dict:
    """fipr-2025 by what a person sees in it (ids differ between two builds)."""
    program = Program.objects.get(slug="fipr-2025")
    lawyer, session = "participant__license_number", ("session__starts_at", "session__title_zh")
    return {
        "program": Program.objects.filter(pk=program.pk).values(
            "name_zh", "starts_on", "ends_on", "enrolment_opens_at", "enrolment_closes_at", "min_credit_hours"
        )[0],
        "sessions": sorted(
            program.sessions.values_list("starts_at", "title_zh", "title_en", "format", "venue__name_zh", "capacity")
        ),
        "faculty": sorted(
            FacultyAssignment.objects.filter(session__program=program).values_list(*session, "faculty__slug", "role")
        ),
        "quotas": sorted(program.quotas.values_list("province__code", "seats")),
        "admissions": sorted(program.admissions.values_list(lawyer, "participant__name_zh", "state", "decided_at")),
        "enrolments": sorted(
            Enrolment.objects.filter(session__program=program).values_list(
                lawyer, *session, "state", "confirmed_at", "waitlisted_at"
            )
        ),
        "attendance": sorted(
            Attendance.objects.filter(session__program=program).values_list(
                lawyer, *session, "status", "method", "recorded_at"
            )
        ),
        "certificates": sorted(
            (c.participant.license_number, c.serial, c.revoked_at is None)
            for c in Certificate.objects.filter(program=program).select_related("participant")
        ),
    }


@pytest.mark.django_db
def test_the_history_is_the_same_whenever_the_demo_is_built_and_shares_only_the_demo_lawyer(settings):
    settings.DEBUG = True
    built = []
    for edge in ("beijing-2330-year-end", "utc-2330-leap-day"):
        with clock.at(edge), transaction.atomic():
            call_command("seed_demo", "--participants", "60", stdout=io.StringIO())
            built.append(_history())
            both = Admission.objects.filter(
                program__slug="fipr-live", participant__admissions__program__slug="fipr-2025"
            )
            assert list(both.values_list("participant__user__email", flat=True)) == ["lawyer@demo.test"]
            transaction.set_rollback(True)  # the next build starts from an empty database again
    assert built[0] == built[1]
    assert built[0]["certificates"] and len(built[0]["sessions"]) == 40


@pytest.mark.django_db
def test_the_demo_lawyer_finds_both_programs_the_live_one_first(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--participants", "20", stdout=io.StringIO())
    live, history = Program.objects.get(slug="fipr-live"), Program.objects.get(slug="fipr-2025")
    client = _client("lawyer@demo.test")

    home = client.get(reverse("home")).content.decode()
    assert live.name_zh in home and history.name_zh in home

    page = client.get(reverse("participants:my_program")).content.decode()
    assert page.count('data-testid="completion"') == 2  # the figures of each program
    # "My sessions": this cohort's, under its name, then last year's; not one list that starts in June 2025.
    seats = Enrolment.objects.filter(participant__user__email="lawyer@demo.test", state="confirmed")
    first_live = seats.filter(session__program=live).order_by("session__starts_at").first().session
    first_history = seats.filter(session__program=history).order_by("session__starts_at").first().session
    live_heading, history_heading = (rf">\s*{re.escape(p.name_zh)}\s*</h2>" for p in (live, history))
    order = [live_heading, re.escape(first_live.title_zh), history_heading, re.escape(first_history.title_zh)]
    where = [re.search(text, page).start() for text in order]
    assert where == sorted(where)


# --- a later `make run`: fipr-live built anew around its day, the rest kept ----------------------------
def _seed(*options) -> str:
    """What seed_demo says; what it does once its transaction commits is done too (the test's never does)."""
    said = io.StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("seed_demo", "--participants", "40", *options, stdout=said)
    return said.getvalue()


def _live_now() -> Program:
    """fipr-live, checked to be built around now: check-in open at one session, weeks held and weeks ahead."""
    from participants.services import checkin_window

    now = timezone.now()
    live = Program.objects.get(slug="fipr-live")
    sessions = list(live.sessions.all())
    assert len(sessions) == 40 and live.admissions.filter(state="admitted").count() == 320
    assert len([s for s in sessions if checkin_window(s)[0] <= now <= checkin_window(s)[2]]) == 1
    assert len([s for s in sessions if s.ends_at < now]) >= 15 and len([s for s in sessions if s.starts_at > now]) >= 15
    assert live.enrolment_opens_at <= now < live.enrolment_closes_at
    return live


def _others() -> dict:
    """What is not fipr-live, by what a person sees in it: the history, another program, the people."""
    other = Program.objects.get(slug="provincial")
    return {
        "history": _history(),
        "other": (
            sorted(other.sessions.values_list("pk", "starts_at", "title_zh")),
            sorted(other.admissions.values_list("participant__user__email", "state")),
        ),
        "people": sorted(User.objects.values_list("pk", "email", "is_active")),
        "faculty": sorted(Faculty.objects.values_list("pk", "slug", "user_id")),
    }


def _media_files(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


@pytest.mark.django_db
def test_a_later_run_builds_the_live_program_around_its_day_and_keeps_everything_else(settings):
    settings.DEBUG = True
    # A program of the office's own, with a lawyer who is not the demo's: the demo never touches it.
    other = ProgramFactory(slug="provincial")
    SessionFactory(program=other)
    AdmissionFactory(program=other, participant__user__email="wang.fang@example.org")
    start = clock.instant(clock.EDGES["beijing-0010-year-start"])

    with clock.at(start.isoformat()):
        _seed()
        first = _live_now()
        built = sorted(first.sessions.values_list("pk", "starts_at"))
        kept = _others()

    # Hours later on the same day: nothing changes; the command says how to build it around this hour.
    with clock.at((start + timedelta(hours=3)).isoformat()):
        said = _seed()
        live = Program.objects.get(slug="fipr-live")
        assert live.pk == first.pk and sorted(live.sessions.values_list("pk", "starts_at")) == built
        assert "seed_demo --rebuild-live" in said
        assert "built anew" in _seed("--rebuild-live")
        assert _live_now().pk != first.pk
        assert _others() == kept

    # Weeks later: built anew around that day without being asked; the rest as it was, no file left behind.
    with clock.at((start + timedelta(days=23)).isoformat()):
        said = _seed()
        assert "built anew" in said and "Check-in is open" in said
        live = _live_now()
        assert _others() == kept
        versions = set(MaterialVersion.objects.values_list("file", flat=True))
        assert versions and {name for name in _media_files(settings) if name.startswith("materials/")} == versions
        assert Participant.objects.get(user__email="lawyer@demo.test").admissions.count() == 2
        rerun = _seed()  # and again that day: nothing changes
        assert "built anew" not in rerun and Program.objects.get(slug="fipr-live").pk == live.pk


@pytest.mark.django_db
def test_a_live_program_holding_people_who_are_not_the_demos_is_never_rebuilt(settings):
    settings.DEBUG = True
    start = clock.instant(clock.EDGES["beijing-2330-month-end"])
    with clock.at(start.isoformat()):
        _seed()
        live = Program.objects.get(slug="fipr-live")
        real = AdmissionFactory(program=live, participant__user__email="zhao.lei@example.org")
        sessions = sorted(live.sessions.values_list("pk", "starts_at"))
    with clock.at((start + timedelta(days=23)).isoformat()):
        said = _seed("--rebuild-live")
    assert "kept as it is" in said and "built anew" not in said
    assert Program.objects.get(slug="fipr-live").pk == live.pk
    assert sorted(live.sessions.values_list("pk", "starts_at")) == sessions
    real.refresh_from_db()  # still there
