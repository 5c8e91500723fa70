"""An administrator builds a session with two faculty, is stopped by a clash, moves it; the faculty
are told when it is rescheduled; the timetable and the calendar feed show the new time."""

import pytest
from icalendar import Calendar

from notifications.models import Notification
from sessions.models import Faculty, TrainingSession, Venue
from tests.support import words

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_administrator_builds_moves_and_reschedules_a_session(page, demo, live_server):
    first = TrainingSession.objects.order_by("starts_at").first()  # 12 June 2025, 09:00, the auditorium
    teacher = Faculty.objects.get(user__email="faculty@demo.test")
    colleague = Faculty.objects.exclude(pk=teacher.pk).order_by("name_zh").first()

    sign_in(page, "admin@demo.test")
    page.goto("/manage/programs/fipr-2025/sessions/new/")
    page.locator("[name=title_zh]").fill("涉外知识产权证据规则专题")
    page.locator("[name=title_en]").fill("Evidence rules in foreign-related IP cases")
    page.locator("[name=format]").select_option("seminar")
    page.locator("[name=capacity]").fill("40")
    page.locator("[name=credit_hours]").fill("2")
    page.locator("[name=faculty-0-faculty]").select_option(str(teacher.pk))
    page.get_by_role("button", name="添加授课专家").click()
    page.locator("[name=faculty-1-faculty]").select_option(str(colleague.pk))
    page.locator("[name=faculty-1-role]").select_option("moderator")
    # Same room, overlapping the first session of the program.
    page.locator("[name=starts_at]").fill("2025-06-12T10:00")
    page.locator("[name=ends_at]").fill("2025-06-12T12:00")
    page.locator("[name=venue]").select_option(str(first.venue_id))

    # The clash shows while typing (htmx), before anything is saved ...
    page.wait_for_selector('#conflicts [data-conflict="venue"]')
    screenshot(page, "scheduling-clash-zh")
    # ... and saving is refused.
    page.get_by_role("button", name="保存课程").click()
    page.wait_for_selector(".alert-danger")
    assert not TrainingSession.objects.filter(title_zh="涉外知识产权证据规则专题").exists()

    # Move it to a free afternoon: it saves.
    page.locator("[name=starts_at]").fill("2025-06-16T14:00")
    page.locator("[name=ends_at]").fill("2025-06-16T16:00")
    page.get_by_role("button", name="保存课程").click()
    page.wait_for_url("**/manage/programs/fipr-2025/")
    session = TrainingSession.objects.get(title_zh="涉外知识产权证据规则专题")
    assert session.assignments.count() == 2

    # Reschedule it: both faculty are told.
    page.goto(f"/manage/sessions/{session.pk}/edit/")
    page.locator("[name=starts_at]").fill("2025-06-17T09:30")
    page.locator("[name=ends_at]").fill("2025-06-17T11:30")
    page.get_by_role("button", name="保存课程").click()
    page.wait_for_url("**/manage/programs/fipr-2025/")
    notice = words(Notification.objects.get(recipient=teacher.user, kind="session_changed"))
    assert "2025-06-16 14:00" in notice.body_text and "2025-06-17 09:30" in notice.body_text
    if colleague.user_id:  # a faculty member without an account has no inbox
        assert Notification.objects.filter(recipient=colleague.user, kind="session_changed").exists()

    # The faculty member sees the notice; the timetable shows the new time.
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()
    sign_in(page, "faculty@demo.test")
    assert page.get_by_test_id("unread-count").is_visible()
    page.goto("/notifications/")
    assert page.get_by_text("涉外知识产权证据规则专题").first.is_visible()
    page.goto("/programs/fipr-2025/schedule/?view=day&date=2025-06-17")
    row = page.locator(".session-row", has_text="涉外知识产权证据规则专题")
    assert "09:30" in row.inner_text()
    screenshot(page, "scheduling-timetable-day-zh")

    # The calendar feed says the same to the phone.
    response = page.request.get(live_server.url + "/programs/fipr-2025/schedule.ics")
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    moved = next(e for e in events if str(e["UID"]) == f"session-{session.pk}@127.0.0.1")
    assert moved.decoded("DTSTART").strftime("%Y-%m-%d %H:%M") == "2025-06-17 09:30"
    assert Venue.objects.filter(pk=first.venue_id).exists()


def test_timetable_on_a_phone(browser, live_server, demo):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
    )
    page = context.new_page()
    sign_in(page, "lawyer@demo.test")
    page.goto("/programs/fipr-2025/schedule/")
    assert page.locator(".session-row").count() == 40
    screenshot(page, "timetable-phone-zh")
    page.goto(page.locator(".session-row a").first.get_attribute("href"))
    screenshot(page, "session-phone-zh")
    context.close()
