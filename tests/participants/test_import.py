"""Provincial lists in the encodings and formats China's offices send, and every way a row can be wrong."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants import importing
from participants.models import Admission, Enrolment, IdentityChange, Participant, Province, ProvinceQuota
from participants.services import quotas
from sessions.models import SessionStatus
from tests.factories import AdmissionFactory, ParticipantFactory, ProgramFactory, SessionFactory, at
from tests.support import client_for

from .support import GOOD, HEADER_ZH, csv_bytes, xlsx_bytes


@pytest.fixture
def program():
    return ProgramFactory()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name"),
    [
        (csv_bytes([HEADER_ZH, *GOOD]), "list.csv"),
        (csv_bytes([HEADER_ZH, *GOOD], "utf-8-sig"), "list.csv"),
        (csv_bytes([HEADER_ZH, *GOOD], "gbk"), "list.csv"),
        (csv_bytes([HEADER_ZH, *GOOD], "gb18030"), "广东.csv"),
        (xlsx_bytes([HEADER_ZH.split(","), *(line.split(",") for line in GOOD)]), "list.xlsx"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "xlsx"],
)
def test_every_usual_format_imports_and_admits(program, data, name):
    required = SessionFactory(program=program, is_required=True)
    report = importing.parse(data, name, program)
    assert report.all_valid, [r.errors for r in report.rows]
    outcome = importing.apply(report=report, program=program, by=None, source="list.csv")
    assert (outcome.created, outcome.updated) == (2, 0)
    wang = Participant.objects.get(license_number="14401201810123456")
    assert (wang.name_zh, wang.province.code, wang.gender, wang.specialties) == (
        "王芳", "44", "female", ["patents", "trademarks"]
    )  # fmt: skip
    assert wang.user.email == "wangfang@example.cn" and not wang.user.is_active
    assert Admission.objects.filter(program=program, state="admitted").count() == 2
    assert required.enrolments.filter(state="confirmed").count() == 2
    assert len(outcome.new_user_ids) == 2


@pytest.mark.django_db
def test_an_import_seats_every_lawyer_once_in_each_required_session_whatever_they_held(program):
    """A waitlist place becomes the seat, a seat held stays the one seat, a cancelled enrolment stays in the history
    beside a new seat, whatever the capacity; electives and cancelled sessions give none."""
    first, second = (SessionFactory(program=program, is_required=True, capacity=1) for _ in range(2))
    elective = SessionFactory(program=program)
    called_off = SessionFactory(program=program, is_required=True, status=SessionStatus.CANCELLED)
    waiting, gave_up, seated = (ParticipantFactory() for _ in range(3))
    now = at(1, 9)  # when each was enrolled: any time
    place = Enrolment.objects.create(participant=waiting, session=first, state="waitlisted", waitlisted_at=now)
    Enrolment.objects.create(participant=gave_up, session=first, state="cancelled", cancelled_at=now)
    seat = Enrolment.objects.create(participant=seated, session=second, state="confirmed", confirmed_at=now)
    on_record = [
        f"{p.name_zh},,男,{p.license_number},某所,广东,深圳,,{p.user.email},,," for p in (waiting, gave_up, seated)
    ]
    lines = [HEADER_ZH, *on_record, "新律师,,女,14401201899999999,某所,广东,深圳,,new@example.cn,,,"]

    importing.apply(report=importing.parse(csv_bytes(lines), "list.csv", program), program=program, by=None, source="x")
    lawyers = [waiting, gave_up, seated, Participant.objects.get(license_number="14401201899999999")]
    live = Enrolment.objects.active().filter(session__in=[first, second, elective, called_off])
    assert sorted(live.values_list("participant_id", "session_id", "state")) == sorted(
        (lawyer.pk, session.pk, "confirmed") for lawyer in lawyers for session in (first, second)
    )
    assert Enrolment.objects.get(pk=place.pk).state == Enrolment.objects.get(pk=seat.pk).state == "confirmed"
    assert Enrolment.objects.filter(participant=gave_up, session=first, state="cancelled").count() == 1


@pytest.mark.django_db
def test_english_headers_full_width_digits_and_province_spellings(program):
    lines = [
        "Name, License Number ,Law Firm,Province,E-mail,Unused column",
        "张三,１４４０１２０１８１０１２３４５６,某律所,Guangdong,zhang@example.cn,x",
        "李四, 3310120181012 3457 ,某律所,33,li@example.cn,y",
        "赵五,31101201810123458,某律所,上海市,zhao@example.cn,z",
    ]
    report = importing.parse(csv_bytes(lines), "list.csv", program)
    assert report.all_valid, [r.errors for r in report.rows]
    assert report.unknown_columns == ["Unused column"]
    assert [r.values["province"].code for r in report.rows] == ["44", "33", "31"]
    assert report.rows[0].values["license_number"] == "14401201810123456"


@pytest.mark.django_db
def test_each_bad_row_is_named_by_row_and_column_and_nothing_is_written(program):
    existing_email = ParticipantFactory().user.email
    lines = [
        HEADER_ZH,
        GOOD[0],
        "无证号,,男,1440120,某所,广东,深圳,,a@example.cn,,,",  # row 3: short licence
        "重复,,男,14401201810123456,某所,广东,深圳,,b@example.cn,,,",  # row 4: same licence as row 2
        "无省份,,男,14401201810123459,某所,火星,深圳,,c@example.cn,,,",  # row 5
        "坏邮箱,,男,14401201810123460,某所,广东,深圳,,not-an-email,,,",  # row 6
        f"占用,,男,14401201810123461,某所,广东,深圳,,{existing_email},,,",  # row 7
        "坏领域,,男,14401201810123462,某所,广东,深圳,,e@example.cn,abc,=占星,",  # row 8: years and specialty
    ]
    report = importing.parse(csv_bytes(lines), "list.csv", program)
    errors = {row.number: row.errors for row in report.invalid_rows}
    assert set(errors) == {3, 4, 5, 6, 7, 8}
    assert errors[3][0].column == "执业证号"
    assert "row 2" in errors[4][0].message or "第2行" in errors[4][0].message
    assert errors[5][0].column == "省份"
    assert {problem.column for problem in errors[8]} == {"执业年限", "专业领域"}
    with pytest.raises(ValidationError):
        importing.apply(report=report, program=program, by=None, source="list.csv")
    assert not Participant.objects.filter(license_number="14401201810123456").exists()

    outcome = importing.apply(report=report, program=program, by=None, source="list.csv", only_valid=True)
    assert (outcome.created, outcome.skipped) == (1, 6)


@pytest.mark.django_db
def test_a_known_licence_updates_the_lawyer_instead_of_duplicating(program):
    lawyer = ParticipantFactory(license_number="14401201810123456", law_firm="旧律所")
    line = f"王芳,,女,14401201810123456,新律所,广东,深圳,,{lawyer.user.email},,,"
    report = importing.parse(csv_bytes([HEADER_ZH, line]), "list.csv", program)
    assert report.all_valid, report.rows[0].errors
    outcome = importing.apply(report=report, program=program, by=None, source="list.csv")
    assert (outcome.created, outcome.updated) == (0, 1)
    lawyer.refresh_from_db()
    assert lawyer.law_firm == "新律所"
    assert Participant.objects.count() == 1


@pytest.mark.django_db
def test_a_list_that_changes_who_a_lawyer_is_leaves_it_in_their_history(program, administrator):
    """A name, firm or province a provincial list changes is kept as an office's edit would be: before,
    after, who imported it and the list as the reason; contact details change without a trace, and a cell
    left empty (here the Latin name and the mobile) keeps what is on record."""
    lawyer = ParticipantFactory(
        license_number="14401201810123456", name_zh="王芳", name_latin="Wang Fang", law_firm="旧律所", city="广州",
        mobile="13800138000",
    )  # fmt: skip
    line = f"王芳,,女,14401201810123456,新律所,北京,深圳,,{lawyer.user.email},,,"
    report = importing.parse(csv_bytes([HEADER_ZH, line]), "gd.csv", program)
    importing.apply(report=report, program=program, by=administrator, source="广东省名单.xlsx")
    history = {(c.field, c.before, c.after, c.changed_by, c.source, c.reason) for c in lawyer.identity_changes.all()}
    assert history == {  # the list's file name, the words around it said in the language of whoever reads it
        ("law_firm", "旧律所", "新律所", administrator, "list", "广东省名单.xlsx"),
        ("province", "44", "11", administrator, "list", "广东省名单.xlsx"),
        ("gender", "", "female", administrator, "list", "广东省名单.xlsx"),
    }
    again = importing.parse(csv_bytes([HEADER_ZH, line]), "gd.csv", program)
    importing.apply(
        report=again, program=program, by=administrator, source="again.csv"
    )  # the same list: nothing changes
    assert lawyer.identity_changes.count() == 3
    lawyer.refresh_from_db()
    assert (lawyer.name_latin, lawyer.mobile, lawyer.city, lawyer.law_firm) == (
        "Wang Fang",
        "13800138000",
        "深圳",
        "新律所",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_history_names_the_list_in_the_language_of_whoever_reads_it(program, administrator, language):
    lawyer = ParticipantFactory(license_number="14401201810123456", law_firm="旧律所")
    line = f"王芳,,,14401201810123456,新律所,广东,,,{lawyer.user.email},,,"
    report = importing.parse(csv_bytes([HEADER_ZH, line]), "gd.csv", program)
    importing.apply(report=report, program=program, by=administrator, source="广东省名单.xlsx")
    client = client_for(administrator, language)
    page = client.get(reverse("participants:lawyer_edit", args=[lawyer.pk]))
    history = page.text.split('id="identity-history"')[1]
    expected = {"zh-hans": "省级名单“广东省名单.xlsx”", "en": "Provincial list “广东省名单.xlsx”"}[language]
    assert expected in history


@pytest.mark.django_db
def test_a_list_moving_many_lawyers_costs_the_queries_of_one(program, administrator):
    """Each lawyer's history is written without a query of its own (a province change once cost one each)."""

    def cost(lawyers: int) -> int:
        moving = [ParticipantFactory() for _ in range(lawyers)]  # Guangdong, moved to Beijing with a new firm
        lines = [HEADER_ZH, *(f"{p.name_zh},,,{p.license_number},新所,北京,,,{p.user.email},,," for p in moving)]
        report = importing.parse(csv_bytes(lines), "list.csv", program)
        with CaptureQueriesContext(connection) as queries:
            importing.apply(report=report, program=program, by=administrator, source="list.csv")
        assert IdentityChange.objects.filter(participant__in=moving, field="province").count() == lawyers
        return len(queries)

    assert cost(1) == cost(6)


