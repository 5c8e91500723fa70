"""Province quotas: the page (its own forms, submitted as served), the rules (never below the lawyers
admitted; all or nothing; a change made meanwhile is not overwritten), one quota for several provinces,
a spreadsheet of quotas, who may do it, the history, and an admission racing a lowered quota."""

import io

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from participants import services
from participants.models import Admission, Province, ProvinceQuota, QuotaChange
from participants.services import quotas
from tests.factories import AdmissionFactory, ParticipantFactory, ProgramFactory
from tests.forms import find_form
from tests.support import at_once


@pytest.fixture
def program(db):
    return ProgramFactory(slug="quota-test")


@pytest.fixture
def admin_client(administrator_client):
    """The administrator, reading English (the refusals are matched by their English wording)."""
    administrator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return administrator_client


def province(code: str) -> Province:
    return Province.objects.get(code=code)


def admit(program, code: str, count: int) -> None:
    for _ in range(count):
        AdmissionFactory(program=program, participant=ParticipantFactory(province=province(code)))


def set_quotas(program, by, **seats) -> None:
    """set_quotas(program, admin, p44=10, p11=None): through the service, as an administrator would."""
    quotas.quotas_set(
        program=program,
        seats={province(key[1:]): value for key, value in seats.items()},
        by=by,
        source=QuotaChange.Source.TABLE,
    )


def current(program) -> dict[str, int]:
    return dict(ProvinceQuota.objects.filter(program=program).values_list("province__code", "seats"))


# --- a page's own forms, as a browser submits them ----------------------------------------------------
def quotas_page(client, program) -> str:
    page = client.get(reverse("participants:quotas", args=[program.slug]))
    assert page.status_code == 200
    return page.text


def send(client, program, form_id: str, *, html: str | None = None, press: str | None = None, **values):
    """Fill the page's form of that id (as served now, or as in `html`) with `values`, and press its button
    (the one whose words contain `press`, else the first)."""
    form = find_form(html or quotas_page(client, program), id=form_id).fill(**values)
    return form.submit(client, reverse("participants:quotas", args=[program.slug]), press=press)


def served_values(client, program, form_id: str) -> dict[str, list[str]]:
    return find_form(quotas_page(client, program), id=form_id).values()


# --- the page ---------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_page_shows_every_province_admitted_quota_and_no_limit(admin_client, program, administrator):
    admit(program, "44", 3)
    admit(program, "11", 2)
    set_quotas(program, administrator, p44=5)
    page = admin_client.get(reverse("participants:quotas", args=[program.slug]))
    table = page.context["table"]
    assert len(table.lines) == 34
    lines = {line.province.code: line for line in table.lines}
    assert (lines["44"].admitted, lines["44"].seats, lines["44"].left) == (3, 5, 2)
    assert (lines["11"].admitted, lines["11"].seats, lines["11"].left) == (2, None, None)
    assert (table.admitted, table.seats, table.left, table.without_limit) == (5, 5, 2, 33)
    html = page.content.decode()
    assert 'placeholder="No limit"' in html and "provinces without a limit" in html
    assert html.count('name="provinces"') == 34  # a tick box per province, for setting several at once


@pytest.mark.django_db
def test_the_page_is_linked_from_the_admissions_page_and_the_program_navigation(admin_client, program):
    url = reverse("participants:quotas", args=[program.slug])
    for page in ("participants:admissions", "participants:completion"):
        assert f'href="{url}"' in admin_client.get(reverse(page, args=[program.slug])).content.decode()


@pytest.mark.django_db
def test_the_table_saves_the_quota_changed_in_it_and_records_who(admin_client, program, administrator):
    admit(program, "44", 3)
    response = send(admin_client, program, "quota-table", seats_44="12", seats_11="0")
    assert response.status_code == 302
    assert current(program) == {"44": 12, "11": 0}
    changes = {c.province.code: c for c in QuotaChange.objects.filter(program=program)}
    assert set(changes) == {"11", "44"}
    assert (changes["44"].seats_before, changes["44"].seats_after) == (None, 12)
    assert (changes["44"].changed_by, changes["44"].source) == (administrator, "table")

    # The page now shows the quota; emptying it returns the province to no limit.
    assert served_values(admin_client, program, "quota-table")["seats_44"] == ["12"]
    send(admin_client, program, "quota-table", seats_44="")
    assert current(program) == {"11": 0}
    assert QuotaChange.objects.filter(province__code="44").first().seats_after is None
    page = admin_client.get(reverse("participants:quotas", args=[program.slug]))
    assert "no limit" in page.content.decode()


