"""The administrators' screens: who may use them, and what a bad form does (nothing)."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from sessions.models import AssignmentRole, Program, TrainingSession, Venue
from tests.factories import AssignmentFactory, FacultyFactory, SessionFactory, UserFactory, VenueFactory
from tests.support import words


def _form(room, start="2025-06-12T09:00", end="2025-06-12T11:00", faculty=(), **extra):
    data = {
        "title_zh": "跨境诉讼实务",
        "title_en": "Cross-border litigation",
        "format": "lecture",
        "starts_at": start,
        "ends_at": end,
        "venue": room.pk,
        "capacity": "40",
        "credit_hours": "2.0",
        "faculty-TOTAL_FORMS": str(len(faculty)),
        "faculty-INITIAL_FORMS": "0",
        "faculty-MIN_NUM_FORMS": "0",
        "faculty-MAX_NUM_FORMS": "12",
    }
    for n, (person, role) in enumerate(faculty):
        data[f"faculty-{n}-faculty"] = person.pk
        data[f"faculty-{n}-role"] = role
    data.update(extra)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "sessions_manage:program_list",
        "sessions_manage:venue_list",
        "sessions_manage:faculty_list",
        "sessions_manage:program_create",
        "sessions_manage:venue_create",
    ],
)
def test_only_administrators_manage(lawyer_client, faculty_client, administrator_client, name):
    url = reverse(name)
    assert lawyer_client.get(url).status_code == 403
    assert faculty_client.get(url).status_code == 403
    assert administrator_client.get(url).status_code == 200


@pytest.mark.django_db
def test_administrator_creates_a_session_with_two_faculty(administrator_client, program):
    venue = VenueFactory()
    first, second = FacultyFactory(), FacultyFactory()
    response = administrator_client.post(
        reverse("sessions_manage:session_create", args=[program.slug]),
        _form(venue, faculty=[(first, AssignmentRole.LECTURER), (second, AssignmentRole.MODERATOR)]),
    )
    assert response.status_code == 302, response.context["form"].errors
    session = TrainingSession.objects.get()
    assert session.starts_at.hour == 1  # 09:00 in Beijing is 01:00 UTC
    assert list(session.assignments.values_list("faculty", "role")) == [
        (first.pk, AssignmentRole.LECTURER),
        (second.pk, AssignmentRole.MODERATOR),
    ]


@pytest.mark.django_db
def test_a_clash_is_shown_and_nothing_is_saved(administrator_client, program):
    existing = SessionFactory(program=program)  # 12 June 09:00-11:00
    busy = AssignmentFactory(session=existing).faculty
    response = administrator_client.post(
        reverse("sessions_manage:session_create", args=[program.slug]),
        _form(VenueFactory(), start="2025-06-12T10:00", end="2025-06-12T12:00", faculty=[(busy, "lecturer")]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert [c.kind for c in response.context["conflicts"]] == ["faculty"]
    assert "already teaches" in response.text
    assert TrainingSession.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2025-06-12T08:00"}, "ends_at"),
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "99999999"}, "capacity"),
        ({"credit_hours": "-1"}, "credit_hours"),
        ({"starts_at": "not a date"}, "starts_at"),
        ({"ends_at": "2025-06-13T11:00"}, "ends_at"),  # 26 hours
        ({"venue": "", "online_url": ""}, "venue"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(administrator_client, program, changes, field):
    response = administrator_client.post(
        reverse("sessions_manage:session_create", args=[program.slug]), _form(VenueFactory(), **changes)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not TrainingSession.objects.exists()


@pytest.mark.django_db
def test_warnings_need_a_tick_to_save(administrator_client, program):
    small = VenueFactory(capacity=10)
    url = reverse("sessions_manage:session_create", args=[program.slug])
    first = administrator_client.post(url, _form(small, capacity="40"))
    assert [c.kind for c in first.context["conflicts"]] == ["capacity"]
    assert not TrainingSession.objects.exists()
    administrator_client.post(url, _form(small, capacity="40", acknowledge_warnings="on"))
    assert TrainingSession.objects.count() == 1


@pytest.mark.django_db
def test_htmx_check_shows_clashes_before_saving(administrator_client, program):
    existing = SessionFactory(program=program)
    response = administrator_client.post(
        reverse("sessions_manage:session_check", args=[program.slug]),
        _form(existing.venue, start="2025-06-12T10:30", end="2025-06-12T12:00"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="conflicts"')
    assert 'data-conflict="venue"' in response.text
    assert not TrainingSession.objects.exclude(pk=existing.pk).exists()


@pytest.mark.django_db
def test_moving_a_session_notifies_its_faculty(administrator_client, program):
    teacher = UserFactory(email="t@example.test")
    session = SessionFactory(program=program)
    person = FacultyFactory(user=teacher)
    AssignmentFactory(session=session, faculty=person)
    new_room = VenueFactory(name_zh="新教室")
    response = administrator_client.post(
        reverse("sessions_manage:session_edit", args=[session.pk]),
        _form(new_room, faculty=[(person, "lecturer")], session_pk=session.pk),
    )
    assert response.status_code == 302
    notice = words(Notification.objects.get(recipient=teacher, kind="session_changed"))
    assert "新教室" in notice.body_text and session.venue.name_zh in notice.body_text


@pytest.mark.django_db
def test_duplicate_prefills_the_form_and_copies_faculty(administrator_client, program):
    original = SessionFactory(program=program, title_zh="原课程")
    AssignmentFactory(session=original)
    response = administrator_client.get(
        reverse("sessions_manage:session_create", args=[program.slug]) + f"?from={original.pk}"
    )
    assert response.context["form"].initial["title_zh"] == "原课程"
    assert response.context["formset"].initial[0]["faculty"] == original.assignments.get().faculty


@pytest.mark.django_db
def test_cancel_screen_requires_a_reason(administrator_client, program):
    session = SessionFactory(program=program)
    url = reverse("sessions_manage:session_cancel", args=[session.pk])
    assert "reason" in administrator_client.post(url, {"reason": ""}).context["form"].errors
    administrator_client.post(url, {"reason": "场地维修"})
    session.refresh_from_db()
    assert session.is_cancelled
    administrator_client.post(reverse("sessions_manage:session_restore", args=[session.pk]))
    history = administrator_client.get(reverse("sessions_manage:session_history", args=[session.pk]))
    assert "场地维修" in history.text  # the reason stays in the history after the restore


@pytest.mark.django_db
def test_deleting_a_venue_in_use_is_refused_with_a_message(administrator_client, program):
    session = SessionFactory(program=program)
    response = administrator_client.post(reverse("sessions_manage:venue_delete", args=[session.venue.pk]), follow=True)
    assert Venue.objects.filter(pk=session.venue.pk).exists()
    assert any("cannot be deleted" in str(m) or "无法删除" in str(m) for m in response.context["messages"])
    unused = VenueFactory()
    administrator_client.post(reverse("sessions_manage:venue_delete", args=[unused.pk]))
    assert not Venue.objects.filter(pk=unused.pk).exists()


@pytest.mark.django_db
def test_program_form_refuses_dates_in_the_wrong_order(administrator_client):
    response = administrator_client.post(
        reverse("sessions_manage:program_create"),
        {
            "name_zh": "新项目", "slug": "new-program", "code": "NEW", "status": "draft", "organisers_zh": "司法部",
            "city_zh": "北京", "starts_on": "2026-06-01", "ends_on": "2026-05-01",
            "required_attendance_share": "0.8", "min_credit_hours": "0",
        },
    )  # fmt: skip
    assert "ends_on" in response.context["form"].errors
    assert not Program.objects.exists()


@pytest.mark.django_db
def test_topic_in_use_cannot_be_removed(administrator_client, program):
    from tests.factories import TopicFactory

    topic = TopicFactory(program=program)
    SessionFactory(program=program, topic=topic)
    data = {
        "topics-TOTAL_FORMS": "1", "topics-INITIAL_FORMS": "1", "topics-MIN_NUM_FORMS": "0",
        "topics-MAX_NUM_FORMS": "50", "topics-0-id": topic.pk, "topics-0-program": program.pk,
        "topics-0-name_zh": topic.name_zh, "topics-0-position": "0", "topics-0-DELETE": "on",
    }  # fmt: skip
    administrator_client.post(reverse("sessions_manage:program_topics", args=[program.slug]), data)
    assert program.topics.filter(pk=topic.pk).exists()


@pytest.mark.django_db
def test_saving_an_edit_without_touching_the_faculty_keeps_them(administrator_client, program):
    session = SessionFactory(program=program)
    kept = AssignmentFactory(session=session, role=AssignmentRole.JUDGE)
    page = administrator_client.get(reverse("sessions_manage:session_edit", args=[session.pk]))
    formset = page.context["formset"]
    data = _form(session.venue, faculty=[], session_pk=session.pk, description_zh="只改了简介")
    data["faculty-TOTAL_FORMS"] = data["faculty-INITIAL_FORMS"] = str(formset.initial_form_count())
    for n, form in enumerate(formset.forms):
        data[f"faculty-{n}-faculty"] = form.initial["faculty"].pk
        data[f"faculty-{n}-role"] = form.initial["role"]
    assert (
        administrator_client.post(reverse("sessions_manage:session_edit", args=[session.pk]), data).status_code == 302
    )
    assert list(session.assignments.values_list("faculty", "role")) == [(kept.faculty_id, AssignmentRole.JUDGE)]


@pytest.mark.django_db
def test_session_form_costs_the_same_with_one_or_five_faculty_rows(administrator_client, program):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(rows):
        session = SessionFactory(program=program, starts_at=at_day(rows), ends_at=at_day(rows, 11))
        for _ in range(rows):
            AssignmentFactory(session=session)
        cache.clear()  # each uncached (the unread badge too)
        with CaptureQueriesContext(connection) as captured:
            administrator_client.get(reverse("sessions_manage:session_edit", args=[session.pk]))
        return len(captured)

    assert queries(1) == queries(5)


def at_day(day, hour=9):
    from tests.factories import at

    return at(day, hour)


@pytest.mark.django_db
def test_history_shows_moves_in_beijing_time(administrator_client, program):
    session = SessionFactory(program=program)  # 12 June 09:00-11:00 Beijing
    administrator_client.post(
        reverse("sessions_manage:session_edit", args=[session.pk]),
        _form(session.venue, start="2025-06-13T14:00", end="2025-06-13T16:00", session_pk=session.pk),
    )
    history = administrator_client.get(
        reverse("sessions_manage:session_history", args=[session.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "6/12/2025 9 a.m." in history.text or "06/12/2025 09:00" in history.text
    assert "6/13/2025 2 p.m." in history.text or "06/13/2025 14:00" in history.text


@pytest.mark.django_db
def test_program_list_counts_sessions_once_per_session(administrator_client, program):
    from tests.factories import TopicFactory

    for _ in range(3):
        TopicFactory(program=program)
    SessionFactory(program=program)
    SessionFactory(program=program, starts_at=at_day(13))
    listed = administrator_client.get(reverse("sessions_manage:program_list")).context["programs"]
    assert [(p.session_count, p.topic_count) for p in listed] == [(2, 3)]
