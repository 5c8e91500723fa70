"""Each demo role signs in, reads the home page in Chinese, switches to English, and signs out."""

import pytest

from notifications.models import Channel, Notification

from .conftest import screenshot

pytestmark = pytest.mark.e2e

ROLES = [
    # email, a heading or link only this role's home shows (zh, en)
    ("admin@demo.test", "快捷操作", "Quick actions"),
    ("faculty@demo.test", "最新通知", "Latest notices"),
    ("lawyer@demo.test", "最新通知", "Latest notices"),
]


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill("demo-pass-2025")
    page.locator("form").get_by_role("button", name="登录").click()


@pytest.mark.parametrize(("email", "zh_marker", "en_marker"), ROLES)
def test_each_role_signs_in_switches_language_and_signs_out(page, demo, email, zh_marker, en_marker):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    _sign_in(page, email)

    page.wait_for_url("**/")
    assert page.get_by_text(zh_marker).first.is_visible()
    role = email.split("@")[0]
    screenshot(page, f"home-{role}-zh")

    page.get_by_test_id("language-menu").click()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text(en_marker).first.is_visible()
    screenshot(page, f"home-{role}-en")

    # The choice is remembered on the next page.
    page.goto("/notifications/")
    assert page.get_by_role("heading", name="Notifications").is_visible()

    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")
    # Signed out, the device forgets the language (the next person at a shared computer gets their browser's).
    assert page.get_by_role("link", name="登录").first.is_visible()


def test_administrator_sees_unread_notices_in_the_navigation(page, demo):
    _sign_in(page, "admin@demo.test")
    page.wait_for_url("**/")
    badge = page.get_by_test_id("unread-count")
    # The welcome, and Guangdong's list submitted to the office (demo/nominations.py).
    unread = Notification.objects.filter(recipient__email="admin@demo.test", read_at__isnull=True)
    assert unread.exclude(channel=Channel.EMAIL).count() == 2
    assert badge.inner_text().startswith("2")
    page.goto("/notifications/")
    page.get_by_role("button", name="全部标为已读").click()
    # htmx swaps the list in place: no unread item is left, without a page load.
    page.wait_for_selector(".notice.unread", state="detached")
    page.reload()
    assert page.get_by_test_id("unread-count").count() == 0


def test_phone_layout_collapses_the_menu(browser, live_server, demo):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
    )
    page = context.new_page()
    page.goto("/")
    screenshot(page, "visitor-phone-zh")
    assert page.get_by_role("button", name="菜单").is_visible()
    _sign_in(page, "lawyer@demo.test")
    page.wait_for_url("**/")
    screenshot(page, "home-lawyer-phone-zh")
    context.close()
