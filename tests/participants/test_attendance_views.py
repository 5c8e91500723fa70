"""Attendance screens: who may use them, what they show, and the check-in a lawyer's phone makes."""

import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from participants import services
from participants.models import Attendance, Enrolment, EnrolmentState, Participant, Province
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
    with CaptureQueriesContext(connection) as small:
        faculty_client.get(url)
    for _ in range(30):
        _seat(session)
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
def test_my_program_shows_each_programs_figures_by_its_own_rule(session, lawyer_client, lawyer_seated):
    session.is_required = True
    session.save()
    lawyer_client.get(services.checkin_url(session))  # present: the first program's only required session
    other = ProgramFactory(required_attendance_share=Decimal("1"))
    AdmissionFactory(program=other, participant=lawyer_seated)
    now = timezone.now()
    for days in (3, 2):  # two required sessions over, neither attended: the rule is out of reach
        start = now - timedelta(days=days)
        missed = SessionFactory(program=other, is_required=True, starts_at=start, ends_at=start + timedelta(hours=2))
        _seat(missed, lawyer_seated)
    page = lawyer_client.get(reverse("participants:my_program"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    attended = re.findall(r'data-testid="attended"\s*>([^<]*)<', page)
    assert sorted(attended) == ["0 / 2 (0%)", "1 / 1 (100%)"]
    assert "Completion rule met" in page and "At risk: please contact the program office" in page


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
@pytest.mark.parametrize(
    "title",
    [
        "涉外知识产权争端解决中的跨境证据调取、域外法查明与国际仲裁裁决承认和执行实务研讨（第二期）",
        "Cross-border evidence, proof of foreign law and the recognition of arbitral awards, a practical workshop",
        "https://training.example.gov.cn/materials/cross-border-evidence-and-foreign-law-workshop-2026.pdf",
    ],
)
def test_a_long_session_title_wraps_inside_its_column_of_the_transcript(
    title, session, lawyer_client, lawyer_seated, tmp_path
):
    session.title_zh = title
    session.save()
    pdf = tmp_path / "t.pdf"
    url = reverse("participants:my_transcript", args=[session.program.slug, "pdf"])
    pdf.write_bytes(lawyer_client.get(url).content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert title.replace(" ", "") in "".join(text.split())  # every character shown, on the lines it takes
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    edges = [float(x) for x in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', boxes)]
    session_column_ends = (18 + 30 + 74) * 72 / 25.4  # the page's margin, the date and the session columns (mm)
    words = re.findall(r">([^<]*)</word>", boxes)
    title_words = [x for x, word in zip(edges, words, strict=True) if len(word) > 4 and word in title]  # not "2"
    assert title_words and max(title_words) < session_column_ends


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


def _row_of(page: str, participant) -> str:
    transcript = f"/lawyers/{participant.pk}/transcript.pdf"
    (row,) = [row for row in re.findall(r"<tr class=\"outcome-.*?</tr>", page, re.S) if transcript in row]
    return re.sub(r"\s*>\s*", ">", " ".join(row.split()))  # the markup without the whitespace between tags


@pytest.mark.django_db
def test_the_completion_list_shows_each_lawyers_figures_outcome_and_transcript(administrator_client, administrator):
    program = ProgramFactory(required_attendance_share=Decimal("0.6"), min_credit_hours=Decimal("3"))
    now = timezone.now()
    past = [
        SessionFactory(program=program, starts_at=now - timedelta(days=d), ends_at=now - timedelta(days=d, hours=-2),
                       is_required=True, credit_hours=Decimal("1.5"))
        for d in (4, 3, 2)
    ]  # fmt: skip
    upcoming = SessionFactory(
        program=program, starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=2), is_required=True
    )
    done, hopeful, lost = (
        AdmissionFactory(
            program=program, participant__name_zh=f"{name}律师", participant__province=Province.objects.get(code=code)
        ).participant
        for name, code in (("甲", "44"), ("乙", "11"), ("丙", "31"))
    )
    for lawyer, attended in ((done, 3), (hopeful, 2), (lost, 1)):
        for session in [*past, upcoming]:
            Enrolment.objects.create(participant=lawyer, session=session, state="confirmed", created_by=administrator)
        for session in past[:attended]:
            Attendance.objects.create(
                participant=lawyer, session=session, status="present", method="roster", recorded_by=administrator
            )
    services.progress.rebuild(program)  # the rows above were written around the services
    url = reverse("participants:completion", args=[program.slug])
    page = administrator_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = _row_of(page, done)
    assert 'class="outcome-completed"' in row and "Guangdong" in row and "3 / 4" in row and "(75%)" in row
    assert ">4.5<" in row and 'text-bg-success">Completed<' in row
    row = _row_of(page, hopeful)
    assert "Beijing" in row and "2 / 4" in row and "(50%)" in row and ">3<" in row
    assert 'text-bg-light border">On track<' in row
    row = _row_of(page, lost)
    assert "Shanghai" in row and "1 / 4" in row and "(25%)" in row and ">1.5<" in row
    assert 'text-bg-warning">At risk<' in row and 'data-label="Credit hours"' in row
    chinese = administrator_client.get(url, {"outcome": "at_risk"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "丙律师" in chinese and "甲律师" not in chinese and "上海市" in _row_of(chinese, lost)


@pytest.mark.django_db
def test_the_completion_list_pages_lawyers_of_the_same_name_once_each(session, administrator_client, monkeypatch):
    from participants.views import completion as views

    monkeypatch.setattr(views, "PAGE_ROWS", 2)
    namesakes = {_seat(session, participant__name_zh="王伟", participant__name_latin="Wang Wei").pk for _ in range(5)}
    url = reverse("participants:completion", args=[session.program.slug])
    for sort in ("name", "province", "rate", "hours"):
        shown = []
        for number in (1, 2, 3):
            page = administrator_client.get(url, {"sort": sort, "page": number}).content.decode()
            shown += [int(pk) for pk in re.findall(r"/lawyers/(\d+)/transcript.pdf", page)]
        assert sorted(shown) == sorted(namesakes), sort


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