@pytest.mark.django_db
def test_quotas_are_checked_row_by_row(program):
    ProvinceQuota.objects.create(program=program, province=Province.objects.get(code="44"), seats=1)
    second = GOOD[0].replace("14401201810123456", "14401201810123457").replace("wangfang@", "wang2@")
    report = importing.parse(csv_bytes([HEADER_ZH, GOOD[0], second]), "list.csv", program)
    assert [r.number for r in report.invalid_rows] == [3]


def _moving(lawyer, province: str) -> str:
    return f"{lawyer.name_zh},,男,{lawyer.license_number},{lawyer.law_firm},{province},,,{lawyer.user.email},,,"


@pytest.mark.django_db
def test_a_list_moving_an_admitted_lawyer_into_a_full_province_is_refused_the_row(program):
    """R1's case: Beijing's one place is taken; the list moves a lawyer admitted under Guangdong to Beijing. A list
    cannot give the reason admission over a quota needs, so the row is refused, and nothing moves."""
    beijing = Province.objects.get(code="11")
    AdmissionFactory(program=program, participant__province=beijing, participant__license_number="11101201510654321")
    ProvinceQuota.objects.create(program=program, province=beijing, seats=1)
    lawyer = AdmissionFactory(program=program).participant  # Guangdong, admitted
    report = importing.parse(csv_bytes([HEADER_ZH, _moving(lawyer, "北京")]), "list.csv", program)
    assert [(p.code, p.params) for p in report.rows[0].errors] == [("quota_full", {"province": "11", "seats": 1})]
    assert importing.apply(report=report, program=program, by=None, source="list.csv", only_valid=True).skipped == 1
    line = next(line for line in quotas.quota_table(program).lines if line.province == beijing)
    assert (line.admitted, line.seats, line.over) == (1, 1, 0)


