import re

import pytest
from django.urls import reverse

from sessions.models import ProgramStatus, SessionFormat
from tests.factories import AssignmentFactory, FacultyFactory, SessionFactory, VenueFactory, at

from .conftest import build_program


def _schedule(slug="fipr-test"):
    return reverse("sessions:schedule", args=[slug])


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_lawyer_reads_the_timetable_grouped_by_day(lawyer_client):
    program = build_program(3)
    response = lawyer_client.get(_schedule())
    assert response.status_code == 200
    assert [len(rows) for _day, rows in response.context["days"]()] == [1, 1, 1]
    for session in program.sessions.all():
        assert session.title_zh in response.text


@pytest.mark.django_db
def test_drafts_are_for_administrators_only(lawyer_client, faculty_client, administrator_client, client):
    program = build_program(1, status=ProgramStatus.DRAFT)
    session = program.sessions.get()
    for visitor in (lawyer_client, faculty_client):
        assert visitor.get(_schedule()).status_code == 404
        assert visitor.get(reverse("sessions:session_detail", args=[program.slug, session.pk])).status_code == 404
    assert administrator_client.get(_schedule()).status_code == 200
    assert client.get(_schedule()).status_code == 302  # visitors sign in first


@pytest.mark.django_db
def test_filters_by_format_venue_and_faculty(lawyer_client, program):
    room = VenueFactory()
    court = SessionFactory(program=program, format=SessionFormat.MOCK_COURT, venue=room, starts_at=at(3, 9))
    lecture = SessionFactory(program=program, format=SessionFormat.LECTURE, starts_at=at(4, 9))
    teacher = AssignmentFactory(session=lecture).faculty

    def shown(**params):
        response = lawyer_client.get(_schedule(), params)
        return {row.pk for _day, rows in response.context["days"]() for row in rows}

    assert shown(format=SessionFormat.MOCK_COURT) == {court.pk}
    assert shown(venue=room.pk) == {court.pk}
    assert shown(faculty=teacher.pk) == {lecture.pk}
    assert shown(format="not-a-format") == {court.pk, lecture.pk}  # a bad filter is ignored, not an error


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_week_and_day_views_show_their_period(lawyer_client, program):
    monday_session = SessionFactory(program=program, starts_at=at(9, 9))  # Monday 9 June 2025
    next_week = SessionFactory(program=program, starts_at=at(16, 9))
    week = lawyer_client.get(_schedule(), {"view": "week", "date": "2025-06-11"})
    assert [r.pk for _d, rows in week.context["days"]() for r in rows] == [monday_session.pk]
    day = lawyer_client.get(_schedule(), {"view": "day", "date": "2025-06-16"})
    assert [r.pk for _d, rows in day.context["days"]() for r in rows] == [next_week.pk]
    assert lawyer_client.get(_schedule(), {"view": "day", "date": "June 16"}).status_code == 200


@pytest.mark.django_db
def test_html_in_titles_and_bios_is_shown_as_text(lawyer_client, program):
    person = FacultyFactory(name_zh="<script>alert(1)</script>", bio_zh="<b>bold</b>")
    session = SessionFactory(program=program, title_zh="<img src=x onerror=alert(1)>")
    AssignmentFactory(session=session, faculty=person)
    page = lawyer_client.get(reverse("sessions:session_detail", args=[program.slug, session.pk]))
    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
    profile = lawyer_client.get(reverse("sessions:faculty_profile", args=[person.slug]))
    assert "<script>alert(1)</script>" not in profile.text
    assert "&lt;b&gt;bold&lt;/b&gt;" in profile.text


@pytest.mark.django_db
def test_session_page_shows_faculty_venue_and_seats(lawyer_client, program):
    session = SessionFactory(program=program, capacity=42)
    AssignmentFactory(session=session, faculty=FacultyFactory(name_zh="高教授"))
    page = lawyer_client.get(reverse("sessions:session_detail", args=[program.slug, session.pk]))
    assert "高教授" in page.text
    assert session.venue.name_zh in page.text
    assert "42" in page.text


@pytest.mark.django_db
def test_session_page_shows_changes_to_the_session_and_its_faculty_at_once(lawyer_client, program):
    """Its body is cached for everyone; the program's version keys it."""
    session = SessionFactory(program=program, title_zh="旧标题")
    assignment = AssignmentFactory(session=session, faculty=FacultyFactory(name_zh="高教授"))
    url = reverse("sessions:session_detail", args=[program.slug, session.pk])
    assert "旧标题" in lawyer_client.get(url).text and "高教授" in lawyer_client.get(url).text
    session.title_zh = "新标题"
    session.save()
    assignment.faculty.name_zh = "林教授"
    assignment.faculty.save()
    page = lawyer_client.get(url).text
    assert "新标题" in page and "林教授" in page and "旧标题" not in page and "高教授" not in page
    other = SessionFactory(program=program)
    assert "新标题" not in lawyer_client.get(reverse("sessions:session_detail", args=[program.slug, other.pk])).text
    draft = SessionFactory(program__status=ProgramStatus.DRAFT)
    assert lawyer_client.get(reverse("sessions:session_detail", args=[draft.program.slug, draft.pk])).status_code == 404
    assert (
        lawyer_client.get(reverse("sessions:session_detail", args=[draft.program.slug, session.pk])).status_code == 404
    )


