"""The provinces' pages as a browser uses them: the coordinator finds, nominates and submits on their own
province's page; the office invites a coordinator, approves and returns; another province's coordinator reaches
nothing of it."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Invitation
from accounts.roles import Role
from nominations import services
from nominations.models import Coordinator, Nomination
from notifications.models import Notification
from participants import importing
from participants.models import Admission, Participant, Province, ProvinceQuota
from tests.factories import AdmissionFactory, ParticipantFactory, ProgramFactory, UserFactory
from tests.forms import find_form
from tests.nominations import open_round
from tests.support import client_for


def province(code: str) -> Province:
    return Province.objects.get(code=code)


@pytest.fixture
def program(db):
    program = ProgramFactory(status="published")
    open_round(program)
    ProvinceQuota.objects.create(program=program, province=province("44"), seats=1)
    return program


def coordinator_of(code: str, email: str):
    user = UserFactory(email=email, role=Role.COORDINATOR)
    Coordinator.objects.create(user=user, province=province(code))
    return user


@pytest.mark.django_db
@pytest.mark.clock_edges
def test_the_coordinator_finds_nominates_and_submits_on_the_page(program, administrator):
    user = coordinator_of("44", "gd@example.test")
    browser = client_for(user, "en")
    zhang = ParticipantFactory(province=province("44"), name_zh="张伟", law_firm="广东天元律师事务所")
    li = ParticipantFactory(province=province("44"), name_zh="李娜", law_firm="广东天元律师事务所")
    ParticipantFactory(province=province("11"), name_zh="司马京华", law_firm="北京天元律师事务所")  # no factory name
    url = reverse("nominations:province", args=[program.slug])
    assert browser.get(reverse("nominations:home")).url == url  # one program: straight to it
    page = browser.get(url, {"q": "天元"}).content.decode()
    assert "张伟" in page and "李娜" in page and "司马京华" not in page
    for lawyer in (zhang, li):
        form = find_form(page, button=f"Nominate {lawyer.name_zh}", page_url=url)
        response = form.submit(browser, url, follow=True)
        page = response.content.decode()
    assert "李娜 is reserve number 1" in page
    assert "1 of 1 places used" in page
    page = browser.get(url).content.decode()
    response = find_form(page, button="Submit the list", page_url=url).submit(browser, url, follow=True)
    assert "submitted to the program office" in response.content.decode()
    assert [n.state for n in Nomination.objects.order_by("pk")] == ["nominated", "reserve"]


@pytest.mark.django_db
def test_the_office_invites_a_coordinator_then_approves_one_and_returns_one(program, administrator):
    office = client_for(administrator, "en")
    url = reverse("nominations:office_province", args=[program.slug, "44"])
    page = office.get(url).content.decode()
    form = find_form(page, button="Send the invitation", page_url=url)
    response = form.fill(full_name="广东联络人", email="gd@example.test").submit(office, url, follow=True)
    assert "invitation is on its way" in response.content.decode()
    coordinator = Coordinator.objects.get(user__email="gd@example.test")
    assert coordinator.province.code == "44"
    ProvinceQuota.objects.filter(program=program).update(seats=2)
    kept, returned = (
        services.nominate(program=program, province=province("44"), participant=ParticipantFactory(), by=administrator)
        for _ in range(2)
    )
    services.list_submit(program=program, province=province("44"), by=administrator)
    page = office.get(url).content.decode()
    find_form(page, button="Approve", action=reverse("nominations:decide", args=[kept.pk])).submit(office, url)
    page = office.get(url).content.decode()
    form = find_form(page, button="Return", action=reverse("nominations:decide", args=[returned.pk]))
    response = form.fill(reason="执业年限不足").submit(office, url, follow=True)
    assert "is returned to the province" in response.content.decode()
    assert Admission.objects.get(participant=kept.participant, program=program).state == "admitted"
    returned.refresh_from_db()
    assert (returned.state, returned.reason) == ("returned", "执业年限不足")


@pytest.mark.django_db
def test_a_coordinator_sees_only_their_province(program, administrator):
    beijing = client_for(coordinator_of("11", "bj@example.test"), "en")
    guangdong_lawyer = ParticipantFactory(province=province("44"), name_zh="张伟")
    AdmissionFactory(program=program, participant=guangdong_lawyer)
    page = beijing.get(reverse("nominations:province", args=[program.slug]), {"q": "张伟"}).content.decode()
    assert "No lawyer of the province matches." in page and "No lawyer of the province is admitted yet." in page
    response = beijing.post(reverse("nominations:nominate", args=[program.slug]), {"participant": guangdong_lawyer.pk})
    assert response.status_code == 404 and not Nomination.objects.exists()
    nomination = services.nominate(
        program=program, province=province("44"), participant=ParticipantFactory(), by=administrator
    )
    assert beijing.post(reverse("nominations:decide", args=[nomination.pk]), {"action": "approve"}).status_code == 403
    assert beijing.get(reverse("nominations:office_province", args=[program.slug, "44"])).status_code == 403
    lawyer = client_for(UserFactory(role=Role.PARTICIPANT), "en")
    assert lawyer.get(reverse("nominations:province", args=[program.slug])).status_code == 403


@pytest.mark.django_db
def test_the_province_page_shows_its_lawyers_progress_in_few_queries(program, django_assert_max_num_queries):
    user = coordinator_of("44", "gd@example.test")
    browser = client_for(user, "en")
    url = reverse("nominations:province", args=[program.slug])
    for _ in range(3):
        AdmissionFactory(program=program, participant=ParticipantFactory(province=province("44")))
    from participants.services import progress

    progress.rebuild(program)
    browser.get(url)
    with django_assert_max_num_queries(20) as few:
        page = browser.get(url).content.decode()
    assert page.count('data-outcome="') == 3
    for _ in range(30):
        AdmissionFactory(program=program, participant=ParticipantFactory(province=province("44")))
    progress.rebuild(program)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = browser.get(url).content.decode()
    assert page.count('data-outcome="') == 33


@pytest.mark.django_db
def test_the_office_reads_every_province_with_its_list_and_lawyers(program, administrator):
    by = coordinator_of("44", "gd@example.test")
    for lawyer in [ParticipantFactory(province=province("44")) for _ in range(3)]:
        services.nominate(program=program, province=province("44"), participant=lawyer, by=by)
    services.list_submit(program=program, province=province("44"), by=by)
    AdmissionFactory(program=program, participant=ParticipantFactory(province=province("11")))
    page = client_for(administrator, "en").get(reverse("nominations:office_provinces", args=[program.slug]))
    html = page.content.decode()
    links = re.findall(rf'href="/manage/programs/{program.slug}/provinces/(\d\d)/"', html)
    assert len(set(links)) == 34  # every province, each a link to its list
    guangdong = html.split(">Guangdong<")[1].split("</tr>")[0]
    assert 'data-state="submitted"' in guangdong
    for label, value in (("Quota", "1"), ("Waiting for approval", "1"), ("Reserves", "2"), ("Admitted", "0")):
        assert re.search(rf'data-label="{label}">\s*{value}\s*</td>', guangdong), label
    beijing = html.split(">Beijing<")[1].split("</tr>")[0]
    assert "No one nominated" in beijing and re.search(r'data-label="Admitted">\s*1\s*</td>', beijing)
    assert "0 provinces with a quota have not submitted their lists." in html


@pytest.mark.django_db
def test_the_coordinator_replaces_an_approved_nominee_with_a_reserve_on_the_page(program, administrator):
    user = coordinator_of("44", "gd@example.test")
    kept, reserve = (
        services.nominate(program=program, province=province("44"), participant=ParticipantFactory(), by=user)
        for _ in range(2)
    )
    services.list_submit(program=program, province=province("44"), by=user)
    services.nomination_approve(nomination=kept, by=administrator)
    browser = client_for(user, "en")
    url = reverse("nominations:province", args=[program.slug])
    page = browser.get(url).content.decode()
    form = find_form(page, button=f"Replace {kept.participant.name_zh}", page_url=url)
    response = form.fill(reason="因病退出").submit(browser, url, follow=True)
    assert f"{reserve.participant.name_zh} takes the place of {kept.participant.name_zh}" in response.content.decode()
    assert Admission.objects.get(participant=reserve.participant, program=program).state == "admitted"
    assert Admission.objects.get(participant=kept.participant, program=program).state == "withdrawn"
    beijing = client_for(coordinator_of("11", "bj@example.test"), "en")
    other = services.nominate(
        program=program, province=province("44"), participant=ParticipantFactory(), by=administrator
    )
    response = beijing.post(reverse("nominations:substitute", args=[reserve.pk]), {"reserve": other.pk, "reason": "x"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_office_returns_the_whole_list_with_one_reason(program, administrator):
    user = coordinator_of("44", "gd@example.test")
    ProvinceQuota.objects.filter(program=program).update(seats=3)
    for _ in range(2):
        services.nominate(program=program, province=province("44"), participant=ParticipantFactory(), by=user)
    office = client_for(administrator, "en")
    url = reverse("nominations:office_province", args=[program.slug, "44"])
    assert "Return the whole list" not in office.get(url).content.decode()  # not submitted yet
    services.list_submit(program=program, province=province("44"), by=user)
    form = find_form(office.get(url).content.decode(), button="Return the whole list", page_url=url)
    response = form.fill(reason="名单材料不全").submit(office, url, follow=True)
    assert "2 nominees are returned to the province." in response.content.decode()
    assert set(Nomination.objects.values_list("state", "reason")) == {("returned", "名单材料不全")}
    page = client_for(user, "en").get(reverse("nominations:province", args=[program.slug])).content.decode()
    assert "Returned by the program office: 名单材料不全" in page and "Submit the list" in page


NEW_LAWYER = {
    "name_zh": "欧阳明",
    "name_latin": "Ouyang Ming",
    "license_number": "14403201910123456",
    "law_firm": "广东华商律师事务所",
    "email": "ouyang.ming@example.test",
    "mobile": "13800138000",
    "city": "深圳",
}


@pytest.mark.django_db
def test_the_coordinator_enters_a_lawyer_the_office_does_not_know_and_the_approval_invites_them(program, administrator):
    user = coordinator_of("44", "gd@example.test")
    browser = client_for(user, "en")
    url = reverse("nominations:new_lawyer", args=[program.slug])
    form = find_form(browser.get(url).content.decode(), button="Nominate this lawyer", page_url=url)
    response = form.fill(**NEW_LAWYER).submit(browser, url, follow=True)
    assert "欧阳明 is nominated." in response.content.decode()
    nomination = Nomination.objects.get(participant__license_number="14403201910123456")
    lawyer = nomination.participant
    assert (lawyer.province.code, lawyer.user.email, lawyer.user.is_active) == ("44", "ouyang.ming@example.test", False)
    services.list_submit(program=program, province=province("44"), by=user)
    services.nomination_approve(nomination=nomination, by=administrator)
    assert Invitation.objects.get(user=lawyer.user).role == Role.PARTICIPANT


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["another province's licence", "this province's licence", "a faculty's e-mail"])
def test_a_lawyer_already_on_record_is_not_entered_twice(case, program, administrator):
    user = coordinator_of("44", "gd@example.test")
    browser = client_for(user, "en")
    values = dict(NEW_LAWYER)
    if case == "another province's licence":
        ParticipantFactory(province=province("11"), license_number=values["license_number"])
        field, message = "license_number", "This belongs to a lawyer of Beijing, who nominates them"
    elif case == "this province's licence":
        ParticipantFactory(province=province("44"), license_number=values["license_number"], name_zh="欧阳明")
        field, message = "license_number", "This belongs to 欧阳明, a lawyer of the province on record"
    else:
        UserFactory(email=values["email"], role=Role.FACULTY)
        field, message = "email", "This address belongs to an account that is not a lawyer&#x27;s."
    url = reverse("nominations:new_lawyer", args=[program.slug])
    form = find_form(browser.get(url).content.decode(), button="Nominate this lawyer", page_url=url)
    before = Participant.objects.count()
    page = form.fill(**values).submit(browser, url).content.decode()
    assert message in page and f'name="{field}"' in page and "is-invalid" in page
    assert Participant.objects.count() == before and not Nomination.objects.exists()
    if case == "another province's licence":
        assert Notification.objects.filter(kind="nomination_clash", recipient=administrator).exists()


def entry(name: str, licence: str, email: str, province: str = "广东", firm: str = "广东天元律师事务所") -> dict:
    return {"name_zh": name, "license_number": licence, "law_firm": firm, "province": province, "email": email}


def list_file(*rows: dict, name: str = "guangdong.csv") -> SimpleUploadedFile:
    """A province's list as Excel saves a CSV (UTF-8 with its mark), the Chinese headers of the office's lists."""
    header = ["姓名", "执业证号", "律师事务所", "省份", "邮箱"]
    keys = ["name_zh", "license_number", "law_firm", "province", "email"]
    lines = [",".join(header)] + [",".join(row.get(key, "") for key in keys) for row in rows]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8-sig"), content_type="text/csv")


def upload_page(browser, program):
    url = reverse("nominations:upload", args=[program.slug])
    page = browser.get(url).content.decode()
    assert reverse("participants:specialties") not in page  # the office's page: no link a coordinator cannot open
    return url, find_form(page, button="Nominate from the file", page_url=url)


@pytest.mark.django_db
def test_the_coordinator_uploads_the_list_lawyers_on_record_and_new_ones_reserves_past_the_quota(program):
    user = coordinator_of("44", "gd@example.test")
    browser = client_for(user, "en")
    known = ParticipantFactory(province=province("44"), name_zh="张伟")
    rows = [
        entry("张伟", known.license_number, "a@x.test", firm="x"),
        entry("欧阳明", "14403201910123456", "ouyang.ming@example.test", province="广东省"),
    ]
    url, form = upload_page(browser, program)
    response = form.fill(file=list_file(*rows)).submit(browser, url, follow=True)
    assert "From the file: 1 lawyer nominated; 1 reserve." in response.content.decode()
    listed = {n.participant.name_zh: (n.state, n.rank) for n in Nomination.objects.select_related("participant")}
    assert listed == {"张伟": ("nominated", 1), "欧阳明": ("reserve", 1)}
    known.refresh_from_db()
    assert known.law_firm != "x" and known.user.email != "a@x.test"  # the file does not rewrite a lawyer on record
    new = Participant.objects.get(license_number="14403201910123456")
    assert (new.province.code, new.user.email, new.user.is_active) == ("44", "ouyang.ming@example.test", False)

    # The same file again, one row longer: the two on the list are left as they are.
    rows.append(entry("李娜", "14403201910654321", "li.na@example.test", province="44"))
    url, form = upload_page(browser, program)
    response = form.fill(file=list_file(*rows)).submit(browser, url, follow=True)
    assert "From the file: 1 reserve; 2 already on the list." in response.content.decode()
    assert Nomination.objects.get(participant__name_zh="李娜").rank == 2


@pytest.mark.django_db
def test_an_uploaded_list_with_a_wrong_row_nominates_no_one_and_names_each_row(program, administrator):
    user = coordinator_of("44", "gd@example.test")
    browser = client_for(user, "en")
    beijing = ParticipantFactory(province=province("11"))
    admitted = AdmissionFactory(program=program, participant__province=province("44"), participant__name_zh="陈静")
    faculty = UserFactory(email="faculty@example.test", role=Role.FACULTY)
    rows = [
        entry("好行", "14403201910000001", "ok@x.test"),
        entry("外省", "11101201910000002", "bj@x.test", province="北京"),
        entry("借号", beijing.license_number, "c@x.test"),
        entry("陈静", admitted.participant.license_number, "d@x.test"),
        entry("教师", "14403201910000005", faculty.email),
        entry("", "123", "e@x.test"),
    ]
    url, form = upload_page(browser, program)
    page = form.fill(file=list_file(*rows)).submit(browser, url).content.decode()
    assert "Nothing was nominated: 5 rows need correcting." in page
    problems = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", page, re.S)
    said = {(int(row), column, message.replace("&#x27;", "'")) for row, column, message in problems}
    assert (3, "省份", "A lawyer of Beijing: this is the list of Guangdong.") in said
    assert (4, "执业证号", "This licence belongs to a lawyer of Beijing; the program office has been told.") in said
    assert (5, "—", "陈静 is already admitted to this program.") in said
    assert (6, "邮箱", "This address belongs to an account that is not a lawyer's.") in said
    assert (7, "姓名", "Required.") in said and (7, "执业证号", "“123” is not a 17-digit licence number.") in said
    assert not Nomination.objects.exists() and not Participant.objects.filter(name_zh="好行").exists()
    # The refusal is kept for the lawyer of another province: Beijing's office hears a province named them.
    assert Notification.objects.filter(kind="nomination_clash", recipient=administrator).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["not a list", "submitted", "too long"])
def test_an_upload_refused_as_a_whole_says_why_on_the_file(case, program):
    user = coordinator_of("44", "gd@example.test")
    browser = client_for(user, "en")
    row = entry("欧阳明", "14403201910123456", "o@x.test")
    file = list_file(row)
    if case == "not a list":
        file = SimpleUploadedFile("list.csv", "名字,电话\n张三,1\n".encode("gbk"), content_type="text/csv")
        message = "Columns missing from the first row"
    elif case == "submitted":
        lawyer = ParticipantFactory(province=province("44"))
        services.nominate(program=program, province=province("44"), participant=lawyer, by=user)
        services.list_submit(program=program, province=province("44"), by=user)
        message = "The list of Guangdong is submitted: it cannot be changed now."
    else:
        file = list_file(*[{**row, "license_number": f"144032019{n:08d}", "email": f"{n}@x.test"} for n in range(301)])
        message = "The file has 301 rows; a province&#x27;s list has at most 300."
    before = Nomination.objects.count()
    url, form = upload_page(browser, program)
    page = form.fill(file=file).submit(browser, url).content.decode()
    assert message in page and "is-invalid" in page
    assert Nomination.objects.count() == before


@pytest.mark.django_db
def test_the_blank_list_has_the_columns_the_upload_reads(program):
    browser = client_for(coordinator_of("44", "gd@example.test"), "en")
    url = reverse("nominations:upload", args=[program.slug])
    response = browser.get(url, {"blank": "xlsx"})
    header = next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats") and "执业证号" in header
    # The upload reads it as a list (with no rows yet).
    assert importing.read(response.content, "blank.xlsx").rows == []


@pytest.mark.django_db
def test_the_lawyer_page_shows_every_step_of_their_nomination(program, administrator):
    user = coordinator_of("44", "gd@example.test")
    user.full_name = "黄志明"
    user.save(update_fields=["full_name"])
    lawyer = ParticipantFactory(province=province("44"), name_zh="张伟")
    nomination = services.nominate(program=program, province=province("44"), participant=lawyer, by=user)
    services.list_submit(program=program, province=province("44"), by=user)
    services.nomination_return(nomination=nomination, reason="执业年限不足", by=administrator)
    services.nominate(program=program, province=province("44"), participant=lawyer, by=user)
    services.list_submit(program=program, province=province("44"), by=user)
    services.nomination_approve(nomination=nomination, by=administrator)
    page = client_for(administrator, "en").get(reverse("participants:lawyer_edit", args=[lawyer.pk])).content.decode()
    history = page[page.index('id="nomination-history"') :]
    step = r'<tr data-state="(\w+)">.*?data-label="Reason">(.*?)</td>\s*<td data-label="By">\s*(.*?)\s*</td>'
    steps = re.findall(step, history, re.S)
    assert steps == [
        ("nominated", "—", "黄志明"),
        ("returned", "执业年限不足", administrator.full_name),
        ("nominated", "—", "黄志明"),
        ("approved", "—", administrator.full_name),
    ]
    assert reverse("nominations:office_province", args=[program.slug, "44"]) in history


def sheet_rows(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


@pytest.mark.django_db
def test_the_province_page_exports_its_list_and_its_lawyers_progress_and_nothing_of_other_provinces(
    program, administrator
):
    user = coordinator_of("44", "gd@example.test")
    browser = client_for(user, "en")
    ours = AdmissionFactory(program=program, participant__province=province("44"), participant__name_zh="张伟")
    AdmissionFactory(program=program, participant__province=province("11"), participant__name_zh="王芳")
    ProvinceQuota.objects.filter(program=program).update(seats=2)
    nominee = ParticipantFactory(province=province("44"), name_zh="李娜", license_number="44030120191234567")
    services.nominate(program=program, province=province("44"), participant=nominee, by=user)
    services.nominate(program=program, province=province("44"), participant=ParticipantFactory(
        province=province("44"), name_zh="陈静"), by=user)  # fmt: skip
    url = reverse("nominations:province", args=[program.slug])
    page = browser.get(url).content.decode()
    assert 'href="?export=xlsx"' in page and 'href="?export=list"' in page

    header, *rows = sheet_rows(browser.get(url, {"export": "xlsx"}))
    assert header[:3] == ("Name", "Name in Latin letters", "Province") and header[-1] == "Outcome"
    assert [row[0] for row in rows] == [ours.participant.name_zh]

    header, *rows = sheet_rows(browser.get(url, {"export": "list"}))
    assert header[:3] == ("State", "Order", "Name")
    assert [row[:3] for row in rows] == [("Nominated", 1, "李娜"), ("Reserve", 1, "陈静")]
    assert rows[0][5] == "4567"  # the licence's last four digits, as the page shows it
    # The office reads the same from its page of the province.
    office = client_for(administrator, "en")
    office_url = reverse("nominations:office_province", args=[program.slug, "44"])
    assert sheet_rows(office.get(office_url, {"export": "list"}))[1:] == rows
