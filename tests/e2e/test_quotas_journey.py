"""The program office sets province quotas through the page, on a desk and on a phone: a quota below the
lawyers admitted is refused with the numbers, a good one is saved, several at once, and a spreadsheet.

Screenshots of every step, in Chinese and English: var/journeys/<this test>/.
"""

import pytest

from participants.models import Admission, ProvinceQuota

from .conftest import sign_in

pytestmark = pytest.mark.e2e


def admitted(program, code: str) -> int:
    return Admission.objects.filter(program=program, state="admitted", participant__province__code=code).count()


def seats(program, code: str) -> int | None:
    quota = ProvinceQuota.objects.filter(program=program, province__code=code).first()
    return None if quota is None else quota.seats


def test_the_office_sets_province_quotas(journey, demo, tmp_path):
    from sessions.models import Program

    program = Program.objects.get(slug="fipr-2025")
    used = admitted(program, "44")
    assert used > 1  # the demo admitted lawyers from Guangdong

    # 1. From the lawyers' page to the quotas: 34 provinces, admitted beside each quota.
    page = journey.open()
    sign_in(page, "admin@demo.test")
    page.goto(f"/manage/programs/{program.slug}/admissions/")
    page.get_by_role("link", name="省份名额").click()
    page.wait_for_url("**/quotas/")
    assert page.locator("table.quota-table tbody tr").count() == 34
    journey.step(page, "quotas")

    # 2. Guangdong's quota below its admitted lawyers: refused, with the numbers, and nothing saved.
    before = seats(program, "44")
    page.get_by_label("广东省的名额").fill(str(used - 1))
    page.get_by_role("button", name="保存名额").click()
    page.wait_for_selector(".alert-danger")
    assert f"广东省已录取{used}名律师，名额不能少于{used}。" in page.locator(".alert-danger").first.inner_text()
    assert seats(program, "44") == before
    journey.step(page, "quota-refused")

    # 3. Corrected: saved, and the history says who did it.
    page.get_by_label("广东省的名额").fill(str(used + 5))
    page.get_by_role("button", name="保存名额").click()
    page.wait_for_selector(".alert-success")
    assert seats(program, "44") == used + 5
    assert "广东省" in page.locator(".list-group").last.inner_text()
    journey.step(page, "quota-saved")

    # 4. Three provinces ticked, one quota for them.
    for name in ("勾选西藏自治区", "勾选青海省", "勾选宁夏回族自治区"):
        page.get_by_label(name).check()
    page.get_by_label("名额", exact=True).fill("3")
    page.get_by_role("button", name="设置所勾选的省份").click()
    page.wait_for_selector(".alert-success")
    assert [seats(program, code) for code in ("54", "63", "64")] == [3, 3, 3]

    # 5. A spreadsheet with a province we do not know: its row is named, nothing changes.
    sheet = tmp_path / "名额.csv"
    sheet.write_bytes("省份,名额\n海南,99\n火星,2\n".encode("gbk"))
    page.locator("input[type=file]").set_input_files(str(sheet))
    page.get_by_role("button", name="导入名额").click()
    page.wait_for_selector("#quota-problems")
    assert "火星" in page.locator("#quota-problems").inner_text()
    assert seats(program, "46") != 99
    journey.step(page, "import-refused", show="#quota-import")

    # 6. On a phone: the whole table without scrolling sideways; Hainan's quota set with the thumb.
    phone = journey.open(phone=True)
    sign_in(phone, "admin@demo.test")
    phone.goto(f"/manage/programs/{program.slug}/quotas/")
    journey.step(phone, "phone-quotas")
    hainan = phone.get_by_label("海南省的名额")
    hainan.fill(str(admitted(program, "46") + 4))
    phone.get_by_role("button", name="保存名额").click()
    phone.wait_for_selector(".alert-success")
    assert seats(program, "46") == admitted(program, "46") + 4
    journey.step(phone, "phone-saved")
