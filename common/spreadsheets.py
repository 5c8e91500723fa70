"""Reading a spreadsheet someone uploads: CSV (UTF-8 with or without BOM, GBK/GB18030) or XLSX, into numbered
rows of cells, whatever the office saved it as (the lists of lawyers, the lists of province quotas)."""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from pathlib import PurePath
from xml.etree import ElementTree

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from common.text import clean_text


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why."""


def refuse_too_large(size: int) -> None:
    """Raise ImportFileError for a file over IMPORT_MAX_BYTES."""
    if size > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)s MB; split it into smaller lists.")
            % {"limit": settings.IMPORT_MAX_BYTES // 1024 // 1024}
        )


def read_upload(uploaded: UploadedFile) -> tuple[bytes, str]:
    """An uploaded file's bytes and its name without any folder; its size is checked before it is read."""
    refuse_too_large(uploaded.size)
    return uploaded.read(), PurePath(uploaded.name or "list").name[-200:]


def normalise_header(text: object) -> str:
    """A column's header as compared with the names we know: lower case, brackets, stars and underscores as spaces."""
    return re.sub(r"[\s_*（）()]+", " ", clean_text(text).lower()).strip()


def read_table(data: bytes, filename: str) -> list[tuple[int, list[object]]]:
    """The rows that hold anything, each with its number as the spreadsheet shows it (a blank line still
    counts, so "row 12" is the twelfth row the person sees, whatever is blank above it)."""
    return [(number, row) for number, row in enumerate(_read_rows(data, filename), start=1) if _filled(row)]


def is_xlsx(data: bytes, filename: str = "") -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))


def _filled(row: list[object]) -> bool:
    return any(clean_text(cell) for cell in row)


def _read_rows(data: bytes, filename: str) -> list[list[object]]:
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    refuse_too_large(len(data))
    return _read_xlsx(data) if is_xlsx(data, filename) else _read_csv(data)


def _read_xlsx(data: bytes) -> list[list[object]]:
    try:
        return _read_plain_xlsx(data)
    except _NotPlain:
        pass  # openpyxl reads it, or says it is unreadable
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    # A damaged or foreign file fails deep inside openpyxl in many ways (a bad zip, broken XML, a
    # missing part, no sheet at all); each means the same to the person uploading it.
    except Exception as error:
        raise ImportFileError(_("This is not a readable Excel (.xlsx) file.")) from error


class _NotPlain(Exception):
    """A workbook the quick reader leaves to openpyxl: dates, an unusual layout, a damaged file."""


