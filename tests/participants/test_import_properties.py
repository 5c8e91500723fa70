"""Property tests of the import: whatever file arrives (any encoding, any columns, garbage, odd
workbooks), the parser returns rows whose problems name the row and column, or refuses the file
with a reason; nothing else is raised, and a refused file changes nothing."""

import csv
import io
import os
import zipfile
from contextlib import contextmanager
from datetime import date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from participants import importing
from participants.models import Admission, Enrolment, ImportJob, Participant, Province, ProvinceQuota
from tests.factories import ParticipantFactory, ProgramFactory, SessionFactory

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "0")) or None
# No deadline and no "too slow" check: the suite shares small CI machines, and a slow example is not a failure.
FUZZ = settings(
    max_examples=EXAMPLES or 20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KNOWN_LICENCE, KNOWN_EMAIL = "44030120150000001", "known.lawyer@example.cn"


@pytest.fixture
def program(db):
    program = ProgramFactory(slug="import-fuzz")
    SessionFactory(program=program, is_required=True)
    ProvinceQuota.objects.create(program=program, province=Province.objects.get(code="11"), seats=1)
    ParticipantFactory(license_number=KNOWN_LICENCE, user__email=KNOWN_EMAIL)
    return program


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def snapshot():
    return (
        list(Participant.objects.order_by("pk").values_list()),
        list(Admission.objects.order_by("pk").values_list()),
        list(Enrolment.objects.order_by("pk").values_list()),
        list(ImportJob.objects.order_by("pk").values_list("pk")),
        list(get_user_model().objects.order_by("pk").values_list("pk", "email", "is_active")),
    )


# --- cells, rows and files ---------------------------------------------------------------------
CHARS = st.characters(blacklist_categories=("Cs",))
TEXT = st.text(CHARS, max_size=30)
ALIASES = [alias for aliases in importing.COLUMNS.values() for alias in aliases]
HEADER = st.one_of(
    st.sampled_from(ALIASES), st.sampled_from(ALIASES).map(lambda a: f" {a.upper()}（*）"), TEXT, st.just("")
)
LONG = st.builds(
    lambda unit, n: unit * n, st.sampled_from(["x", "数", "1"]), st.sampled_from([61, 201, 5_000, 140_000])
)
CELL = st.one_of(
    TEXT,
    st.sampled_from(["=1+1", "+8613800138000", "-3", "@SUM(A1)", '=HYPERLINK("http://x","y")', "\t=cmd|' /c calc'!A0"]),
    st.from_regex(r"[0-9]{17}", fullmatch=True),
    st.sampled_from([KNOWN_LICENCE, KNOWN_EMAIL, "１４４０１２０１８１０１２３４５６", "44030120150000002"]),
    st.sampled_from(["广东省", "广东", "Guangdong", "44", "北京", "11", "火星", "男", "女", "f", "专利、商标", "占星"]),
    st.sampled_from(["inf", "-inf", "nan", "1e400", "70", "71", "-1", "8.9", "0x10", "٣"]),
    st.emails(),
    st.dates().map(str),
    LONG,
    st.just(""),
)


LONG_EMAIL = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".cn"  # valid, and 258 long
# Values each column usually holds (with junk now and then), so that whole rows are valid often enough
# for the examples to reach the writing too.
PLAUSIBLE = {
    "name_zh": st.sampled_from(["王芳", "李强", "欧阳娜娜", '=HYPERLINK("x")']),
    "name_latin": st.sampled_from(["Wang Fang", "", "Ouyang Nana"]),
    "gender": st.sampled_from(["男", "女", "male", "F", ""]),
    "license_number": st.one_of(st.from_regex(r"[1-9][0-9]{16}", fullmatch=True), st.just(KNOWN_LICENCE)),
    "law_firm": st.sampled_from(["广东华商律师事务所", "+律所", "-所"]),
    "province": st.sampled_from(["广东", "北京", "44", "Guangdong", "上海市", "11"]),
    "city": st.sampled_from(["深圳", "", "北京"]),
    "mobile": st.sampled_from(["13800138000", "+8613800138000", "138-0013-8000", ""]),
    "email": st.one_of(st.emails(), st.sampled_from([KNOWN_EMAIL, LONG_EMAIL])),
    "years_of_practice": st.one_of(st.integers(0, 80).map(str), st.sampled_from(["", "8.5", "inf"])),
    "specialties": st.sampled_from(["专利、商标", "patents", "", "占星"]),
    "languages": st.sampled_from(["英语", "", "英语，法语"]),
}


@st.composite
def tables(draw):
    if draw(st.booleans()):  # the columns the import knows, some left out, in any order, with stray ones
        names = [n for n in draw(st.permutations(list(importing.COLUMNS))) if draw(st.integers(0, 9))]
        header = [draw(st.sampled_from(importing.COLUMNS[n][:2])) for n in names]
        rows = [
            [draw(st.one_of(PLAUSIBLE[n], PLAUSIBLE[n], PLAUSIBLE[n], CELL)) for n in names]
            for _ in range(draw(st.integers(0, 5)))
        ]
        return [header + draw(st.lists(HEADER, max_size=2)), *rows]
    header = draw(st.lists(HEADER, max_size=9))
    return [header, *draw(st.lists(st.lists(CELL, max_size=len(header) + 2), max_size=5))]


ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "big5", "latin-1", "shift_jis"]