@pytest.mark.django_db
def test_the_table_submitted_unchanged_changes_nothing(admin_client, program, administrator):
    set_quotas(program, administrator, p44=4)
    response = admin_client.get(send(admin_client, program, "quota-table")["Location"])
    assert "Nothing changed" in response.content.decode()
    assert current(program) == {"44": 4} and QuotaChange.objects.count() == 1


@pytest.mark.django_db
def test_lowering_a_quota_below_its_use_is_refused_with_the_numbers_and_nothing_changes(
    admin_client, program, administrator
):
    admit(program, "44", 12)
    set_quotas(program, administrator, p44=20, p11=5)
    response = send(admin_client, program, "quota-table", seats_44="11", seats_11="3", seats_31="7")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Guangdong has 12 lawyers admitted; the quota cannot be lower than 12." in html
    assert "Nothing was saved" in html
    assert current(program) == {"44": 20, "11": 5}  # Beijing's and Shanghai's changes wait with Guangdong's
    assert QuotaChange.objects.count() == 2
    # The page keeps what was typed, so only Guangdong's needs correcting.
    assert find_form(html, id="quota-table").values()["seats_11"] == ["3"]
    send(admin_client, program, "quota-table", html=html, seats_44="12")
    assert current(program) == {"44": 12, "11": 3, "31": 7}


@pytest.mark.django_db
def test_a_quota_changed_meanwhile_by_someone_else_is_not_overwritten(admin_client, program, administrator):
    set_quotas(program, administrator, p44=10, p11=5)
    html = quotas_page(admin_client, program)
    colleague = ParticipantFactory().user  # anyone; the service records who
    quotas.quotas_set(
        program=program, seats={province("44"): 30, province("33"): 8}, by=colleague, source=QuotaChange.Source.TABLE
    )
    # This administrator changes Guangdong (which the colleague changed) and Beijing (which they did not).
    response = send(admin_client, program, "quota-table", html=html, seats_44="15", seats_11="6")
    html = response.content.decode()
    assert "Guangdong: someone else changed its quota to 30 meanwhile" in html
    assert current(program) == {"44": 30, "11": 5, "33": 8}
    # Saving again, having seen the new value, saves exactly this administrator's changes; Zhejiang's stays.
    send(admin_client, program, "quota-table", html=html)
    assert current(program) == {"44": 15, "11": 6, "33": 8}


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["-1", "abc", "2.5", "10001"])
def test_a_quota_that_is_not_a_whole_number_in_range_is_refused_naming_the_province(admin_client, program, value):
    response = send(admin_client, program, "quota-table", seats_44=value, seats_11="3")
    assert response.status_code == 200
    assert "Guangdong: " in response.content.decode()
    assert current(program) == {}


# --- several at once --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_one_quota_for_the_ticked_provinces_or_for_all(admin_client, program, administrator):
    set_quotas(program, administrator, p44=40)
    send(admin_client, program, "quota-bulk", seats="6", provinces=["11", "12", "31"], press="ticked provinces")
    assert current(program) == {"44": 40, "11": 6, "12": 6, "31": 6}
    assert set(QuotaChange.objects.filter(source="bulk").values_list("province__code", flat=True)) == {"11", "12", "31"}

    send(admin_client, program, "quota-bulk", seats="9", press="all 34 provinces")
    assert len(current(program)) == 34 and set(current(program).values()) == {9}

    send(admin_client, program, "quota-bulk", seats="", provinces=["11"], press="ticked provinces")
    assert "11" not in current(program)  # empty: no limit