@pytest.mark.django_db
def test_a_lawyer_the_list_moves_out_of_a_province_leaves_a_place_there_for_a_later_row(program):
    guangdong, beijing = Province.objects.get(code="44"), Province.objects.get(code="11")
    ProvinceQuota.objects.create(program=program, province=guangdong, seats=1)
    ProvinceQuota.objects.create(program=program, province=beijing, seats=2)
    moved = AdmissionFactory(program=program).participant  # Guangdong's one place
    stays = AdmissionFactory(program=program, participant__province=beijing).participant
    lines = [HEADER_ZH, _moving(stays, "北京"), _moving(moved, "北京"), GOOD[0]]  # GOOD[0]: a new lawyer, Guangdong
    report = importing.parse(csv_bytes(lines), "list.csv", program)
    assert report.all_valid, [(r.number, r.errors) for r in report.invalid_rows]
    importing.apply(report=report, program=program, by=None, source="list.csv")
    table = {line.province.code: (line.admitted, line.seats) for line in quotas.quota_table(program).lines}
    assert (table["11"], table["44"]) == ((2, 2), (1, 1))
    # And the other way round: a new lawyer first takes the last place, then the move finds none.
    again = importing.parse(csv_bytes([HEADER_ZH, _moving(moved, "广东")]), "list.csv", program)
    assert [p.code for p in again.rows[0].errors] == ["quota_full"]


