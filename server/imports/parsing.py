"""Reading an uploaded spreadsheet: XLSX (python-calamine) or CSV (UTF-8 with or
without a BOM, or GB18030 as Excel on Chinese Windows writes it), as a header and rows of text.

Anything that is not a readable table is refused here with a stable code and a Chinese message
naming the file field; nothing has been written by then.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import python_calamine

from server.errors import ApiError

#: Most data rows one file may hold (a county roster is a few thousand).
MAX_ROWS = 20_000
#: What a cell holding a formula reads as.
FORMULA = "\x00formula"


def file_error(code: str, message: str) -> ApiError:
    """A refusal of the uploaded file as a whole, shown next to the file field."""
    return ApiError(400, code, message, {"field": "file"})


@dataclass
class Sheet:
    """A table read from a file: its header and its data rows (row number in the file, cells)."""

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]


def read_sheet(data: bytes, filename: str) -> Sheet:
    """Open ``data`` as a table; rows are read lazily, at most :data:`MAX_ROWS` of them."""
    if not data.strip():
        raise file_error("import.empty_file", "文件是空的")
    if data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise file_error(
            "import.not_a_spreadsheet", "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx"
        )
    elif b"\x00" in data[:4096]:
        raise file_error("import.not_a_spreadsheet", "文件不是 Excel（.xlsx）或 CSV 表格")
    else:
        rows = _csv_rows(data)
    first = next(rows, None)
    while first is not None and not any(c for c in first[1]):
        first = next(rows, None)  # blank lines above the header
    if first is None:
        raise file_error("import.empty_file", "文件中没有表头")
    headers = _headers(first[1])
    return Sheet(headers, _bounded(rows, len(headers)))


def _headers(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    seen: set[str] = set()
    for i, name in enumerate(cells, 1):
        if not name:
            raise file_error(
                "import.header_blank", f"表头第 {i} 列为空：请拆分合并的表头单元格，每列一个标题"
            )
        if name == FORMULA:
            raise file_error("import.header_formula", f"表头第 {i} 列是公式，请改为文字")
        if name in seen:
            raise file_error("import.header_duplicate", f"表头「{name}」出现了两次")
        seen.add(name)
    return cells


def _bounded(rows: Iterator[tuple[int, list[str]]], width: int) -> Iterator[tuple[int, list[str]]]:
    count = 0
    for number, cells in rows:
        if not any(cells):
            continue
        count += 1
        if count > MAX_ROWS:
            raise file_error(
                "import.too_many_rows", f"一次最多导入 {MAX_ROWS} 行，请把文件拆分后分批导入"
            )
        yield number, (cells + [""] * width)[:width]


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise file_error(
                "import.bad_encoding", "无法识别文件编码：请保存为 UTF-8 或 GB18030 编码的 CSV"
            ) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in enumerate(reader, 1):
                yield number, [c.strip() for c in cells]
        except csv.Error as exc:
            raise file_error("import.not_a_spreadsheet", f"CSV 格式有误：{exc}") from None

    return rows()


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows (calamine reads 10,000 rows in a fraction of a second), with the
    cells that hold a formula marked: their values would be whatever Excel cached, if anything."""
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        formulas = _formula_cells(data)
    except (python_calamine.CalamineError, zipfile.BadZipFile, KeyError, ValueError, IndexError):
        raise file_error("import.not_a_spreadsheet", "文件不是有效的 Excel（.xlsx）表格") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        for number, values in enumerate(sheet.iter_rows(), 1):
            cells = [_text(v) for v in values]
            for column in formulas.get(number, ()):
                if column < len(cells):
                    cells[column] = FORMULA
            yield number, cells

    return rows()


_CELL_WITH_FORMULA = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>\s*<f[ >/]')


def _formula_cells(data: bytes) -> dict[int, list[int]]:
    """Row number → column indexes of the first sheet's cells that hold a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
        first = re.search(rb'<sheet [^>]*r:id="([^"]+)"', workbook)
        target = first and re.search(
            rb'Id="' + re.escape(first.group(1)) + rb'"[^>]*Target="([^"]+)"', rels
        )
        if not target:
            target = first and re.search(
                rb'Target="([^"]+)"[^>]*Id="' + re.escape(first.group(1)) + rb'"', rels
            )
        if not target:
            return {}
        path = target.group(1).decode().lstrip("/")
        xml = archive.read(path if path.startswith("xl/") else f"xl/{path}")
    out: dict[int, list[int]] = {}
    for match in _CELL_WITH_FORMULA.finditer(xml):
        column = 0
        for letter in match.group(1):
            column = column * 26 + letter - 64
        out.setdefault(int(match.group(2)), []).append(column - 1)
    return out


def _text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0 (phone numbers typed as numbers), dates as
    ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text
