"""The administrator's whole program, on a desk: builds a session, admits lawyers from a provincial list
(their invitations leave through a real Celery worker), watches attendance and completion, corrects a
record from the paper sign-in sheet, and issues the certificate that correction earns.

Screenshots of every step, in Chinese and English: var/journeys/<this test>/.
"""

import pytest

from certificates.models import Certificate
from notifications.models import Notification
from participants import services
from participants.models import Attendance, Participant
from sessions.models import Faculty, Program, TrainingSession, Venue
from tests.support import wait_for

from .conftest import sign_in

pytestmark = pytest.mark.e2e

HEADER = "姓名,姓名拼音,性别,执业证号,律师事务所,省份,城市,手机,邮箱,执业年限,专业领域,外语"
ROWS = [
    "覃海燕,Qin Haiyan,女,14501201512300901,广西桂海律师事务所,广西,南宁,13900000901,qin.haiyan@gx.example.cn,9,专利;商标,English",
    "符志雄,Fu Zhixiong,男,14601201812300902,海南自贸港律师事务所,海南,海口,13900000902,fu.zhixiong@hn.example.cn,6,国际仲裁,English",
    "段丽萍,Duan Liping,女,5300120151230,云南滇池律师事务所,云南,昆明,,duan.liping@yn.example.cn,11,海关,",
    "和建军,He Jianjun,男,15301201112300904,云南滇池律师事务所,云南,丽江,13900000904,he.jianjun@yn.example.cn,14,商业秘密,English",
]  # fmt: skip


def one_session_short(program: Program):
    """A lawyer the rule misses by one required session, which they were marked absent from."""
    completion = services.Completion(program)
    for lawyer in (
        completion.lawyers()
        .filter(outcome=services.AT_RISK, attended_required=completion.required_needed - 1)
        .order_by("name_latin")
    ):
        absent = (
            Attendance.objects.filter(participant=lawyer, session__is_required=True, status="absent")
            .select_related("session")
            .order_by("session__starts_at")
        )
        for record in absent:
            if lawyer.hours + record.session.credit_hours >= completion.min_hours:
                return lawyer, record.session
    raise AssertionError("the demo has no lawyer one session short of the rule")