@pytest.mark.django_db
def test_invisible_and_control_characters_never_reach_a_lawyers_record(program):
    """Names and firms are printed on certificates: a terminal escape, a zero-width space or a right-to-left
    override pasted into any cell is dropped, full-width letters are made half-width, spaces made one."""
    hidden = "\x1b\u200b\u202e\u2066\ufeff\u00ad"
    line = ",".join(
        [
            f"王{hidden}芳", f"Ｗａｎｇ{hidden}  Fang", "女", f"1440120181{hidden}0123456", f"某所{hidden}",
            "广东", f"深{hidden}圳", "", f"wf{hidden}@example.cn", "8", f"专利{hidden}", f"英语{hidden}",
        ]
    )  # fmt: skip
    report = importing.parse(csv_bytes([HEADER_ZH, line]), "list.csv", program)
    assert report.all_valid, report.rows[0].errors
    importing.apply(report=report, program=program, by=None, source="list.csv")
    lawyer = Participant.objects.select_related("user").get()
    stored = (lawyer.name_zh, lawyer.name_latin, lawyer.license_number, lawyer.law_firm, lawyer.city)
    assert stored == ("王芳", "Wang Fang", "14401201810123456", "某所", "深圳")
    assert (lawyer.user.email, lawyer.specialties, lawyer.languages) == ("wf@example.cn", ["patents"], "英语")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "empty"),
        (b"   \n\n", "blank.csv", "empty"),
        (b"\x00\x01\x02binary", "x.csv", "binary"),
        (b"PK\x03\x04not really a zip", "x.xlsx", "Excel"),
        (csv_bytes(["名字,电话", "张三,1"]), "x.csv", "missing"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(program, settings, data, name, message):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(importing.ImportFileError) as error:
        importing.parse(data, name, program)
    assert message.lower() in str(error.value).lower()


@pytest.mark.django_db
def test_oversized_files_are_refused(program, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(importing.ImportFileError):
        importing.parse(csv_bytes([HEADER_ZH, *GOOD]), "big.csv", program)


@pytest.mark.django_db
def test_formula_cells_are_kept_as_plain_text(program):
    line = '=HYPERLINK("http://x"),,女,14401201810123456,+律所,广东,深圳,,f@example.cn,,,'
    report = importing.parse(csv_bytes([HEADER_ZH, line]), "list.csv", program)
    importing.apply(report=report, program=program, by=None, source="list.csv")
    lawyer = Participant.objects.get()
    assert lawyer.name_zh.startswith("=HYPERLINK")  # stored as text; exports neutralise it


@pytest.mark.django_db
def test_command_dry_run_writes_nothing_and_reports_rows(program, tmp_path, capsys):
    path = tmp_path / "gd.csv"
    path.write_bytes(csv_bytes([HEADER_ZH, *GOOD, "坏,,男,123,所,广东,,,x@example.cn,,,"], "gbk"))
    call_command("import_participants", str(path), "--program", program.slug, "--dry-run")
    captured = capsys.readouterr()
    assert "2 valid row(s), 1 with errors" in captured.out
    assert "row 4" in captured.err
    assert not Participant.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_participants", str(path), "--program", program.slug)
    call_command("import_participants", str(path), "--program", program.slug, "--only-valid")
    assert Participant.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("import_participants", str(path), "--program", "no-such-program")


@pytest.mark.django_db
def test_an_address_of_another_lawyer_on_record_is_a_row_problem_even_when_that_lawyer_is_in_the_file(program):
    other = ParticipantFactory(license_number="14401201810123457", user__email="shared@example.cn")
    lines = [
        HEADER_ZH,
        "王芳,,女,14401201810123456,某所,广东,深圳,,shared@example.cn,,,",  # a new lawyer, someone else's address
        f"{other.name_zh},,男,14401201810123457,某所,广东,深圳,,shared@example.cn,,,",  # that someone, as on record
    ]
    report = importing.parse(csv_bytes(lines), "list.csv", program)
    assert [(row.number, [p.code for p in row.errors]) for row in report.rows] == [
        (2, ["email_taken"]),
        (3, ["email_repeated"]),
    ]
    outcome = importing.apply(
        report=report, program=program, by=None, source="list.csv", only_valid=True
    )  # wrote nothing it did not check
    assert (outcome.created, outcome.updated) == (0, 0) and Participant.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_row_is_named_by_the_number_the_spreadsheet_shows_blank_lines_included(program, fmt):
    """Offices leave blank lines between a list's parts: the bad row is still named by its own number."""
    bad = GOOD[1].replace("11101201510654321", "1110120151065432")  # a digit short
    lines = ["", HEADER_ZH, GOOD[0], "", "", bad]  # the header on row 2, the bad lawyer on row 6
    data = csv_bytes(lines) if fmt == "csv" else xlsx_bytes([line.split(",") if line else [None] for line in lines])
    report = importing.parse(data, f"list.{fmt}", program)
    assert [row.number for row in report.rows] == [3, 6]
    assert [row.number for row in report.invalid_rows] == [6]