@pytest.mark.django_db
def test_faculty_directory_filters_by_kind(lawyer_client):
    FacultyFactory(name_zh="世界组织专家", affiliation_kind="international")
    FacultyFactory(name_zh="律所合伙人", affiliation_kind="law_firm")
    page = lawyer_client.get(reverse("sessions:faculty_directory"), {"kind": "law_firm"}).text
    assert "律所合伙人" in page and "世界组织专家" not in page


@pytest.mark.django_db
def test_faculty_profile_hides_sessions_of_draft_programs(lawyer_client):
    draft = build_program(1, slug="draft", status=ProgramStatus.DRAFT)
    person = draft.sessions.get().assignments.first().faculty
    response = lawyer_client.get(reverse("sessions:faculty_profile", args=[person.slug]))
    assert response.context["rows"] == []


# --- query budgets: the page costs the same whatever the program's size --------------------------
def _queries(client, url):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()  # uncached, each time (the unread badge too)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_for",
    [
        lambda p: _schedule(p.slug),
        lambda p: _schedule(p.slug) + "?view=week&date=2025-06-02",
        lambda p: reverse("sessions:session_detail", args=[p.slug, p.sessions.last().pk]),
        lambda p: reverse("sessions:faculty_directory"),
        lambda p: reverse("sessions:faculty_profile", args=[p.sessions.last().assignments.first().faculty.slug]),
        lambda p: reverse("sessions:program_ics", args=[p.slug]),
        lambda p: reverse("sessions_manage:program", args=[p.slug]),
        lambda p: reverse("sessions_manage:program_conflicts", args=[p.slug]),
        lambda p: reverse("sessions_manage:session_edit", args=[p.sessions.last().pk]),
    ],
    ids=["timetable", "week", "session", "directory", "profile", "ics", "manage", "conflicts", "session-form"],
)
def test_pages_use_a_fixed_number_of_queries(administrator_client, url_for):
    from sessions.models import Program

    small = build_program(2, slug="small")
    small_count = _queries(administrator_client, url_for(small))
    Program.objects.all().delete()
    large = build_program(40, slug="large")
    large_count = _queries(administrator_client, url_for(large))
    assert large_count == small_count


@pytest.mark.django_db
def test_cached_timetable_follows_every_change(lawyer_client, administrator, program):
    from sessions import services

    session = SessionFactory(program=program, title_zh="初版标题")
    assert "初版标题" in lawyer_client.get(_schedule()).text
    assert "初版标题" in lawyer_client.get(_schedule()).text  # served from the cache
    session.title_zh = "修订标题"
    services.session_save(session=session, faculty=[], by=administrator)
    assert "修订标题" in lawyer_client.get(_schedule()).text
    session.venue.name_zh = "更名后的教室"
    session.venue.save()  # e.g. in the Django admin
    assert "更名后的教室" in lawyer_client.get(_schedule()).text
    person = AssignmentFactory(session=session).faculty
    assert person.name_zh in lawyer_client.get(_schedule()).text
    person.name_zh = "新名字"
    person.save()
    assert "新名字" in lawyer_client.get(_schedule()).text


@pytest.mark.django_db
def test_faculty_home_lists_their_sessions_and_everyone_sees_the_program(faculty_client, faculty_member, lawyer_client):
    program = build_program(0)
    session = SessionFactory(program=program, title_zh="我讲的课")
    AssignmentFactory(session=session, faculty=FacultyFactory(user=faculty_member))
    SessionFactory(program=program, title_zh="别人的课", starts_at=at(20, 9))
    home = faculty_client.get(reverse("home"))
    assert "我讲的课" in home.text and "别人的课" not in home.text
    assert reverse("sessions:schedule", args=[program.slug]) in lawyer_client.get(reverse("home")).text


@pytest.mark.django_db
def test_stray_parameters_never_reach_the_cached_page(lawyer_client, program):
    from tests.factories import TopicFactory

    topic = TopicFactory(program=program, name_zh="专题甲")
    SessionFactory(program=program, topic=topic)
    hostile = lawyer_client.get(_schedule(), {"topic": topic.pk, "faculty": 99999, "evil": "x" * 50, "utm": "1"})
    timetable_links = re.findall(r'href="(\?[^"]*)"', hostile.text)
    assert timetable_links and not any("evil" in link or "utm" in link for link in timetable_links)
    plain = lawyer_client.get(_schedule())
    assert "evil" not in plain.text and "99999" not in plain.text
    assert f'<option value="{topic.pk}" selected>' not in plain.text
    assert f'<option value="{topic.pk}" selected>' in hostile.text  # the valid filter still applies
