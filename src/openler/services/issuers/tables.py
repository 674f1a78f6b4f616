"""Tables read from a file a person uploads: CSV (comma, semicolon or tab; UTF-8 with or
without a byte order mark, or UTF-16 with one; any line ending; quoted fields) or an Excel
workbook (``.xlsx``, its first sheet), row by row.

A table is read as it is iterated — the header row first, then one row at a time — so a
file of a million rows never has its cells in memory at once. Every cell arrives as text,
except the dates of a workbook, which arrive as dates; numbers a workbook stores as such
come as their shortest text (``12345``, not ``12345.0``).

>>> import io
>>> with open_table(io.BytesIO(b"\\xef\\xbb\\xbfEmail;Name\\r\\na@x.org;Ann\\r\\n")) as table:
...     (table.headers, list(table.rows))
(['Email', 'Name'], [(1, ['a@x.org', 'Ann'])])
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any

from openler.services.errors import UsageError

#: a cell as a table gives it: text, or a date a workbook stored as one
Cell = str | date
#: how many bytes of a CSV file decide its delimiter and encoding
_SAMPLE = 64 * 1024
_DELIMITERS = (",", ";", "\t")
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and other Office 97 files)
_SAVE_AS = "save it as CSV UTF-8 (in Excel: File → Save As → CSV UTF-8) or as .xlsx"


class TableError(UsageError):
    """The file cannot be read as a table at all (not the fault of one row)."""


@dataclass
class Table:
    """A table being read: its ``headers`` (unique, as written, blanks named ``column N``)
    and its ``rows`` — (row number, cells) for each row that is not blank, numbered from
    1 for the first row under the headers (blank rows are counted, not given)."""

    headers: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    #: "csv" or "xlsx"
    kind: str


@contextmanager
def open_table(source: IO[bytes]) -> Iterator[Table]:
    """Read the table in ``source`` (a binary file positioned at its start), deciding
    between CSV and XLSX from its first bytes. Raises :class:`TableError` for a file that
    is neither, an empty one, or text that is not UTF-8 (also while its rows are read)."""
    head = source.read(len(_XLSX_MAGIC))
    source.seek(0)
    if head.startswith(_XLSX_MAGIC):
        with _xlsx_table(source) as table:
            yield table
    elif head.startswith(_OLE_MAGIC):
        raise TableError(f"this looks like an old Excel .xls file; {_SAVE_AS}")
    else:
        with _csv_table(source) as table:
            yield table


@contextmanager
def _csv_table(source: IO[bytes]) -> Iterator[Table]:
    sample = source.read(_SAMPLE)
    source.seek(0)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
        try:  # a sample cut inside a character is still UTF-8 up to the cut
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        except UnicodeDecodeError as exc:
            raise TableError(_not_utf8(sample[: exc.start].count(b"\n") + 1)) from None
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    try:
        lines = _LineCounter(text)
        first = lines.peek_first()
        delimiter = max(_DELIMITERS, key=lambda d: len(next(csv.reader([first], delimiter=d), [])))
        reader = csv.reader(lines, delimiter=delimiter, strict=False)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise TableError(_csv_problem(exc, lines.number)) from None
        if header is None or not any(cell.strip() for cell in header):
            raise TableError("the file is empty: the first row must name the columns")
        yield Table(_unique_headers(header), _csv_rows(reader, lines), "csv")
    finally:
        text.detach()  # the caller's file stays the caller's to close


def _csv_rows(reader: Iterator[list[str]], lines: _LineCounter) -> Iterator[tuple[int, list[Cell]]]:
    number = 0
    while True:
        try:
            row = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise TableError(_csv_problem(exc, lines.number)) from None
        if row is None:
            return
        number += 1
        if any(cell.strip() for cell in row):
            yield number, list(row)


def _csv_problem(exc: Exception, line: int) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return _not_utf8(line)
    return f"line {line} of the file cannot be read as CSV ({exc}); {_SAVE_AS}"


def _not_utf8(line: int) -> str:
    return f"the file is not UTF-8 text (line {line} is not); {_SAVE_AS}"


class _LineCounter:
    """The lines of a text file, counted as the CSV reader takes them (for messages)."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._text = text
        self._first: str | None = None
        self.number = 0

    def peek_first(self) -> str:
        try:
            self._first = self._text.readline()
        except UnicodeDecodeError:
            raise TableError(_not_utf8(1)) from None
        return self._first

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        self.number += 1
        if self._first is not None:
            line, self._first = self._first, None
            if line:
                return line
            raise StopIteration
        line = self._text.readline()
        if not line:
            raise StopIteration
        return line


@contextmanager
def _xlsx_table(source: IO[bytes]) -> Iterator[Table]:
    from openpyxl import load_workbook  # imported when a workbook arrives: it is slow to load

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(f"the workbook cannot be read ({exc}); {_SAVE_AS}") from None
    try:
        if not workbook.worksheets:
            raise TableError("the workbook has no sheets")
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or not any(_xlsx_cell(v) for v in header):
            raise TableError("the first sheet is empty: its first row must name the columns")
        yield Table(_unique_headers([str(_xlsx_cell(v)) for v in header]), _xlsx_rows(rows), "xlsx")
    finally:
        workbook.close()


def _xlsx_rows(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[Cell]]]:
    for number, values in enumerate(rows, start=1):
        cells = [_xlsx_cell(v) for v in values]
        if any(c if isinstance(c, date) else c.strip() for c in cells):
            yield number, cells


def _xlsx_cell(value: Any) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unique_headers(header: list[str]) -> list[str]:
    """Headers as written, trimmed; a blank one is ``column N`` and a repeated one gets
    `` (2)``, so that each names one column."""
    seen: set[str] = set()
    unique: list[str] = []
    for index, raw in enumerate(header, start=1):
        name = " ".join(raw.split()) or f"column {index}"
        candidate, n = name, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate.casefold())
        unique.append(candidate)
    return unique
