"""Attendance screens: who may use them, what they show, and the check-in a lawyer's phone makes."""

import re
import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from participants import services
from participants.models import Attendance, Enrolment, EnrolmentState, Participant
from participants.views import attendance as attendance_views
from sessions.models import TrainingSession
from tests.factories import AdmissionFactory, AssignmentFactory, FacultyFactory, ProgramFactory, SessionFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def session(db):
    start = timezone.now() - timedelta(minutes=5)
    return SessionFactory(program=ProgramFactory(), starts_at=start, ends_at=start + timedelta(hours=2))


def _seat(session, participant=None, **fields):
    participant = participant or AdmissionFactory(program=session.program, **fields).participant
    Enrolment.objects.create(
        participant=participant, session=session, state=EnrolmentState.CONFIRMED, created_by=participant.user
    )
    services.seats_recount(sessions=TrainingSession.objects.filter(pk=session.pk))  # as enrolment counts it
    return participant


@pytest.fixture
def lawyer_seated(lawyer, session):
    participant = AdmissionFactory(
        program=session.program,
        participant__user=lawyer,
        participant__name_zh="李明",
        participant__name_latin="Li Ming",
    ).participant
    return _seat(session, participant)


@pytest.fixture
def teaching(faculty_member, session):
    AssignmentFactory(session=session, faculty=FacultyFactory(user=faculty_member))
    return session


# --- who may take attendance --------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_sessions_faculty_and_administrators_take_attendance_others_do_not(
    session, teaching, faculty_client, administrator_client, lawyer_client, lawyer_seated
):
    url = reverse("participants:attendance_roster", args=[session.pk])
    assert faculty_client.get(url).status_code == 200
    assert administrator_client.get(url).status_code == 200
    assert lawyer_client.get(url).status_code == 403
    other = SessionFactory(program=session.program)
    for name in ("attendance_roster", "checkin_screen", "signin_sheet"):
        assert faculty_client.get(reverse(f"participants:{name}", args=[other.pk])).status_code == 403
    response = faculty_client.post(
        reverse("participants:attendance_mark", args=[other.pk]), {"participant": lawyer_seated.pk, "status": "present"}
    )
    assert response.status_code == 403
    assert not Attendance.objects.exists()
    assert faculty_client.get(reverse("participants:attendance_history", args=[session.pk])).status_code == 403


