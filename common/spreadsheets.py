"""Reading a spreadsheet someone uploads: CSV (UTF-8 with or without BOM, GBK/GB18030) or XLSX, into numbered
rows of cells, whatever the office saved it as (the lists of lawyers, the lists of province quotas)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import PurePath

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
