"""Spreadsheet exports that are safe to open: no cell can start a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_response(
    *, filename: str, fmt: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    safe_rows = [[neutralise(cell) for cell in row] for row in rows]
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append([str(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in safe_rows:
            sheet.append(row)
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(max(10, width * 1.6), 50)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        buffer = io.StringIO()
        buffer.write("\ufeff")  # a BOM, so Excel opens UTF-8 Chinese text correctly
        writer = csv.writer(buffer)
        writer.writerow([str(h) for h in header])
        writer.writerows(safe_rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
