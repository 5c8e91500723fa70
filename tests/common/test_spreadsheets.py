"""The quick XLSX reader gives what openpyxl's read-only mode gives, cell for cell, or leaves the file to it."""

import io
import zipfile
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from common.spreadsheets import ImportFileError, _NotPlain, _read_plain_xlsx, _read_xlsx


def _openpyxl(data: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _book(rows, *, write_only: bool = False, at: dict | None = None) -> bytes:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    for row in rows:
        sheet.append(row)
    for reference, value in (at or {}).items():
        sheet[reference] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
CELL = st.one_of(
    st.none(), TEXT, st.integers(-(10**15), 10**15), st.floats(allow_nan=False, allow_infinity=False), st.booleans()
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, max_size=6), max_size=8), write_only=st.booleans())
def test_the_quick_reader_gives_what_openpyxl_gives(rows, write_only):
    data = _book(rows, write_only=write_only)
    assert _read_plain_xlsx(data) == _openpyxl(data)


def test_gaps_far_columns_rich_text_and_formulas_read_as_openpyxl_reads_them():
    rich = CellRichText(["专利", TextBlock(InlineFont(b=True), "商标"), " 版权"])
    data = _book(
        [["姓名", None, "  空格  ", "x005F_text"], [], [1, 2.5, 1e20, True, "=1+1"], [rich]],
        at={"AB7": "far", "C9": "line\nbreak"},
    )
    quick = _read_plain_xlsx(data)
    assert quick == _openpyxl(data)
    assert (quick[3][0], quick[6][27], quick[8][2]) == ("专利商标 版权", "far", "line\nbreak")
    assert not any(quick[7])


def test_a_date_leaves_the_file_to_openpyxl_which_reads_it_as_a_date():
    data = _book([["执业日期"], [datetime(2020, 5, 1, 9, 30)]])
    with pytest.raises(_NotPlain):
        _read_plain_xlsx(data)
    assert _read_xlsx(data) == _openpyxl(data) == [["执业日期"], [datetime(2020, 5, 1, 9, 30)]]


def test_rows_past_the_dimension_the_sheet_states_are_not_read_by_either():
    data = _book([["姓名"], ["王芳"], ["李强"]])
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer := io.BytesIO(), "w") as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(b'<dimension ref="A1:A3"', b'<dimension ref="A1:B2"')
            target.writestr(item, part)
    assert _read_plain_xlsx(buffer.getvalue()) == _openpyxl(buffer.getvalue()) == [["姓名", None], ["王芳", None]]


def test_a_damaged_workbook_is_still_refused_with_a_reason():
    data = _book([["姓名"], ["王芳"]])
    with pytest.raises(ImportFileError):
        _read_xlsx(data[: len(data) // 2])