@pytest.mark.django_db
def test_marking_with_htmx_answers_the_row_and_the_count(
    session, teaching, faculty_client, faculty_member, lawyer_seated
):
    url = reverse("participants:attendance_mark", args=[session.pk])
    response = faculty_client.post(url, {"participant": lawyer_seated.pk, "status": "present"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="present"' in body and "已签到1人，共1人" in body
    record = Attendance.objects.get()
    assert (record.status, record.method, record.recorded_by) == ("present", "roster", faculty_member)
    response = faculty_client.post(url, {"participant": lawyer_seated.pk, "status": "excused"}, **HTMX)
    assert 'role="alert"' in response.content.decode() and 'data-status="present"' in response.content.decode()
    faculty_client.post(url, {"participant": lawyer_seated.pk, "status": "excused"}, HTTP_HX_PROMPT="生病", **HTMX)
    record.refresh_from_db()
    assert (record.status, record.note) == ("excused", "生病")


@pytest.mark.django_db
def test_a_lawyer_not_on_the_roster_cannot_be_marked_by_id(session, teaching, faculty_client):
    stranger = AdmissionFactory(program=session.program).participant
    response = faculty_client.post(
        reverse("participants:attendance_mark", args=[session.pk]), {"participant": stranger.pk, "status": "present"}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_the_roster_searches_by_name_or_licence_tail_and_never_shows_the_whole_licence(
    session, teaching, faculty_client, lawyer_seated
):
    _seat(session, participant__name_zh="王芳", participant__name_latin="Wang Fang")
    url = reverse("participants:attendance_roster", args=[session.pk])
    page = faculty_client.get(url).content.decode()
    assert "李明" in page and "王芳" in page and lawyer_seated.license_number not in page
    found = faculty_client.get(url, {"q": lawyer_seated.license_number[-4:]}, HTTP_HX_TARGET="roster-body", **HTMX)
    assert "李明" in found.content.decode() and "王芳" not in found.content.decode()
    whole = faculty_client.get(url, {"q": lawyer_seated.license_number}).content.decode()
    assert "李明" not in whole  # the whole number is not a search key: it must not be typed into screens


@pytest.mark.django_db
def test_the_roster_shows_the_first_seats_by_name_each_row_with_its_own_lawyer_and_mark(
    session, teaching, faculty_client, monkeypatch
):
    monkeypatch.setattr(attendance_views, "ROSTER_ROWS", 3)
    seated = {latin: _seat(session, participant__name_latin=latin) for latin in ("Zhou", "Chen", "Bai", "Deng")}
    waiting = AdmissionFactory(program=session.program, participant__name_latin="An").participant
    Enrolment.objects.create(participant=waiting, session=session, state=EnrolmentState.WAITLISTED)
    for latin, status, note in (("Chen", "excused", "<b>病假</b>"), ("Deng", "late", "")):
        Attendance.objects.create(participant=seated[latin], session=session, status=status, method="roster", note=note)
    page = faculty_client.get(reverse("participants:attendance_roster", args=[session.pk])).content.decode()

    rows = re.findall(r'<tr id="lawyer-(\d+)" data-status="(\w+)">(.*?)</tr>', page, re.S)
    assert [(int(pk), status) for pk, status, _ in rows] == [
        (seated["Bai"].pk, "none"),
        (seated["Chen"].pk, "excused"),
        (seated["Deng"].pk, "late"),
    ]  # by name, the waitlisted lawyer not among them, and a note that more are found by searching
    assert "仅显示前 3 位" in page
    for pk, _status, row in rows:  # every button marks this row's lawyer
        assert set(re.findall(r'"participant": "(\d+)"', row)) == {pk}
        assert set(re.findall(r'hx-target="#lawyer-(\d+)"', row)) == {pk}
    pressed = [re.findall(r'class="btn ([\w-]+) active"', row) for _pk, _status, row in rows]
    assert pressed == [[], ["btn-secondary"], ["btn-warning"]]
    chen = rows[1][2]
    assert "&lt;b&gt;病假&lt;/b&gt;" in chen and "<b>" not in chen


@pytest.mark.django_db
def test_the_roster_keeps_its_query_count_as_the_roster_grows(session, teaching, faculty_client):
    url = reverse("participants:attendance_roster", args=[session.pk])
    _seat(session)
    cache.clear()  # each uncached (the unread badge too)
    with CaptureQueriesContext(connection) as small:
        faculty_client.get(url)
    for _ in range(30):
        _seat(session)
    cache.clear()
    with CaptureQueriesContext(connection) as large:
        faculty_client.get(url)
    assert len(large) == len(small)


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_the_check_in_screen_shows_a_qr_code_the_code_and_the_count(session, teaching, faculty_client, lawyer_seated):
    page = faculty_client.get(reverse("participants:checkin_screen", args=[session.pk])).content.decode()
    assert "<svg" in page and services.checkin_code(session)[:3] in page
    assert "已签到0人，共1人" in page


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_the_sign_in_sheet_is_a_pdf_with_the_chinese_names(session, teaching, faculty_client, lawyer_seated, tmp_path):
    response = faculty_client.get(reverse("participants:signin_sheet", args=[session.pk]))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "李明" in text and session.title_zh in text and lawyer_seated.license_number not in text


# --- the lawyer's check-in ----------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.clock_edges
def test_scanning_the_qr_code_checks_the_lawyer_in(session, lawyer_client, lawyer_seated):
    url = services.checkin_url(session)
    response = lawyer_client.get(url)
    assert response.status_code == 200 and 'data-state="present"' in response.content.decode()
    assert lawyer_client.get(url).status_code == 200  # twice: harmless
    assert Attendance.objects.get().method == "qr"


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_a_scan_before_signing_in_finishes_after_signing_in(client, session, lawyer, lawyer_seated):
    response = client.get(services.checkin_url(session))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert not Attendance.objects.exists()
    client.force_login(lawyer, backend="accounts.backends.EmailBackend")
    response = client.get(reverse("participants:checkin_resume"))
    assert 'data-state="present"' in response.content.decode()
    assert Attendance.objects.get().participant == lawyer_seated


@pytest.mark.django_db
def test_an_expired_or_foreign_token_is_refused_with_a_message(session, lawyer_client, lawyer_seated):
    old = services.checkin_token(session, timezone.now() - timedelta(minutes=2))
    response = lawyer_client.get(reverse("participants:checkin", args=[session.pk, old]))
    assert response.status_code == 400
    other = SessionFactory(program=session.program)
    foreign = services.checkin_token(other)
    response = lawyer_client.get(reverse("participants:checkin", args=[session.pk, foreign]))
    assert response.status_code == 400
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_a_lawyer_without_a_seat_is_refused(session, lawyer_client, lawyer):
    AdmissionFactory(program=session.program, participant__user=lawyer)
    response = lawyer_client.get(services.checkin_url(session))
    assert response.status_code == 400
    assert not Attendance.objects.exists()


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_checking_in_by_typing_the_code(session, lawyer_client, lawyer_seated):
    url = reverse("participants:checkin_code")
    bad = lawyer_client.post(url, {"code": "12ab"})
    assert bad.status_code == 400 and "is-invalid" in bad.content.decode()
    response = lawyer_client.post(url, {"code": services.checkin_code(session)})
    assert 'data-state="present"' in response.content.decode()
    assert Attendance.objects.get().method == "code"


# --- completion, reports and transcripts --------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.clock_edges
def test_my_program_shows_the_completion_figures(session, lawyer_client, lawyer_seated):
    session.is_required = True
    session.save()
    page = lawyer_client.get(reverse("participants:my_program")).content.decode()
    assert re.search(r'data-testid="attended"\s*>0 / 1', page)
    lawyer_client.get(services.checkin_url(session))
    page = lawyer_client.get(reverse("participants:my_program")).content.decode()
    assert re.search(r'data-testid="attended"\s*>1 / 1 \(100%\)', page) and re.search(r'data-testid="hours"\s*>2', page)


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_transcripts_are_the_lawyers_own_or_an_administrators(
    session, lawyer_client, lawyer_seated, other_lawyer, administrator_client, tmp_path
):
    slug = session.program.slug
    pdf = lawyer_client.get(reverse("participants:my_transcript", args=[slug, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "李明" in text and session.title_zh in text
    xlsx = lawyer_client.get(reverse("participants:my_transcript", args=[slug, "xlsx"]))
    rows = list(load_workbook(BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == session.title_zh
    assert lawyer_client.get(reverse("participants:my_transcript", args=[slug, "exe"])).status_code == 404
    url = reverse("participants:lawyer_transcript", args=[slug, lawyer_seated.pk, "pdf"])
    assert lawyer_client.get(url).status_code == 403
    assert administrator_client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_completion_list_filters_exports_safely_and_keeps_its_query_count(session, administrator_client):
    url = reverse("participants:completion", args=[session.program.slug])
    query = {"outcome": "completed", "province": "44", "sort": "rate"}  # no required session: all complete
    _seat(session, participant__name_zh="=HYPERLINK(1)")
    administrator_client.get(url)  # the signed-in session is read from the database once, then cached
    with CaptureQueriesContext(connection) as small:
        assert administrator_client.get(url, query).status_code == 200
    for _ in range(40):
        _seat(session)
    with CaptureQueriesContext(connection) as large:
        page = administrator_client.get(url, query)
    assert page.status_code == 200 and len(large) == len(small)
    assert page.content.decode().count('class="outcome-completed"') == 41
    export = administrator_client.get(url, {"export": "csv"}).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in export
    report = administrator_client.get(reverse("participants:attendance_report", args=[session.program.slug]))
    assert report.status_code == 200 and session.title_zh in report.content.decode()
    assert Participant.objects.count() == 41


@pytest.mark.django_db
def test_typing_codes_is_limited_to_ten_tries_a_minute(session, lawyer_client, lawyer_seated):
    url = reverse("participants:checkin_code")
    answers = [lawyer_client.post(url, {"code": "000000"}).status_code for _ in range(11)]
    assert answers == [400] * 11
    response = lawyer_client.post(url, {"code": services.checkin_code(session)})
    assert 'data-state="present"' not in response.content.decode()  # even the right code waits a minute
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_a_non_numeric_id_finds_nothing(session, teaching, faculty_client):
    response = faculty_client.post(
        reverse("participants:attendance_mark", args=[session.pk]), {"participant": "1 OR 1=1", "status": "present"}
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_long_roster_shows_its_first_rows_and_asks_for_a_search(session, teaching, faculty_client, monkeypatch):
    from participants.views import attendance as views

    monkeypatch.setattr(views, "ROSTER_ROWS", 3)
    for name in ("Ai", "Bo", "Cai", "Du", "En"):
        _seat(session, participant__name_latin=name, participant__name_zh=f"{name}律师")
    url = reverse("participants:attendance_roster", args=[session.pk])
    page = faculty_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ai律师" in page and "Cai律师" in page and "Du律师" not in page
    assert "The first 3 are shown; search by name" in page
    found = faculty_client.get(url, {"q": "En"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "En律师" in found and "The first" not in found
