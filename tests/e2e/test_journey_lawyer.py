"""A lawyer's whole program, on a phone: invited by the office's provincial list, sets a password, finds
the one-to-one review full and joins its waitlist, is promoted when the seat comes free, checks in on
the day by scanning the projected QR code, downloads the handout, and downloads and verifies the
certificate. The office, the seat holder and the faculty member act through their own screens; a real
Celery worker sends the mail.

Screenshots of every step, in Chinese and English: var/journeys/<this test>/.
"""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from certificates.models import Certificate
from participants.models import Attendance, Participant
from sessions.models import Faculty, FacultyAssignment, Program, Topic, TrainingSession, Venue
from tests.faculty.conftest import pdf_bytes

from .conftest import free_hours, link_in_mail, sign_in

pytestmark = pytest.mark.e2e

EMAIL = "zhang.yuqing@sc.example.cn"
LIST = (
    "姓名,姓名拼音,性别,执业证号,律师事务所,省份,城市,手机,邮箱,执业年限,专业领域,外语\n"
    f"张雨晴,Zhang Yuqing,女,15101201612300777,四川蜀都律师事务所,四川,成都,13980000777,{EMAIL},8,专利;国际仲裁,English\n"
)


def sign_out(page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="退出登录").click()


def test_a_lawyer_takes_part_from_a_phone(journey, demo, worker, mailbox, tmp_path):
    program = Program.objects.get(slug="fipr-2025")
    # What the calendar of a running program holds: enrolment open, and a one-seat review next week, at an
    # hour the demo lawyer, who takes the seat first, holds no other seat.
    program.enrolment_closes_at = timezone.now() + timedelta(days=30)
    program.save(update_fields=["enrolment_closes_at"])
    start = free_hours("lawyer@demo.test", days_ahead=7)
    review = TrainingSession.objects.create(
        program=program, topic=Topic.objects.get(program=program, name_zh="海外纠纷应对"),
        title_zh="海外维权文书点评（一对一）", title_en="One-to-one review of an overseas enforcement brief",
        description_zh="带一份自己起草的海外维权文书，由授课专家逐段点评。",
        description_en="Bring a brief you drafted for an overseas case; a faculty member reviews it with you.",
        format="workshop", starts_at=start, ends_at=start + timedelta(hours=2),
        venue=Venue.objects.get(name_zh="前海法治大厦 研讨室B"), capacity=1, credit_hours=2,
    )  # fmt: skip
    FacultyAssignment.objects.create(session=review, faculty=Faculty.objects.get(user__email="faculty@demo.test"))
    review_page = f"/programs/{program.slug}/sessions/{review.pk}/"

    # The office admits her with Sichuan's list; the worker mails her invitation.
    office = journey.open()
    sign_in(office, "admin@demo.test")
    listing = tmp_path / "四川省名单.csv"
    listing.write_bytes(LIST.encode("gbk"))
    office.goto(f"/manage/programs/{program.slug}/import/")
    office.locator("input[type=file]").set_input_files(str(listing))
    office.get_by_role("button", name="检查文件").click()
    office.wait_for_url("**/manage/imports/*/")
    office.locator("form button[type=submit]", has_text="导入").first.click()
    office.wait_for_selector(".alert-success")
    lawyer = Participant.objects.get(license_number="15101201612300777")

    # Meanwhile another lawyer takes the only seat.
    holder = journey.open(phone=True)
    sign_in(holder, "lawyer@demo.test")
    holder.goto(review_page)
    holder.get_by_role("button", name="报名").click()
    holder.wait_for_selector('#enrolment-box [data-state="confirmed"]')

    # 1. The invitation, opened on her phone: she chooses a password.
    phone = journey.open(phone=True)
    phone.goto(link_in_mail(mailbox, EMAIL, "/accounts/activate/"))
    assert "张雨晴" in phone.locator("main").inner_text()
    journey.step(phone, "invitation")
    phone.locator("[name=password1]").fill("Shudu-IPR-2026")
    phone.locator("[name=password2]").fill("Shudu-IPR-2026")
    phone.get_by_role("button", name="激活账号").click()
    phone.wait_for_selector(".alert-success")
    journey.step(phone, "home")

    # 2. Her program: every required session is hers already.
    phone.get_by_role("button", name="菜单").click()
    phone.locator("#mainnav").get_by_role("link", name="我的培训").click()
    required = program.sessions.filter(is_required=True, status="scheduled").count()
    assert phone.get_by_test_id("attended").inner_text().startswith(f"0 / {required}")
    journey.step(phone, "my-program")

    # 3. Next week's timetable: the review is full; she joins the waitlist.
    phone.goto(f"/programs/{program.slug}/schedule/?view=week&date={start:%Y-%m-%d}")
    phone.get_by_role("link", name=review.title_zh).click()
    assert "座位已满" in phone.locator("#enrolment-box").inner_text()
    journey.step(phone, "session-full")
    phone.get_by_role("button", name="加入候补").click()
    phone.wait_for_selector('#enrolment-box [data-state="waitlisted"]')
    assert "第1位" in phone.locator("#enrolment-box").inner_text()
    journey.step(phone, "waitlisted")

    # 4. The holder gives the seat up: it is hers, and she is told.
    holder.reload()
    holder.get_by_role("button", name="放弃名额").click()
    holder.wait_for_selector("#enrolment-box button:has-text('加入候补')")  # the seat went to the first waiting
    phone.goto("/notifications/")
    assert phone.get_by_text(review.title_zh).first.is_visible()
    journey.step(phone, "promoted-notice")
    phone.locator(".notice", has_text=review.title_zh).first.get_by_role("link", name="查看").click()
    phone.wait_for_selector('#enrolment-box [data-state="confirmed"]')
    journey.step(phone, "seat-confirmed")

    # 5. The day comes. The faculty member puts the check-in code on the projector; her camera reads it.
    review.starts_at, review.ends_at = timezone.now() - timedelta(minutes=2), timezone.now() + timedelta(hours=2)
    review.save(update_fields=["starts_at", "ends_at"])
    teacher = journey.open()
    sign_in(teacher, "faculty@demo.test")
    teacher.goto(f"/sessions/{review.pk}/attendance/screen/")
    qr = teacher.locator(".checkin-qr-box")
    qr.wait_for()
    qr.screenshot(path=tmp_path / "qr.png")
    url = subprocess.run(
        ["zbarimg", "--raw", "-q", str(tmp_path / "qr.png")], capture_output=True, text=True, check=True
    ).stdout.strip()
    phone.goto(url)
    phone.wait_for_selector('[data-state="present"]')
    assert Attendance.objects.get(participant=lawyer, session=review).method == "qr"
    journey.step(phone, "checked-in")

    # 6. After the session the faculty member posts the handout; she downloads it from the session page.
    handout = tmp_path / "海外维权文书要点.pdf"
    handout.write_bytes(pdf_bytes("Overseas enforcement briefs: the points to check"))
    teacher.goto(f"/teaching/sessions/{review.pk}/materials/")
    teacher.locator("input[name=files]").set_input_files(str(handout))
    teacher.locator("select[name=visibility]").select_option("enrolled")
    teacher.get_by_role("button", name="发布", exact=True).click()
    teacher.wait_for_selector("[data-material]")
    phone.goto(review_page)
    journey.step(phone, "materials")
    with phone.expect_download() as download:
        phone.locator("#materials .material-item a.btn").first.click()
    assert download.value.suggested_filename == handout.name
    download.value.save_as(tmp_path / "got.pdf")
    assert (tmp_path / "got.pdf").read_bytes() == handout.read_bytes()

    # 7. The office issues her certificate, recording why; she downloads it from My program.
    office.goto(f"/manage/programs/{program.slug}/certificates/?lawyer=张雨晴")
    office.locator("[name=reason]").fill("补充学员，完成全部补充课程，经项目办公室审核同意。")
    office.get_by_role("button", name="发证", exact=True).click()
    office.wait_for_selector(".alert-success")
    certificate = Certificate.objects.get(participant=lawyer)
    phone.goto("/my/program/")
    journey.step(phone, "certificate", show="#certificates")
    with phone.expect_download() as download:
        phone.locator("#certificates").get_by_role("link", name="下载（PDF）").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)

    # 8. The QR code printed on it opens the public page: valid.
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    verify_url = subprocess.run(
        ["zbarimg", "--raw", "-q", str(tmp_path / "page.png")], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert verify_url.endswith(f"/certificates/verify/{certificate.code}/")
    phone.goto(verify_url)
    assert phone.locator('[data-verdict="valid"]').is_visible()
    assert "张雨晴" in phone.locator("main").inner_text()
    journey.step(phone, "certificate-verified")