def test_the_administrator_runs_the_program(journey, demo, worker, mailbox, tmp_path):
    program = Program.objects.get(slug="fipr-2025")
    auditorium = Venue.objects.get(name_zh="深圳国际会展中心 报告厅")
    moderator = Faculty.objects.get(slug="wu-haifeng")
    panellist = Faculty.objects.get(slug="ho-chi-hang")
    page = journey.open()

    # 1. Signed in: the office's home page.
    sign_in(page, "admin@demo.test")
    assert page.get_by_text("快捷操作").is_visible()
    journey.step(page, "home")

    # 2. The program's sessions, then a new one: the closing forum on the last day.
    page.get_by_role("button", name="管理").click()
    page.get_by_role("link", name="培训项目与课程").click()
    page.get_by_role("link", name=program.name_zh).click()
    page.get_by_role("link", name="新建课程").click()
    page.locator("[name=title_zh]").fill("结业论坛：涉外知识产权律师的下一步")
    page.locator("[name=title_en]").fill("Closing forum: what comes next for foreign-related IP lawyers")
    page.locator("[name=topic]").select_option(label="海外纠纷应对")
    page.locator("[name=format]").select_option("forum")
    page.locator("[name=starts_at]").fill("2025-10-17T14:00")
    page.locator("[name=ends_at]").fill("2025-10-17T16:30")
    page.locator("[name=venue]").select_option(str(auditorium.pk))
    page.locator("[name=capacity]").fill("320")
    page.locator("[name=credit_hours]").fill("2")
    page.locator("[name=description_zh]").fill("回顾全年培训成果，交流海外维权实务经验，发布优秀案例。")
    page.locator("[name=description_en]").fill(
        "A look back at the year, practice notes on overseas cases, and the best cases."
    )
    page.locator("[name=faculty-0-faculty]").select_option(str(moderator.pk))
    page.locator("[name=faculty-0-role]").select_option("moderator")
    page.get_by_role("button", name="添加授课专家").click()
    page.locator("[name=faculty-1-faculty]").select_option(str(panellist.pk))
    page.locator("[name=faculty-1-role]").select_option("panellist")
    page.locator("[name=faculty-1-role]").dispatch_event("change")
    page.wait_for_selector("#conflicts .text-success")  # checked live: no clash at this time and place
    journey.step(page, "new-session")
    page.get_by_role("button", name="保存课程").click()
    page.wait_for_selector(".alert-success")
    forum = TrainingSession.objects.get(title_zh="结业论坛：涉外知识产权律师的下一步")
    assert forum.assignments.count() == 2
    assert page.locator("main").get_by_text(forum.title_zh).first.is_visible()
    journey.step(page, "session-saved")

    # 3. A provincial list: every row is checked first; the bad one is named; the valid rows come in.
    upload = tmp_path / "西南及华南名单.csv"
    upload.write_bytes(("\n".join([HEADER, *ROWS]) + "\n").encode("gbk"))
    page.get_by_role("link", name="律师", exact=True).click()
    page.get_by_role("link", name="导入省级名单").click()
    page.locator("input[type=file]").set_input_files(str(upload))
    journey.step(page, "import-upload")
    page.get_by_role("button", name="检查文件").click()
    page.wait_for_url("**/manage/imports/*/")
    problems = page.locator("table").last.inner_text()
    assert "4" in problems and "执业证号" in problems  # row 4: a licence number of 13 digits
    journey.step(page, "import-checked")
    page.get_by_role("button", name="仅导入有效行").click()
    page.wait_for_selector(".alert-success")
    journey.step(page, "import-done")
    newcomers = Participant.objects.filter(name_zh__in=["覃海燕", "符志雄", "和建军"])
    assert newcomers.count() == 3 and not Participant.objects.filter(name_zh="段丽萍").exists()

    # 4. Admissions against the provinces' quotas.
    page.goto(f"/manage/programs/{program.slug}/admissions/?province=53")
    assert page.get_by_text("和建军").is_visible()
    journey.step(page, "admissions")

    # 5. The invitations went out through the worker; the outbox says so.
    for lawyer in newcomers:
        wait_for(lambda lawyer=lawyer: mailbox.to(lawyer.user.email), timeout=60, message="an invitation")
    wait_for(
        lambda: Notification.objects.filter(kind="invitation", state="sent").count() == 3,
        timeout=30,
        message="the outbox to record three invitations sent",
    )
    page.goto("/notifications/outbox/")
    assert page.get_by_text("qin.haiyan@gx.example.cn").is_visible()
    journey.step(page, "outbox")

    # 6. Attendance by session and by province, then completion: who can no longer make it.
    page.goto(f"/manage/programs/{program.slug}/")
    page.get_by_role("link", name="考勤", exact=True).click()
    journey.step(page, "attendance-report")
    page.goto(f"/manage/programs/{program.slug}/completion/?outcome=at_risk")
    assert page.locator("tr.outcome-at_risk").count() > 0
    journey.step(page, "completion-at-risk")

    # 7. One of them was there: the paper sign-in sheet says so. The office corrects the roster.
    lawyer, missed = one_session_short(program)
    page.goto(f"/sessions/{missed.pk}/attendance/")
    page.locator("#roster-search").fill(lawyer.name_zh)
    row = page.locator(f"#lawyer-{lawyer.pk}")
    row.wait_for()
    assert row.get_attribute("data-status") == "absent"
    row.locator('button[hx-vals*="present"]').click()
    page.wait_for_selector(f'#lawyer-{lawyer.pk}[data-status="present"]')
    journey.step(page, "roster-corrected", url=f"/sessions/{missed.pk}/attendance/?q={lawyer.name_zh}")

    # 8. Now they meet the rule ...
    page.goto(f"/manage/programs/{program.slug}/completion/?q={lawyer.name_zh}")
    assert page.locator(f"tr.outcome-completed:has-text('{lawyer.name_zh}')").is_visible()
    journey.step(page, "completion-met")

    # 9. ... and the certificates page offers one certificate: the worker makes it.
    page.goto(f"/manage/programs/{program.slug}/certificates/")
    issue = page.locator('form[action$="/certificates/issue/"] button')
    assert issue.inner_text().strip() == "发放1份结业证书"
    issue.click()
    page.wait_for_selector('#issue-job[data-finished="yes"]', timeout=60_000)
    assert page.locator("#issue-job").get_attribute("data-done") == "1"
    certificate = Certificate.objects.get(participant=lawyer)
    page.locator("input[name=q]").fill(certificate.serial)
    page.locator("input[name=q]").press("Enter")
    page.wait_for_selector(f'tr[data-serial="{certificate.serial}"]')
    journey.step(page, "certificates-issued")

    # 10. Anyone can check it on the public page.
    page.locator(f'tr[data-serial="{certificate.serial}"]').get_by_role("link", name="验证").click()
    assert page.locator('[data-verdict="valid"]').is_visible()
    assert lawyer.name_zh in page.locator("main").inner_text()
    journey.step(page, "certificate-verified")