@st.composite
def csv_files(draw):
    table = draw(tables())
    buffer = io.StringIO()
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    if draw(st.booleans()):
        quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
        csv.writer(buffer, delimiter=delimiter, quoting=quoting).writerows(table)
    else:  # written by hand, stray quotes and all
        buffer.write("\r\n".join(delimiter.join(map(str, row)) for row in table))
    data = buffer.getvalue().encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.integers(0, 4)) == 0:  # damage: bytes cut, inserted or a NUL
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=8)) + data[cut + draw(st.integers(0, 3)) :]
    return data


def _xlsx_value(value):
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


XCELL = st.one_of(
    CELL.map(_xlsx_value),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 1, 1)),
    st.dates(min_value=date(1900, 3, 1)),
    st.booleans(),
    st.none(),
    st.sampled_from(["=SUM(1,2)", "=A1", "=1/0", '=CONCAT("4403","0120150000001")', "_x0000_", "_x0041_"]),
)


@st.composite
def xlsx_files(draw):
    table = draw(tables())
    book = Workbook()
    sheet = book.active
    for row in table:
        sheet.append([_xlsx_value(cell) if isinstance(cell, str) else cell for cell in row])
    for row in draw(st.lists(st.lists(XCELL, max_size=10), max_size=4)):
        sheet.append(row)
    for _ in range(draw(st.integers(0, 2))):  # merged cells, anywhere
        top, left = draw(st.integers(1, 6)), draw(st.integers(1, 8))
        sheet.merge_cells(start_row=top, start_column=left, end_row=top + draw(st.integers(0, 2)),
                          end_column=left + draw(st.integers(1, 2)))  # fmt: skip
    for n in range(draw(st.integers(0, 2))):  # more sheets, which the import ignores
        other = book.create_sheet(f"Sheet{n + 2}", index=draw(st.integers(0, 1 + n)))
        for row in draw(st.lists(st.lists(XCELL, max_size=4), max_size=3)):
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


BROKEN_XLSX = st.one_of(
    st.binary(max_size=300).map(lambda b: b"PK\x03\x04" + b),
    st.builds(
        _zip,
        st.dictionaries(
            st.sampled_from(["[Content_Types].xml", "xl/workbook.xml", "_rels/.rels", "xl/worksheets/sheet1.xml"]),
            st.one_of(st.binary(max_size=80), st.just(b"<?xml version='1.0'?><Types/>")),
        ),
    ),
    xlsx_files().map(lambda data: data[: len(data) // 2]),  # cut short
)
FILES = st.one_of(
    st.tuples(csv_files(), st.sampled_from(["list.csv", "名单.CSV", "list.txt", "list"])),
    st.tuples(xlsx_files(), st.sampled_from(["list.xlsx", "list.csv", "list"])),
    st.tuples(BROKEN_XLSX, st.sampled_from(["list.xlsx", "list.csv"])),
    st.tuples(st.binary(max_size=400), st.sampled_from(["list.csv", "list.xlsx"])),
    st.tuples(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b" \r\n\t"]), st.just("empty.csv")),
)


# --- the properties ----------------------------------------------------------------------------
def checked(data: bytes, name: str, program):
    """The parser's answer: a report whose every problem names its row and column, or None if refused."""
    try:
        report = importing.parse(data, name, program)
    except importing.ImportFileError as refusal:
        assert str(refusal)
        return None
    numbers = [row.number for row in report.rows]  # as the spreadsheet numbers them: blank lines still count
    assert numbers == sorted(set(numbers)) and all(number >= 2 for number in numbers)
    columns = {*report.headers.values(), *importing.COLUMNS}
    for row in report.rows:
        for problem in row.errors:
            assert problem.column in columns and problem.message
    return report


