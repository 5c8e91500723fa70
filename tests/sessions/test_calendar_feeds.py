"""Calendar feeds read back with a real iCalendar parser."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from participants.models import Enrolment, EnrolmentState
from sessions import services
from sessions.models import AssignmentRole, ProgramStatus, SessionStatus
from tests.factories import (
    AssignmentFactory,
    FacultyFactory,
    ParticipantFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
    at,
)


def _events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return calendar, list(calendar.walk("VEVENT"))


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_program_feed_has_stable_uids_beijing_times_and_follows_changes(lawyer_client, administrator, program):
    session = SessionFactory(program=program, title_en="Mock court", starts_at=at(12, 9))
    cancelled = SessionFactory(program=program, starts_at=at(13, 9), status=SessionStatus.CANCELLED)
    url = reverse("sessions:program_ics", args=[program.slug])

    calendar, events = _events(lawyer_client.get(url))
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    first = {str(e["UID"]): e for e in events}
    uid = f"session-{session.pk}@127.0.0.1"
    assert first[uid].decoded("DTSTART") == at(12, 9)
    assert first[uid]["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert str(first[f"session-{cancelled.pk}@127.0.0.1"]["STATUS"]) == "CANCELLED"

    session.starts_at, session.ends_at = at(14, 14), at(14, 16)
    services.session_save(session=session, faculty=[], by=administrator)
    _calendar, events = _events(lawyer_client.get(url))
    moved = {str(e["UID"]): e for e in events}[uid]
    assert moved.decoded("DTSTART") == at(14, 14)
    assert int(moved["SEQUENCE"]) > int(first[uid]["SEQUENCE"])


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_personal_feed_holds_my_sessions_only_and_can_be_revoked(client, faculty_member, program):
    mine = AssignmentFactory(session=SessionFactory(program=program), faculty=FacultyFactory(user=faculty_member))
    SessionFactory(program=program, starts_at=at(20, 9))  # not mine
    AssignmentFactory(
        session=SessionFactory(program=ProgramFactory(status=ProgramStatus.DRAFT)),
        faculty=mine.faculty,
        role=AssignmentRole.LECTURER,
    )  # mine, but in a draft program
    feed = services.calendar_feed_for(faculty_member)
    url = reverse("sessions:personal_ics", args=[feed.token])

    _calendar, events = _events(client.get(url))  # no sign-in: calendar apps cannot
    assert [str(e["UID"]) for e in events] == [f"session-{mine.session.pk}@127.0.0.1"]

    services.calendar_feed_reset(faculty_member)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_bad_or_foreign_calendar_keys_are_refused(client, lawyer, program):
    assert client.get(reverse("sessions:personal_ics", args=["not-a-token"])).status_code == 404
    program_url = reverse("sessions:program_ics", args=[program.slug])
    assert client.get(program_url).status_code == 404
    assert client.get(program_url, {"key": "guess"}).status_code == 404
    key = services.calendar_feed_for(lawyer).token
    assert client.get(program_url, {"key": key}).status_code == 200
    lawyer.is_active = False
    lawyer.save()
    assert client.get(program_url, {"key": key}).status_code == 404


@pytest.mark.django_db
def test_my_calendar_page_shows_the_address_and_resets_it(lawyer_client, lawyer):
    first = lawyer_client.get(reverse("sessions:my_calendar")).context["feed_url"]
    lawyer_client.post(reverse("sessions:my_calendar_reset"))
    second = lawyer_client.get(reverse("sessions:my_calendar")).context["feed_url"]
    assert first != second and second.endswith(".ics")


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_feed_of_a_user_with_an_english_preference_is_in_english(client, program):
    user = UserFactory(language="en")
    session = SessionFactory(program=program, title_zh="中文标题", title_en="English title")
    AssignmentFactory(session=session, faculty=FacultyFactory(user=user))
    _calendar, events = _events(
        client.get(reverse("sessions:personal_ics", args=[services.calendar_feed_for(user).token]))
    )
    assert str(events[0]["SUMMARY"]) == "English title"


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_a_lawyers_feed_keeps_seats_and_live_waitlist_places_not_lapsed_ones(client, lawyer):
    """A waitlist place lapses with its session: the feed does not claim the lawyer was there."""
    participant = ParticipantFactory(user=lawyer)
    now = timezone.now()
    sessions = {
        name: SessionFactory(starts_at=now + timedelta(days=days))
        for name, days in [("seat past", -3), ("lapsed", -2), ("waiting", 2), ("cancelled", 3)]
    }
    for name, state in [("seat past", "confirmed"), ("lapsed", "waitlisted"), ("waiting", "waitlisted"),
                        ("cancelled", "cancelled")]:  # fmt: skip
        Enrolment.objects.create(
            participant=participant, session=sessions[name], state=EnrolmentState(state), waitlisted_at=now
        )
    feed = services.calendar_feed_for(lawyer)
    _calendar, events = _events(client.get(reverse("sessions:personal_ics", args=[feed.token])))
    uids = {str(e["UID"]) for e in events}
    assert uids == {f"session-{sessions[name].pk}@127.0.0.1" for name in ("seat past", "waiting")}
