"""What a lawyer is told of their waitlist places: a place still waiting promises the seat that may come free;
a place in a session that has ended says no seat came free, wherever it is shown."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from participants import services
from participants.models import Enrolment, EnrolmentState
from tests.factories import AdmissionFactory, ParticipantFactory, ProgramFactory, SessionFactory
from tests.forms import page

PROMISE = "it is yours automatically"
LAPSED = "no seat came free"


@pytest.fixture
def places(lawyer):
    """The lawyer waits for a seat in three full electives: one ended an hour ago, one running now, one next
    week."""
    program = ProgramFactory(enrolment_closes_at=timezone.now() + timedelta(days=30))
    participant = AdmissionFactory(program=program, participant=ParticipantFactory(user=lawyer)).participant
    now = timezone.now()
    sessions = {}
    for name, start in (
        ("ended", now - timedelta(hours=3)),
        ("running", now - timedelta(minutes=30)),
        ("next week", now + timedelta(days=7)),
    ):
        session = SessionFactory(
            program=program, capacity=1, title_en=f"The {name} session", starts_at=start,
            ends_at=start + timedelta(hours=2),
        )  # fmt: skip
        holder = AdmissionFactory(program=program).participant
        # As enrolment did while the session was ahead (it refuses sessions that have begun or ended).
        Enrolment.objects.create(participant=holder, session=session, state=EnrolmentState.CONFIRMED, confirmed_at=now)
        Enrolment.objects.create(
            participant=participant, session=session, state=EnrolmentState.WAITLISTED, waitlisted_at=now
        )
        sessions[name] = session
    services.seats_recount(sessions=program.sessions.all())  # the seats written above, as enrolment counts them
    return program, sessions


def _card(html: str, testid: str) -> str:
    """The words of the card marked data-testid."""
    return page(html).find(data_testid=testid).text


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_my_program_keeps_waiting_places_apart_from_those_whose_session_ended(lawyer_client, places):
    html = lawyer_client.get(reverse("participants:my_program"), HTTP_ACCEPT_LANGUAGE="en").text
    waiting, lapsed = _card(html, "waitlist"), _card(html, "lapsed")
    assert "The running session" in waiting and "The next week session" in waiting and PROMISE in waiting
    assert "The ended session" not in waiting
    assert "The ended session" in lapsed and "Not given a seat" in lapsed and LAPSED in lapsed
    assert "The running session" not in lapsed and "No. 1" not in lapsed


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "promised"), [("ended", False), ("running", True), ("next week", True)])
@pytest.mark.clock_edges
def test_the_session_pages_box_promises_a_seat_only_while_one_may_come_free(lawyer_client, places, name, promised):
    program, sessions = places
    url = reverse("sessions:session_detail", args=[program.slug, sessions[name].pk])
    html = lawyer_client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    element = page(html).find(id="enrolment-box")
    states = [e.attrs["data-state"] for e in (element, *element.find_all()) if "data-state" in e.attrs]
    box = element.text
    if promised:
        assert states == ["waitlisted"] and "number 1 on the waitlist" in box and "If a seat comes free" in box
    else:
        assert states == ["lapsed"] and "You were not given a seat." in box and LAPSED in box
        assert "waitlist." not in box and "If a seat comes free" not in box
        assert "Leave the waitlist" not in box  # nothing left to leave


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_the_timetable_offers_places_only_in_sessions_not_over(lawyer_client, places):
    program, sessions = places
    slots = lawyer_client.get(
        reverse("participants:timetable_slots", args=[program.slug]), HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    ).text
    assert f'id="enrol-slot-{sessions["next week"].pk}"' in slots and "Waitlist No. 1" in slots
    assert f'id="enrol-slot-{sessions["ended"].pk}"' not in slots


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_a_seat_freed_after_the_session_ended_goes_to_no_one(places, administrator):
    """What the pages say is what the service does: the office correcting the roster of a session that is over
    does not give the waiting lawyer a seat in the past, nor tell them one came free."""
    _program, sessions = places
    waiting = Enrolment.objects.get(session=sessions["ended"], state=EnrolmentState.WAITLISTED)
    seat = Enrolment.objects.get(session=sessions["ended"], state=EnrolmentState.CONFIRMED)
    services.enrolment_cancel(enrolment=seat, by=administrator)
    waiting.refresh_from_db()
    assert waiting.state == EnrolmentState.WAITLISTED
    assert not Notification.objects.filter(recipient=waiting.participant.user).exists()