@pytest.mark.django_db
def test_one_quota_for_several_is_all_or_nothing_and_names_every_refusal(admin_client, program, administrator):
    admit(program, "44", 7)
    admit(program, "11", 3)
    response = send(admin_client, program, "quota-bulk", seats="2", press="all 34 provinces")
    html = response.content.decode()
    assert "Beijing has 3 lawyers admitted; the quota cannot be lower than 3." in html
    assert "Guangdong has 7 lawyers admitted; the quota cannot be lower than 7." in html
    assert current(program) == {} and not QuotaChange.objects.exists()


@pytest.mark.django_db
def test_one_quota_for_the_ticked_provinces_with_none_ticked_says_so(admin_client, program):
    response = send(admin_client, program, "quota-bulk", seats="5", press="ticked provinces")
    assert "Tick the provinces in the table first" in response.content.decode()
    assert current(program) == {}


# --- a spreadsheet ----------------------------------------------------------------------------------
def csv_file(rows: list[list[str]], encoding: str = "utf-8", name: str = "名额.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(",".join(row) for row in rows) + "\n").encode(encoding))


def xlsx_file(rows: list[list[object]], name: str = "quotas.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, program, file) -> tuple[object, dict[int, list[str]]]:
    """Posts the file through the page's import form; returns the answer and its problems by row."""
    form = find_form(quotas_page(client, program), button="Import the quotas").fill(file=file)
    response = form.submit(client, reverse("participants:quotas", args=[program.slug]))
    problems: dict[int, list[str]] = {}
    for problem in response.context["problems"] if response.status_code == 200 else []:
        problems.setdefault(problem.row, []).append(f"{problem.column}: {problem.message}")
    return response, problems


@pytest.mark.django_db
def test_a_good_spreadsheet_sets_the_quotas_it_lists(admin_client, program, administrator):
    set_quotas(program, administrator, p33=4, p32=6)
    rows = [
        ["省份", "名额"],
        ["广东省", "15"],
        ["Beijing", "１０"],  # full-width digits, as Chinese input methods type them
        ["沪", "3"],  # not a province name we know ...
    ]
    response, problems = upload(admin_client, program, csv_file(rows))
    assert problems == {4: ["省份: Unknown province “沪”."]} and current(program) == {"33": 4, "32": 6}

    rows[3] = ["31", "3"]  # ... the GB/T 2260 code is
    rows += [["Inner Mongolia", "2"], ["浙江", "不限"], ["", ""], ["合计", "30"]]
    response, problems = upload(admin_client, program, csv_file(rows))
    assert response.status_code == 302 and problems == {}
    assert current(program) == {"44": 15, "11": 10, "31": 3, "15": 2, "32": 6}  # Zhejiang: no limit; Jiangsu kept
    assert set(QuotaChange.objects.filter(source="import").values_list("province__code", flat=True)) == {
        "44", "11", "31", "15", "33"
    }  # fmt: skip


@pytest.mark.django_db
def test_a_gbk_csv_with_bad_rows_names_each_row_and_changes_nothing(admin_client, program, administrator):
    set_quotas(program, administrator, p44=8)
    rows = [
        ["省级行政区", "名额数", "备注"],
        ["广东", "12", ""],
        ["火星", "3", ""],
        ["北京", "-2", ""],
        ["天津", "很多", ""],
        ["广东省", "13", "又一行"],
        ["", "5", ""],
        ["上海", "", ""],
        ["重庆", "2.5", ""],
    ]
    response, problems = upload(admin_client, program, csv_file(rows, "gbk"))
    assert response.status_code == 200
    assert problems == {
        3: ["省级行政区: Unknown province “火星”."],
        4: ["名额数: “-2”: a quota cannot be negative."],
        5: ["名额数: “很多” is not a number."],
        6: ["省级行政区: Guangdong is already on row 2."],
        7: ["省级行政区: Required."],
        8: ["名额数: Empty: write a number, or 不限 (no limit) to remove the quota."],
        9: ["名额数: “2.5” is not a whole number."],
    }
    assert "Nothing was changed: 7 problems in the file." in response.content.decode()
    assert current(program) == {"44": 8} and QuotaChange.objects.count() == 1


@pytest.mark.django_db
def test_an_xlsx_with_bad_rows_names_each_row_and_a_good_one_is_applied(admin_client, program):
    bad = [["Province", "Quota"], ["Guangdong", 12], ["Atlantis", 3], ["44", 14], ["Hebei", -1], ["Hubei", "ten"]]
    response, problems = upload(admin_client, program, xlsx_file(bad))
    assert problems == {
        3: ["Province: Unknown province “Atlantis”."],
        4: ["Province: Guangdong is already on row 2."],
        5: ["Quota: “-1”: a quota cannot be negative."],
        6: ["Quota: “ten” is not a number."],
    }
    assert current(program) == {}
    good = [["Province", "Quota"], ["Guangdong", 12], ["Hebei", 3.0], [None, None], ["Xizang", "no limit"]]
    response, problems = upload(admin_client, program, xlsx_file(good))
    assert response.status_code == 302 and current(program) == {"44": 12, "13": 3}


@pytest.mark.django_db
def test_an_import_below_a_provinces_use_is_refused_naming_its_row(admin_client, program):
    admit(program, "44", 5)
    _response, problems = upload(admin_client, program, csv_file([["province", "quota"], ["北京", "3"], ["广东", "4"]]))
    assert problems == {3: ["quota: Guangdong has 5 lawyers admitted; the quota cannot be lower than 5."]}
    assert current(program) == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file", "message"),
    [
        (csv_file([["姓名", "名额"], ["广东", "3"]]), "Columns missing from the first row: 省份/province."),
        (SimpleUploadedFile("q.xlsx", b"PK\x03\x04 not really a workbook"), "not a readable Excel (.xlsx) file"),
        (SimpleUploadedFile("q.csv", b""), "The submitted file is empty."),
        (SimpleUploadedFile("q.csv", b" \n\n"), "The file is empty."),
        (csv_file([["省份", "名额"], ["合计", "0"]]), "The file lists no province."),
    ],
)
def test_a_file_that_is_not_a_list_of_quotas_says_why(admin_client, program, file, message):
    response, _problems = upload(admin_client, program, file)
    assert response.status_code == 200 and message in response.content.decode()
    assert current(program) == {}


# --- who may ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_only_administrators_see_or_change_quotas(
    lawyer_client, faculty_client, administrator_client, program, administrator
):
    set_quotas(program, administrator, p44=4)
    urls = [reverse(name, args=[program.slug]) for name in ("participants:quotas", "participants:quotas_bulk")]
    import_url = reverse("participants:quotas_import", args=[program.slug])
    for client in (lawyer_client, faculty_client):
        assert client.get(urls[0]).status_code == 403
        assert client.post(urls[0], {"seats_44": "1", "was_44": "4"}).status_code == 403
        assert client.post(urls[1], {"seats": "1", "scope": "all"}).status_code == 403
        assert client.post(import_url, {"file": csv_file([["省份", "名额"], ["广东", "1"]])}).status_code == 403
    # The address of a refused form, loaded again by an administrator, is the page itself.
    page = reverse("participants:quotas", args=[program.slug])
    for url in (urls[1], import_url):
        assert administrator_client.get(url)["Location"] == page
    anonymous = Client().post(urls[1], {"seats": "1", "scope": "all"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert current(program) == {"44": 4}


# --- the service ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_quota_equal_to_its_use_is_allowed_and_admission_then_needs_a_reason(program, administrator):
    admit(program, "44", 2)
    set_quotas(program, administrator, p44=2)
    applicant = ParticipantFactory(province=province("44"))
    with pytest.raises(ValidationError):
        services.admit(participant=applicant, program=program, by=administrator)
    set_quotas(program, administrator, p44=None)  # no limit: admission does not count
    assert services.admit(participant=applicant, program=program, by=administrator).state == "admitted"


@pytest.mark.django_db
def test_the_history_holds_each_change_with_before_and_after(program, administrator):
    set_quotas(program, administrator, p44=3)
    set_quotas(program, administrator, p44=3)  # the same value: nothing to record
    quotas.quotas_set_all(program=program, seats=5, provinces=[province("44"), province("11")], by=administrator)
    history = list(QuotaChange.objects.filter(program=program).order_by("pk").values_list(
        "province__code", "seats_before", "seats_after", "source"
    ))  # fmt: skip
    assert history == [("44", None, 3, "table"), ("11", None, 5, "bulk"), ("44", 3, 5, "bulk")]


@pytest.mark.django_db
def test_a_quota_change_is_named_in_beijing_time_and_says_no_limit_in_words(program, administrator):
    """As the admin's titles and recent actions name it."""
    set_quotas(program, administrator, p44=3)
    change = QuotaChange.objects.get()
    when = timezone.localtime(change.changed_at).strftime("%Y-%m-%d %H:%M")  # Asia/Shanghai
    with translation.override("zh-hans"):
        assert str(change) == f"广东省: 不限 → 3 ({when})"
    with translation.override("en"):
        assert str(change) == f"Guangdong: no limit → 3 ({when})"


# --- concurrency ------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_an_admission_racing_a_lowered_quota_never_ends_over_the_quota(administrator):
    """One place left in Guangdong: one administrator admits a lawyer into it while another lowers the
    quota to the lawyers already admitted. Either may win, never both; and each does win some rounds (the race
    is run until both have, at least 8 rounds), so the test races rather than queues one behind the other."""
    program = ProgramFactory()
    guangdong = province("44")
    winners: list[str] = []
    while len(winners) < 8 or len(set(winners)) < 2:
        assert len(winners) < 40, f"one side always won: {winners}"
        used = Admission.objects.filter(program=program, state="admitted").count()
        set_quotas(program, administrator, p44=used + 1)
        applicant = ParticipantFactory(province=guangdong)

        def admission(applicant=applicant):
            services.admit(participant=applicant, program=program, by=administrator)

        def lowering(used=used):  # the province read beforehand: like the admission, its first query is the lock
            quotas.quotas_set(
                program=program, seats={guangdong: used}, by=administrator, source=QuotaChange.Source.TABLE
            )

        answers = at_once(admission, lowering)
        errors = [a for a in answers if isinstance(a, BaseException) and not isinstance(a, ValidationError)]
        assert errors == []
        outcome = {
            name: "refused" if isinstance(answer, ValidationError) else "done"
            for name, answer in zip(("admit", "lower"), answers, strict=True)
        }
        admitted = Admission.objects.filter(program=program, state="admitted").count()
        quota = ProvinceQuota.objects.get(program=program, province=guangdong).seats
        assert admitted <= quota, f"{admitted} admitted under a quota of {quota} ({outcome})"
        assert sorted(outcome.values()) == ["done", "refused"], outcome
        winners.append(next(name for name, result in outcome.items() if result == "done"))


# --- cost -------------------------------------------------------------------------------------------
def page_queries(client, program) -> int:
    cache.clear()  # uncached (the unread badge too)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("participants:quotas", args=[program.slug])).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_page_asks_the_same_few_queries_for_a_small_and_a_large_program(admin_client, program, administrator):
    admit(program, "44", 1)
    set_quotas(program, administrator, p44=3)
    small = page_queries(admin_client, program)
    for code in ("11", "31", "32", "33", "44", "51"):
        admit(program, code, 8)
    for seats in range(10, 40):
        quotas.quotas_set_all(program=program, seats=seats, by=administrator)  # 34 changes a time
    assert QuotaChange.objects.count() > 1000
    assert page_queries(admin_client, program) == small == QUERIES


# Uncached: the session, the signed-in user with their roles, the notices badge, the program, lawyers admitted by
# province, the quotas, the 34 provinces, the recent changes.
QUERIES = 8


@pytest.mark.django_db
def test_a_bad_row_after_blank_lines_is_named_by_the_number_the_spreadsheet_shows(admin_client, program):
    rows = [["省级行政区", "名额数"], ["广东", "12"], ["", ""], ["", ""], ["火星", "3"]]
    _response, problems = upload(admin_client, program, csv_file(rows, "gbk"))
    assert problems == {5: ["省级行政区: Unknown province “火星”."]}
