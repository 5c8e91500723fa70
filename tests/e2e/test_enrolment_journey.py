"""A lawyer enrols in a full session and is waitlisted; another gives up their seat; the first is
promoted, and both get their notices."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from participants.models import Admission, Enrolment, Participant
from participants.services import seats_recount
from sessions.models import Program, TrainingSession

from .conftest import free_hours, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_waitlisted_lawyer_is_promoted_when_a_seat_comes_free(page, demo):
    program = Program.objects.get(slug="fipr-2025")
    program.enrolment_closes_at = timezone.now() + timedelta(days=30)
    program.save()
    # In a fortnight, at an hour the demo lawyer holds no seat: one clashing would keep the seat from them.
    start = free_hours("lawyer@demo.test", days_ahead=14)
    session = TrainingSession.objects.create(
        program=program, title_zh="海外维权实务沙龙", title_en="Overseas enforcement salon", format="seminar",
        starts_at=start, ends_at=start + timedelta(hours=2), online_url="https://meeting.example.org/salon",
        capacity=1, credit_hours=2,
    )  # fmt: skip
    holder = Participant.objects.filter(admissions__program=program).exclude(user__email="lawyer@demo.test").first()
    holder.user.set_password("holder-pass-2025")
    holder.user.is_active = True
    holder.user.save()
    Enrolment.objects.create(participant=holder, session=session, state="confirmed", confirmed_at=timezone.now())
    seats_recount(sessions=TrainingSession.objects.filter(pk=session.pk))  # as enrolment counts it
    assert Admission.objects.filter(participant__user__email="lawyer@demo.test", state="admitted").exists()

    lawyer_notices = Notification.objects.filter(recipient__email="lawyer@demo.test", kind="enrolment_changed")
    told_before = lawyer_notices.count()  # the demo's own seats may have told them of some

    # The demo lawyer finds it full and joins the waitlist.
    sign_in(page, "lawyer@demo.test")
    page.goto(f"/programs/fipr-2025/sessions/{session.pk}/")
    page.get_by_role("button", name="加入候补").click()
    page.wait_for_selector('#enrolment-box [data-state="waitlisted"]')
    assert "1" in page.locator("#enrolment-box").inner_text()
    screenshot(page, "enrolment-waitlisted-zh")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()

    # The seat holder gives it up.
    sign_in(page, holder.user.email, "holder-pass-2025")
    page.goto(f"/programs/fipr-2025/sessions/{session.pk}/")
    page.get_by_role("button", name="放弃名额").click()
    page.wait_for_selector(
        "#enrolment-box form button:has-text('报名'), #enrolment-box form button:has-text('加入候补')"
    )
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()

    # The waiting lawyer now holds the seat, and was told.
    sign_in(page, "lawyer@demo.test")
    page.goto(f"/programs/fipr-2025/sessions/{session.pk}/")
    assert page.locator('#enrolment-box [data-state="confirmed"]').is_visible()
    page.goto("/my/program/")
    assert page.get_by_text("海外维权实务沙龙").first.is_visible()
    screenshot(page, "my-program-zh")
    assert lawyer_notices.count() == told_before + 2  # waitlisted, then promoted
    assert Notification.objects.filter(recipient=holder.user, kind="enrolment_changed").exists()  # cancelled
