"""A province nominates its lawyers, the coordinator on a phone: invited by the office from the province's page,
sets a password, nominates three (one found by search, one entered new, one from the province's spreadsheet, who
waits as a reserve) and submits the list; the office returns the new one with a reason and approves the first; the
coordinator gives the returned place to the reserve and submits again; the office approves, and both lawyers are
admitted with their required seats. A real Celery worker sends the mail.

Screenshots of every step, in Chinese and English: var/journeys/<this test>/.
"""

import pytest

from nominations.models import Nomination
from participants.models import Admission, Enrolment, Participant, ProvinceQuota
from sessions.models import Program

from .conftest import link_in_mail, sign_in

pytestmark = pytest.mark.e2e

EMAIL = "sc.coordinator@sc.example.cn"
NEW_LAWYER = {
    "name_zh": "蒲晓川",
    "name_latin": "Pu Xiaochuan",
    "license_number": "15101201912300888",
    "law_firm": "四川天府律师事务所",
    "email": "pu.xiaochuan@sc.example.cn",
}


def test_a_province_nominates_its_lawyers_from_a_phone(journey, demo, worker, mailbox):
    live = Program.objects.get(slug="fipr-live")
    # Sichuan has two places left on the live program; two of its 2025 lawyers have not returned yet.
    quota = ProvinceQuota.objects.get(program=live, province__code="51")
    admitted = Admission.objects.filter(program=live, participant__province__code="51", state="admitted").count()
    quota.seats = admitted + 2
    quota.save(update_fields=["seats"])
    returning = list(
        Participant.objects.filter(province__code="51", admissions__program__slug="fipr-2025")
        .exclude(admissions__program=live)
        .order_by("pk")[:2]
    )

    # The office invites Sichuan's coordinator from the province's page.
    office = journey.open()
    office.on("dialog", lambda dialog: dialog.accept())
    sign_in(office, "admin@demo.test")
    office.goto(f"/manage/programs/{live.slug}/quotas/")
    office.get_by_role("link", name="四川省").first.click()
    office.locator("[name=full_name]").fill("蜀联络")
    office.locator("[name=email]").fill(EMAIL)
    office.get_by_role("button", name="发送邀请").click()
    office.wait_for_selector(".alert-success")
    province_page = office.url

    # 1. The invitation on the coordinator's phone: a password, then the province's page from the menu.
    phone = journey.open(phone=True)
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.goto(link_in_mail(mailbox, EMAIL, "/accounts/activate/"))
    phone.locator("[name=password1]").fill("Tianfu-IPR-2026")
    phone.locator("[name=password2]").fill("Tianfu-IPR-2026")
    phone.get_by_role("button", name="激活账号").click()
    phone.wait_for_selector(".alert-success")
    phone.get_by_role("button", name="菜单").click()
    phone.locator("#mainnav").get_by_role("link", name="本省推荐").click()
    phone.wait_for_url(f"**/province/{live.slug}/")
    assert "已用" in phone.get_by_test_id("places").inner_text()
    journey.step(phone, "province")

    # 2. One found by search, one entered new, one more: the quota is used, so the third waits as a reserve.
    phone.locator("[name=q]").fill(returning[0].name_zh)
    phone.get_by_role("button", name="搜索").click()
    phone.get_by_role("button", name=f"推荐 {returning[0].name_zh}").click()
    phone.wait_for_selector(".alert-success")
    journey.step(phone, "nominated-by-search")
    phone.get_by_role("link", name="找不到？录入项目办公室尚未登记的律师").click()
    for field, value in NEW_LAWYER.items():
        phone.locator(f"[name={field}]").fill(value)
    journey.step(phone, "new-lawyer")
    phone.get_by_role("button", name="推荐该律师").click()
    phone.wait_for_selector(".alert-success")
    # The third comes from the province's own spreadsheet; the quota is used, so they wait as a reserve.
    phone.get_by_role("link", name="以文件上传名单").click()
    lawyer = returning[1]
    row = f"{lawyer.name_zh},{lawyer.license_number},{lawyer.law_firm},四川省,{lawyer.user.email}"
    spreadsheet = f"姓名,执业证号,律师事务所,省份,邮箱\n{row}\n".encode("gb18030")  # as WPS saves a CSV
    phone.locator("[name=file]").set_input_files(
        {"name": "四川省名单.csv", "mimeType": "text/csv", "buffer": spreadsheet}
    )
    journey.step(phone, "upload")
    phone.get_by_role("button", name="按文件推荐").click()
    phone.wait_for_selector(".alert-success")
    assert "1名候补" in phone.locator(".alert-success").inner_text()
    journey.step(phone, "reserve")
    phone.get_by_role("button", name="报送名单").click()
    phone.wait_for_selector('[data-testid="list-state"]:has-text("已报送")')
    journey.step(phone, "submitted")

    # 3. The office returns the new lawyer with a reason and approves the first.
    office.goto(province_page)
    new = Nomination.objects.get(participant__license_number=NEW_LAWYER["license_number"])
    row = office.locator(f'li[data-state="nominated"]:has-text("{NEW_LAWYER["name_zh"]}")')
    row.get_by_label(f"退回{NEW_LAWYER['name_zh']}的理由").fill("执业年限不足三年")
    row.get_by_role("button", name="退回").click()
    office.wait_for_selector(".alert-success")
    office.locator(f'li[data-state="nominated"]:has-text("{returning[0].name_zh}")').get_by_role(
        "button", name="批准"
    ).click()
    office.wait_for_selector(".alert-success")
    assert Admission.objects.get(participant=returning[0], program=live).state == "admitted"

    # 4. The coordinator reads the reason and gives the returned place to the reserve, then submits again.
    phone.reload()
    assert "执业年限不足三年" in phone.locator('li[data-state="returned"]').inner_text()
    journey.step(phone, "returned")
    returned = phone.locator(f'li[data-state="returned"]:has-text("{NEW_LAWYER["name_zh"]}")')
    returned.locator("summary").click()
    returned.get_by_label(f"{NEW_LAWYER['name_zh']}的退出原因").fill("执业年限不足，由候补替换")
    returned.get_by_role("button", name=f"替换 {NEW_LAWYER['name_zh']}").click()
    phone.wait_for_selector(".alert-success")
    phone.get_by_role("button", name="报送名单").click()
    phone.wait_for_selector('[data-testid="list-state"]:has-text("已报送")')
    journey.step(phone, "substituted")

    # 5. The office approves the reserve: both lawyers are admitted, each with every required seat.
    office.goto(province_page)
    office.locator(f'li[data-state="nominated"]:has-text("{returning[1].name_zh}")').get_by_role(
        "button", name="批准"
    ).click()
    office.wait_for_selector(".alert-success")
    required = live.sessions.filter(is_required=True, status="scheduled").count()
    for lawyer in returning:
        assert Admission.objects.get(participant=lawyer, program=live).state == "admitted"
        assert (
            Enrolment.objects.filter(
                participant=lawyer, session__program=live, session__is_required=True, state="confirmed"
            ).count()
            == required
        )
    new.refresh_from_db()
    assert new.state == "substituted" and not Admission.objects.filter(participant=new.participant).exists()
    office.reload()
    assert office.locator('li[data-state="approved"]').count() == 2
    journey.step(office, "office-province")
