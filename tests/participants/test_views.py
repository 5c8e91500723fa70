import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from participants import services
from participants.models import (
    Attendance,
    AttendanceMethod,
    AttendanceStatus,
    Enrolment,
    Province,
    ProvinceQuota,
)
from tests.factories import AdmissionFactory, ParticipantFactory, ProgramFactory, SessionFactory
from tests.forms import ServedForm, find_form, served_forms
from tests.support import client_for


@pytest.fixture
def program():
    return ProgramFactory(slug="fipr-test", enrolment_closes_at=timezone.now() + timedelta(days=30))


def _future(program, capacity=1, **fields):
    start = timezone.now() + timedelta(days=10)
    return SessionFactory(
        program=program, capacity=capacity, starts_at=start, ends_at=start + timedelta(hours=2), **fields
    )


@pytest.fixture
def admitted_lawyer(program, lawyer):
    participant = ParticipantFactory(user=lawyer)
    AdmissionFactory(participant=participant, program=program)
    return participant


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_lawyer_enrols_from_the_session_page_with_htmx(lawyer_client, program, admitted_lawyer):
    session = _future(program, capacity=1)
    page = lawyer_client.get(reverse("sessions:session_detail", args=[program.slug, session.pk]))
    assert 'id="enrolment-box"' in page.text
    url = reverse("participants:enrolment_action", args=[session.pk])
    box = lawyer_client.post(url, {"action": "enrol"}, HTTP_HX_REQUEST="true")
    assert 'data-state="confirmed"' in box.text
    again = lawyer_client.post(url, {"action": "enrol"}, HTTP_HX_REQUEST="true")  # a double click
    assert 'data-state="confirmed"' in again.text
    assert Enrolment.objects.count() == 1
    lawyer_client.post(url, {"action": "cancel"}, HTTP_HX_REQUEST="true")
    assert not Enrolment.objects.active().exists()


@pytest.mark.django_db
def test_the_session_page_says_the_seats_left_as_others_take_them(lawyer_client, program, admitted_lawyer):
    session = _future(program, capacity=3)
    url = reverse("sessions:session_detail", args=[program.slug, session.pk])
    assert "3 seats left." in lawyer_client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    services.enrol(participant=AdmissionFactory(program=program).participant, session=session)
    assert "2 seats left." in lawyer_client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    for _ in range(2):
        services.enrol(participant=AdmissionFactory(program=program).participant, session=session)
    page = lawyer_client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    assert "All seats are taken; you can join the waitlist." in page and "Join the waitlist" in page


