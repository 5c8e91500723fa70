"""An administrator changes a program's dates and check-in rules through its Settings page, and makes a new
program through the New program page: both save, say so, and show what was saved (issue 13: both pages
reloaded unsaved and silent, as the check-in minutes they required were never on them).

Screenshots of the form, in Chinese and English, on a desk and on a 390×844 phone:
var/journeys/<this test>/.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from sessions.models import Program, ProgramStatus
from tests.factories import PASSWORD, ProgramFactory, UserFactory

from .conftest import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def administrator(transactional_db):
    return UserFactory(email="office@example.test", role=Role.ADMINISTRATOR, is_staff=True)


def test_administrator_changes_the_end_date_and_check_in_minutes_in_the_settings(journey, administrator):
    today = timezone.localdate()
    program = ProgramFactory(slug="fipr-next", starts_on=today + timedelta(days=10), ends_on=today + timedelta(days=70))
    new_end = program.ends_on + timedelta(days=14)

    page = journey.open()
    sign_in(page, administrator.email, PASSWORD)
    page.goto("/manage/programs/")
    page.get_by_role("link", name=program.name_zh).click()
    page.get_by_role("link", name="设置").click()
    page.wait_for_url("**/manage/programs/fipr-next/edit/")
    assert page.get_by_role("group", name="名称").is_visible()  # the program's name, not a person's (姓名)
    journey.step(page, "settings")

    # Check-in closing before lateness starts is refused, and said beside the field.
    page.locator("[name=checkin_late_minutes]").fill("20")
    page.locator("[name=checkin_closes_minutes]").fill("15")
    page.get_by_role("button", name="保存").click()
    closes = page.locator("#div_id_checkin_closes_minutes")
    assert "签到截止时间不得早于迟到起算时间。" in closes.inner_text()
    assert page.locator("[name=checkin_closes_minutes]").evaluate("e => e.classList.contains('is-invalid')")
    program.refresh_from_db()
    assert (program.checkin_late_minutes, program.checkin_closes_minutes) == (10, 60)

    page.locator("[name=ends_on]").fill(new_end.isoformat())
    page.locator("[name=checkin_opens_minutes]").fill("45")
    page.locator("[name=checkin_late_minutes]").fill("15")
    page.locator("[name=checkin_closes_minutes]").fill("90")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/manage/programs/fipr-next/")
    assert page.get_by_role("alert").filter(has_text="培训项目已保存。").is_visible()

    program.refresh_from_db()
    assert program.ends_on == new_end
    assert (program.checkin_opens_minutes, program.checkin_late_minutes, program.checkin_closes_minutes) == (45, 15, 90)
    page.get_by_role("link", name="设置").click()
    assert page.locator("[name=ends_on]").input_value() == new_end.isoformat()
    assert page.locator("[name=checkin_closes_minutes]").input_value() == "90"

    phone = journey.open(phone=True)
    sign_in(phone, administrator.email, PASSWORD)
    phone.goto("/manage/programs/fipr-next/edit/")
    journey.step(phone, "settings-phone", show="[name=checkin_opens_minutes]")


def test_administrator_makes_a_new_program_through_the_page(journey, administrator):
    today = timezone.localdate()
    page = journey.open()
    sign_in(page, administrator.email, PASSWORD)
    page.goto("/manage/programs/")
    page.get_by_role("link", name="新建培训项目").click()
    # The check-in rules come filled in with the usual minutes.
    assert page.locator("[name=checkin_opens_minutes]").input_value() == "30"
    journey.step(page, "new-program")

    page.locator("[name=name_zh]").fill("2027年涉外知识产权律师培训班")
    page.locator("[name=name_en]").fill("2027 Foreign-related IPR Lawyers Training")
    page.locator("[name=slug]").fill("fipr-2027")
    page.locator("[name=code]").fill("FIPR27")
    page.locator("[name=organisers_zh]").fill("司法部、国家知识产权局")
    page.locator("[name=city_zh]").fill("深圳")
    page.locator("[name=starts_on]").fill((today + timedelta(days=30)).isoformat())
    page.locator("[name=ends_on]").fill((today + timedelta(days=120)).isoformat())
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/manage/programs/fipr-2027/")
    assert page.get_by_role("alert").filter(has_text="培训项目已保存。").is_visible()

    program = Program.objects.get(slug="fipr-2027")
    assert program.name_zh == "2027年涉外知识产权律师培训班" and program.status == ProgramStatus.DRAFT
    assert (program.checkin_opens_minutes, program.checkin_late_minutes, program.checkin_closes_minutes) == (30, 10, 60)

    phone = journey.open(phone=True)
    sign_in(phone, administrator.email, PASSWORD)
    phone.goto("/manage/programs/new/")
    journey.step(phone, "new-program-phone")