@FUZZ
@given(upload=FILES)
def test_any_file_is_parsed_or_refused_and_only_valid_rows_are_written(program, upload):
    data, name = upload
    with rolled_back():
        before = snapshot()
        report = checked(data, name, program)
        if report is None:
            return
        if not report.all_valid:
            with pytest.raises(ValidationError):
                importing.apply(report=report, program=program, by=None, source="list.csv")
            assert snapshot() == before
        outcome = importing.apply(
            report=report, program=program, by=None, source="list.csv", only_valid=True
        )  # valid rows can always be written
        assert outcome.created + outcome.updated == len(report.valid_rows)


@FUZZ
@given(upload=FILES, dry_run=st.booleans())
def test_the_command_refuses_with_a_message_and_writes_nothing_then(program, tmp_path, upload, dry_run):
    data, name = upload
    path = tmp_path / (name or "list")
    path.write_bytes(data)
    arguments = [str(path), "--program", program.slug, *(["--dry-run"] if dry_run else [])]
    with rolled_back():
        before = snapshot()
        try:
            call_command("import_participants", *arguments, stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError as refusal:
            assert str(refusal)
            assert snapshot() == before
        else:
            if dry_run:
                assert snapshot() == before


@FUZZ
@given(upload=FILES)
def test_uploading_any_file_never_answers_500_and_a_refused_file_leaves_no_job(program, administrator_client, upload):
    data, name = upload
    with rolled_back():
        before = snapshot()
        response = administrator_client.post(
            reverse("participants:import_upload", args=[program.slug]),
            {"file": SimpleUploadedFile(name, data)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code in (200, 302)
        if response.status_code == 200:  # refused, the reason shown by the file field
            assert response.context["form"].errors["file"]
            assert snapshot() == before
        else:
            job = ImportJob.objects.get()
            assert response["Location"] == reverse("participants:import_job", args=[job.pk])
            assert administrator_client.get(response["Location"]).status_code == 200


# --- what the properties found, as plain examples ------------------------------------------------
HEADER_LINE = "姓名,执业证号,律师事务所,省份,邮箱,执业年限"


@pytest.mark.django_db
@pytest.mark.parametrize("years", ["inf", "-inf", "1e400"])
def test_infinite_years_are_a_row_problem(program, years):
    data = f"{HEADER_LINE}\n王芳,44030120150000009,某所,广东,w@example.cn,{years}\n".encode()
    (row,) = importing.parse(data, "list.csv", program).rows
    assert [problem.column for problem in row.errors] == ["执业年限"]


@pytest.mark.django_db
def test_an_address_longer_than_accounts_keep_is_a_row_problem_not_a_failed_write(program):
    data = f"{HEADER_LINE}\n王芳,44030120150000009,某所,广东,{LONG_EMAIL},\n".encode()
    with translation.override("en"):
        report = importing.parse(data, "list.csv", program)
        assert [(p.column, p.message) for p in report.rows[0].errors] == [("邮箱", "Longer than 254 characters.")]
    assert importing.apply(report=report, program=program, by=None, source="list.csv", only_valid=True).created == 0


@pytest.mark.django_db
def test_old_mac_line_endings_split_rows(program):
    data = f"{HEADER_LINE}\r王芳,44030120150000009,某所,广东,w@example.cn,8\r".encode("gbk")
    report = importing.parse(data, "list.csv", program)
    assert report.all_valid and len(report.rows) == 1


@pytest.mark.django_db
def test_a_cell_too_long_for_csv_refuses_the_file_naming_the_line(program):
    data = f"{HEADER_LINE}\n王芳,44030120150000009,某所,广东,w@example.cn,8\n{'x' * 140_000},1,2,3,4,5\n".encode()
    with translation.override("en"), pytest.raises(importing.ImportFileError, match="Line 3 cannot be read"):
        importing.parse(data, "list.csv", program)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "members",
    [{"[Content_Types].xml": b"\x00garbage"}, {"[Content_Types].xml": b"<?xml version='1.0'?><Types/>"}],
)
def test_a_workbook_with_broken_parts_is_refused_as_unreadable(program, administrator_client, members):
    with translation.override("en"), pytest.raises(importing.ImportFileError, match="not a readable Excel"):
        importing.parse(_zip(members), "list.xlsx", program)
    response = administrator_client.post(
        reverse("participants:import_upload", args=[program.slug]),
        {"file": SimpleUploadedFile("list.xlsx", _zip(members))},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "not a readable Excel" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()