_DIGITS = "0123456789"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _read_plain_xlsx(data: bytes) -> list[list[object]]:
    """The first worksheet's values exactly as openpyxl's read-only mode gives them (`_read_xlsx`), four times
    as fast, for what lists hold: text, numbers, booleans (openpyxl builds an object for every piece of text; a
    10,000-row list took it a second). Raises _NotPlain for anything else (a date among them), left to openpyxl."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = {
                rel.get("Id"): (rel.get("Type", "").rsplit("/", 1)[-1], _part_path(rel.get("Target", "")))
                for rel in _parse(archive, "xl/_rels/workbook.xml.rels").iter(f"{_RELATIONSHIPS}Relationship")
            }
            first = _parse(archive, "xl/workbook.xml").find(f"{_MAIN}sheets/{_MAIN}sheet")
            kind, sheet = parts[first.get(_RELATIONSHIP_ID)]
            if kind != "worksheet":
                raise _NotPlain
            by_kind = dict(parts.values())
            strings = []
            if "sharedStrings" in by_kind:
                for _event, node in _events(archive, by_kind["sharedStrings"]):
                    if node.tag == f"{_MAIN}si":
                        strings.append(_text(node).replace("x005F_", ""))
                        node.clear()
            dated = _date_styles(_parse(archive, by_kind["styles"])) if "styles" in by_kind else set()
            return _sheet_rows(_events(archive, sheet), strings, dated)
    except _NotPlain:
        raise
    except Exception as error:  # anything unexpected: openpyxl's reading decides
        raise _NotPlain from error


def _xml(archive: zipfile.ZipFile, name: str) -> bytes:
    """A part of the workbook, refused if it declares a document type: none of a workbook's parts does, and without
    one, there are no entities to expand (the attacks on XML parsers)."""
    data = archive.read(name)
    if b"<!DOCTYPE" in data:
        raise _NotPlain
    return data


def _parse(archive: zipfile.ZipFile, name: str):
    return ElementTree.fromstring(_xml(archive, name))  # noqa: S314 - no document type: _xml


def _events(archive: zipfile.ZipFile, name: str):
    return ElementTree.iterparse(io.BytesIO(_xml(archive, name)))  # noqa: S314 - no document type: _xml


def _part_path(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")


def _text(node) -> str:
    """A string's text without its formatting or its phonetic guide, as openpyxl's Text.content has it."""
    plain = node.find(f"{_MAIN}t")
    pieces = [plain.text or ""] if plain is not None else []
    pieces += [run.findtext(f"{_MAIN}t") or "" for run in node.findall(f"{_MAIN}r")]
    return "".join(pieces)


def _date_styles(styles) -> set[int]:
    """The cell styles whose number format is a date or a time: openpyxl turns their numbers into dates."""
    from openpyxl.styles.numbers import builtin_format_code, is_date_format

    custom = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(f"{_MAIN}numFmt")}
    cell_styles = styles.find(f"{_MAIN}cellXfs")
    dated = set()
    for index, style in enumerate(cell_styles if cell_styles is not None else []):
        number_format = int(style.get("numFmtId", 0))
        if is_date_format(custom.get(number_format) or builtin_format_code(number_format)):
            dated.add(index)
    return dated


def _sheet_rows(events, strings: list[str], dated: set[int]) -> list[list[object]]:
    """The rows as openpyxl's read-only worksheet gives them: numbered by their `r` (a blank row between is an empty
    one), each as wide as its last cell, or, if the sheet states its dimension, as wide as that, and no further
    down (openpyxl believes the dimension the file states)."""
    from openpyxl.utils.cell import column_index_from_string, range_boundaries

    last_column = last_row = None
    rows: list[list[object]] = []
    number = 0
    for _event, node in events:
        if node.tag == f"{_MAIN}dimension":
            _first_column, _first_row, last_column, last_row = range_boundaries(node.get("ref"))
            continue
        if node.tag != f"{_MAIN}row":
            continue
        number = int(node.get("r")) if node.get("r") else number + 1
        if last_row is not None and number > last_row:
            rows += [[None] * (last_column or 0) for _ in range(last_row - len(rows))]
            break
        if number <= len(rows):
            raise _NotPlain  # a row out of order: openpyxl's reading decides
        rows += [[None] * (last_column or 0) for _ in range(number - 1 - len(rows))]  # the blank rows above
        cells: dict[int, object] = {}
        column = 0
        for cell in node:
            reference = cell.get("r")
            column = column_index_from_string(reference.rstrip(_DIGITS)) if reference else column + 1
            cells[column] = _value(cell, strings, dated)
        width = last_column or column
        rows.append([cells.get(n) for n in range(1, width + 1)])
        node.clear()
    return rows


def _value(cell, strings: list[str], dated: set[int]) -> object:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(f"{_MAIN}is")
        return _text(inline) if inline is not None else None
    value = cell.findtext(f"{_MAIN}v") or None
    if value is None:
        return None
    if kind == "n":
        if int(cell.get("s") or 0) in dated:
            raise _NotPlain
        return float(value) if "." in value or "E" in value or "e" in value else int(value)
    if kind == "s":
        return strings[int(value)]
    if kind == "b":
        return bool(int(value))
    if kind in ("str", "e"):
        return value
    raise _NotPlain  # "d", a date written as text


def _read_csv(data: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 reads everything GBK and GB2312 write
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly any byte string
        raise ImportFileError(_("The file's characters could not be read; save it as UTF-8 or GBK CSV, or as XLSX."))
    if "\x00" in text:
        raise ImportFileError(_("This does not look like a CSV file (it holds binary data)."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="": line breaks inside quoted cells stay, and old Mac files (CR only) still split into rows.
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return list(reader)
    except csv.Error as error:  # a cell longer than the csv module takes, or a stray quote or NUL
        raise ImportFileError(
            _("Line %(line)s cannot be read as CSV (a cell is too long or badly quoted); save the file again.")
            % {"line": reader.line_num}
        ) from error