@pytest.mark.django_db
def test_a_full_session_offers_the_waitlist_and_says_the_position(lawyer_client, program, admitted_lawyer):
    session = _future(program, capacity=1)
    services.enrol(participant=AdmissionFactory(program=program).participant, session=session)
    url = reverse("participants:enrolment_action", args=[session.pk])
    box = lawyer_client.post(url, {"action": "enrol"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert 'data-state="waitlisted"' in box.text and "number 1" in box.text


@pytest.mark.django_db
def test_refusal_is_shown_in_the_box(lawyer_client, program, admitted_lawyer):
    other = _future(ProgramFactory(), capacity=5)
    response = lawyer_client.post(
        reverse("participants:enrolment_action", args=[other.pk]), {"action": "enrol"}, HTTP_HX_REQUEST="true"
    )
    assert 'role="alert"' in response.text
    assert not Enrolment.objects.exists()


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_my_program_shows_seats_and_waitlist_places(lawyer_client, program, admitted_lawyer):
    seat, full = _future(program, capacity=5, title_zh="有座位"), _future(program, capacity=1, title_zh="已满")
    full.starts_at += timedelta(days=1)
    full.ends_at += timedelta(days=1)
    full.save()
    services.enrol(participant=AdmissionFactory(program=program).participant, session=full)
    services.enrol(participant=admitted_lawyer, session=seat)
    services.enrol(participant=admitted_lawyer, session=full)
    page = lawyer_client.get(reverse("participants:my_program"))
    assert "有座位" in page.text and "已满" in page.text
    assert [position for _e, position in page.context["waiting"]] == [1]


@pytest.mark.django_db
def test_my_program_rows_carry_each_lawyers_own_marks_and_follow_session_changes(
    lawyer_client, program, admitted_lawyer, other_lawyer
):
    """The rows are rendered once and shared through the cache: one lawyer's mark never shows on another's
    page, and a changed session shows at once."""
    present = _future(program, capacity=5, title_zh="到场的课")
    later = present.ends_at + timedelta(hours=1)
    missed = SessionFactory(
        program=program, capacity=5, title_zh="缺席的课", starts_at=later, ends_at=later + timedelta(hours=2)
    )
    other = AdmissionFactory(program=program, participant__user=other_lawyer).participant
    for participant in (admitted_lawyer, other):
        for session in (present, missed):
            services.enrol(participant=participant, session=session)
    for session, status in ((present, AttendanceStatus.PRESENT), (missed, AttendanceStatus.ABSENT)):
        Attendance.objects.create(
            participant=admitted_lawyer, session=session, status=status, method=AttendanceMethod.ROSTER
        )

    def marks(client):
        html = client.get(reverse("participants:my_program")).text
        rows = re.findall(r'<article class="session-row.*?</article>', html, re.S)
        return [(re.search(r'session-title"[^>]*>([^<]+)<', row)[1], re.findall(r'data-attendance="(\w+)"', row))
                for row in rows]  # fmt: skip

    mine = [("到场的课", ["present"]), ("缺席的课", ["absent"])]
    assert marks(lawyer_client) == mine
    assert marks(client_for(other_lawyer)) == [("到场的课", []), ("缺席的课", [])]
    assert marks(lawyer_client) == mine  # from the cache now
    missed.title_zh = "改名的课"
    missed.save()
    assert marks(lawyer_client) == [("到场的课", ["present"]), ("改名的课", ["absent"])]


@pytest.mark.django_db
def test_admission_pages_are_for_administrators(lawyer_client, faculty_client, program, admitted_lawyer):
    session = _future(program)
    for client in (lawyer_client, faculty_client):
        assert client.get(reverse("participants:admissions", args=[program.slug])).status_code == 403
        assert client.get(reverse("participants:roster", args=[session.pk])).status_code == 403
        assert client.post(reverse("participants:roster_action", args=[session.pk])).status_code == 403


@pytest.mark.django_db
def test_quota_is_shown_and_admitting_over_it_needs_a_reason(administrator_client, program):
    guangdong = Province.objects.get(code="44")
    ProvinceQuota.objects.create(program=program, province=guangdong, seats=1)
    AdmissionFactory(program=program)
    applicant = AdmissionFactory(program=program, state="applied")
    page = administrator_client.get(reverse("participants:admissions", args=[program.slug]))
    assert {"province": guangdong, "admitted": 1, "seats": 1, "applied": 1} in page.context["provinces"]
    url = reverse("participants:admission_action", args=[applicant.pk])
    administrator_client.post(url, {"action": "admit"})
    applicant.refresh_from_db()
    assert applicant.state == "applied"
    administrator_client.post(url, {"action": "admit", "override_reason": "特批"})
    applicant.refresh_from_db()
    assert (applicant.state, applicant.quota_override) == ("admitted", "特批")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_roster_exports_cannot_run_formulas(administrator_client, program, fmt):
    session = _future(program, capacity=5)
    evil = AdmissionFactory(program=program, participant=ParticipantFactory(name_zh='=HYPERLINK("x")')).participant
    services.enrol(participant=evil, session=session)
    response = administrator_client.get(reverse("participants:roster", args=[session.pk]), {"export": fmt})
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        cells = rows[1]
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = [c.value for c in list(sheet.rows)[1]]
    assert '\'=HYPERLINK("x")' in cells
    assert evil.license_number in cells


@pytest.mark.django_db
def test_administrator_enrols_and_removes_on_a_lawyers_behalf(administrator_client, program):
    session = _future(program, capacity=1)
    first, second = (AdmissionFactory(program=program).participant for _ in range(2))
    url = reverse("participants:roster_action", args=[session.pk])
    administrator_client.post(url, {"participant": first.pk})
    administrator_client.post(url, {"participant": second.pk})
    assert Enrolment.objects.get(participant=second).state == "waitlisted"
    seat = Enrolment.objects.get(participant=first)
    administrator_client.post(url, {"action": "remove", "enrolment": seat.pk, "confirm": "yes"})
    assert Enrolment.objects.get(participant=second).state == "confirmed"


def _post_forms(response) -> list[ServedForm]:
    return [form for form in served_forms(response.text) if form.method == "post"]


@pytest.mark.django_db
@pytest.mark.parametrize("place", ["seat", "waitlist"])
def test_removing_a_lawyer_from_the_roster_asks_first_and_only_the_answer_removes(administrator_client, program, place):
    session = _future(program, capacity=1)
    seated, waiting = (AdmissionFactory(program=program).participant for _ in range(2))
    services.enrol(participant=seated, session=session)
    services.enrol(participant=waiting, session=session)
    target = {"seat": seated, "waitlist": waiting}[place]
    enrolment = Enrolment.objects.get(participant=target, session=session)
    states = lambda: dict(Enrolment.objects.filter(session=session).values_list("participant", "state"))  # noqa: E731
    before = states()

    roster = administrator_client.get(reverse("participants:roster", args=[session.pk]))
    remove = next(f for f in _post_forms(roster) if f.values().get("enrolment") == [str(enrolment.pk)])
    asked = remove.submit(administrator_client, roster.wsgi_request.path)
    assert asked.status_code == 200
    assert states() == before  # the roster's button only asks
    assert target.name_zh in asked.text and session.title_zh in asked.text
    assert f'href="{reverse("participants:roster", args=[session.pk])}"' in asked.text  # a way back that keeps them

    answer = next(f for f in _post_forms(asked) if f.values().get("confirm") == ["yes"])
    assert target.name_zh in answer.submitter().label
    done = answer.submit(administrator_client, asked.wsgi_request.path)
    assert done.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.state == "cancelled"
    if place == "seat":
        assert Enrolment.objects.get(participant=waiting, session=session).state == "confirmed"

    # The roster's old button, pressed again (a stale page, a double click), asks nothing and changes nothing.
    again = remove.submit(administrator_client, roster.wsgi_request.path)
    assert again.status_code == 302
    assert Enrolment.objects.get(pk=enrolment.pk).state == "cancelled"


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_removing_a_seat_once_the_session_has_ended_promises_no_promotion(administrator_client, program):
    """A seat freed after the session has ended goes to nobody (services.promote_waitlist): the confirmation
    page says so, rather than promising the next lawyer on the waitlist a seat."""
    session = _future(program, capacity=1)
    seated, waiting = (AdmissionFactory(program=program).participant for _ in range(2))
    seat = services.enrol(participant=seated, session=session)
    services.enrol(participant=waiting, session=session)
    ended = timezone.now() - timedelta(hours=1)
    type(session).objects.filter(pk=session.pk).update(starts_at=ended - timedelta(hours=2), ends_at=ended)

    roster = administrator_client.get(reverse("participants:roster", args=[session.pk]))
    remove = next(f for f in _post_forms(roster) if f.values().get("enrolment") == [str(seat.pk)])
    asked = remove.submit(administrator_client, roster.wsgi_request.path, HTTP_ACCEPT_LANGUAGE="en")
    assert "The session has ended, so their seat goes to no one on the waitlist" in asked.text
    assert "next lawyer on the waitlist" not in asked.text
    answer = next(f for f in _post_forms(asked) if f.values().get("confirm") == ["yes"])
    assert answer.submit(administrator_client, asked.wsgi_request.path).status_code == 302
    assert dict(Enrolment.objects.filter(session=session).values_list("participant", "state")) == {
        seated.pk: "cancelled",
        waiting.pk: "waitlisted",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["roster", "admissions", "my_program"])
def test_lawyer_pages_cost_the_same_for_few_and_many_lawyers(
    administrator_client, lawyer_client, program, admitted_lawyer, page
):
    session = _future(program, capacity=100)

    def grow(n):
        for _ in range(n):
            services.enrol(participant=AdmissionFactory(program=program).participant, session=session)

    def count():
        url = {
            "roster": reverse("participants:roster", args=[session.pk]),
            "admissions": reverse("participants:admissions", args=[program.slug]),
            "my_program": reverse("participants:my_program"),
        }[page]
        client = lawyer_client if page == "my_program" else administrator_client
        cache.clear()  # counted uncached: My program's rows come from the cache once rendered
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    services.enrol(participant=admitted_lawyer, session=session)
    grow(2)
    few = count()
    grow(20)
    assert count() == few


@pytest.mark.django_db
def test_timetable_rows_get_each_lawyers_own_buttons(lawyer_client, program, admitted_lawyer):
    elective = _future(program, capacity=1, title_zh="选修课")
    required = _future(program, is_required=True)
    page = lawyer_client.get(reverse("sessions:schedule", args=[program.slug]))
    assert f'id="enrol-slot-{elective.pk}"' in page.text
    assert f'id="enrol-slot-{required.pk}"' not in page.text
    assert reverse("participants:timetable_slots", args=[program.slug]) in page.text

    slots = lawyer_client.get(reverse("participants:timetable_slots", args=[program.slug]), HTTP_HX_REQUEST="true")
    assert re.search(rf'id="enrol-slot-{elective.pk}"\s+hx-swap-oob="true"', slots.text)
    enrolled = lawyer_client.post(
        reverse("participants:enrolment_action", args=[elective.pk]),
        {"action": "enrol", "compact": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert re.match(rf'\s*<div\s+class="enrol-slot ms-auto"\s+id="enrol-slot-{elective.pk}"', enrolled.text)
    assert 'data-state="confirmed"' in enrolled.text


@pytest.mark.django_db
def test_timetable_slots_are_empty_for_lawyers_not_admitted(client, program):
    outsider = ParticipantFactory()
    client.force_login(outsider.user, backend="accounts.backends.EmailBackend")
    _future(program)
    response = client.get(reverse("participants:timetable_slots", args=[program.slug]))
    assert "enrol-slot" not in response.text


@pytest.mark.django_db
def test_timetable_slots_cost_the_same_for_few_and_many_sessions(lawyer_client, program, admitted_lawyer):
    def count():
        with CaptureQueriesContext(connection) as captured:
            lawyer_client.get(reverse("participants:timetable_slots", args=[program.slug]))
        return len(captured)

    for n in range(2):
        session = _future(program, capacity=5)
        session.starts_at -= timedelta(days=n + 1)
        session.ends_at -= timedelta(days=n + 1)
        session.save()
        services.enrol(participant=admitted_lawyer, session=session)
    few = count()
    for n in range(10):
        session = _future(program, capacity=1)
        session.starts_at += timedelta(days=n + 1)
        session.ends_at += timedelta(days=n + 1)
        session.save()
        services.enrol(participant=AdmissionFactory(program=program).participant, session=session)
    assert count() == few


@pytest.mark.django_db
def test_administrators_move_a_lawyer_from_the_roster(administrator_client, lawyer_client):
    from tests.factories import AdmissionFactory, ProgramFactory, SessionFactory

    program = ProgramFactory()
    start = timezone.now() + timedelta(days=3)
    source, target = (
        SessionFactory(program=program, starts_at=start + timedelta(days=n), ends_at=start + timedelta(days=n, hours=2))
        for n in (0, 1)
    )
    lawyer = AdmissionFactory(program=program).participant
    seat = services.enrol(participant=lawyer, session=source)
    url = reverse("participants:enrolment_move", args=[seat.pk])
    assert lawyer_client.get(url).status_code == 403
    page = administrator_client.get(url).content.decode()
    assert target.title_zh in page and f'value="{source.pk}"' not in page
    response = administrator_client.post(url, {"to": target.pk})
    assert response.status_code == 302
    assert lawyer.enrolments.get(state="confirmed").session == target


@pytest.mark.django_db
def test_moving_a_lawyer_waits_for_the_administrator_to_choose_the_session(administrator_client):
    """The page chooses no session itself: Move pressed without a choice (or with a session of another
    program) moves no one and says so beside the list."""
    from tests.factories import AdmissionFactory, ProgramFactory, SessionFactory

    program = ProgramFactory()
    start = timezone.now() + timedelta(days=3)
    source, target = (
        SessionFactory(program=program, starts_at=start + timedelta(days=n), ends_at=start + timedelta(days=n, hours=2))
        for n in (0, 1)
    )
    elsewhere = SessionFactory(starts_at=start + timedelta(days=2), ends_at=start + timedelta(days=2, hours=2))
    lawyer = AdmissionFactory(program=program).participant
    seat = services.enrol(participant=lawyer, session=source)
    url = reverse("participants:enrolment_move", args=[seat.pk])
    (to,) = find_form(administrator_client.get(url).text, action=url).named("to")
    assert [option.value for option in to.options] == ["", str(target.pk)]
    assert not [option for option in to.options if option.selected]
    for chosen in ({}, {"to": ""}, {"to": elsewhere.pk}):
        response = administrator_client.post(url, chosen)
        assert response.status_code == 200
        assert "请选择要将该律师调入的课程。" in response.content.decode()
        assert lawyer.enrolments.get(state="confirmed").session == source
