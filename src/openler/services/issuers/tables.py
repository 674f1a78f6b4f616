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

import defusedxml.ElementTree as SafeET

from openler.services.errors import UsageError

#: a cell as a table gives it: text, or a date a workbook stored as one
Cell = str | date
#: how many bytes of a CSV file decide its delimiter and encoding
_SAMPLE = 64 * 1024
_DELIMITERS = (",", ";", "\t")
_RECORD_LINES = 20  # lines read to find the first record's delimiters
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and other Office 97 files)
#: the largest workbook manifest (``[Content_Types].xml``) read
_MAX_MANIFEST = 1_000_000
_SAVE_AS = "save it as CSV UTF-8 (in Excel: File → Save As → CSV UTF-8) or as .xlsx"


class TableError(UsageError):
    """The file cannot be read as a table at all (not the fault of one row)."""


@dataclass(frozen=True)
class Limits:
    """How large a table may be. A workbook is a zip archive, so a small file may expand
    a thousandfold; its parts' sizes are checked before anything is read, and openpyxl
    holds the shared text of a workbook in memory whole, so that part is bounded more
    tightly. ``rows`` counts every row under the headers, blank ones too (None: any)."""

    columns: int = 1000
    rows: int | None = None
    #: the bytes all the parts of a workbook may expand to together
    expanded: int = 1_000_000_000
    #: the bytes a workbook's shared text may expand to
    shared_strings: int = 32_000_000


#: what a roster file read on the command line may be
DEFAULT_LIMITS = Limits()


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
def open_table(source: IO[bytes], *, limits: Limits = DEFAULT_LIMITS) -> Iterator[Table]:
    """Read the table in ``source`` (a binary file positioned at its start), deciding
    between CSV and XLSX from its first bytes. Raises :class:`TableError` for a file that
    is neither, an empty one, text that is not UTF-8, or a table beyond ``limits`` (also
    while its rows are read). Cells beyond the last header are dropped."""
    head = source.read(len(_XLSX_MAGIC))
    source.seek(0)
    if head.startswith(_XLSX_MAGIC):
        table_of = _xlsx_table
    elif head.startswith(_OLE_MAGIC):
        raise TableError(f"this looks like an old Excel .xls file; {_SAVE_AS}")
    else:
        table_of = _csv_table
    with table_of(source, limits) as table:
        if len(table.headers) > limits.columns:
            raise TableError(
                f"the file has {len(table.headers):,} columns; a roster may have at most "
                f"{limits.columns:,}"
            )
        table.rows = _bounded(table.rows, len(table.headers), limits.rows)
        yield table


def _bounded(
    rows: Iterator[tuple[int, list[Cell]]], width: int, most: int | None
) -> Iterator[tuple[int, list[Cell]]]:
    """The rows that are not blank, each cut to ``width`` cells; refused past row ``most``
    (blank rows count: a sheet of a million empty rows takes as long to read)."""
    for number, cells in rows:
        if most is not None and number > most:
            raise TableError(f"the file has more than {most:,} rows; split it into smaller files")
        kept = cells[:width]
        if any(c if isinstance(c, date) else c.strip() for c in kept):
            yield number, kept


@contextmanager
def _csv_table(source: IO[bytes], limits: Limits) -> Iterator[Table]:
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
        delimiter = max(_DELIMITERS, key=lambda d: len(next(csv.reader(first, delimiter=d), [])))
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
        self._first: list[str] = []
        self.number = 0

    def peek_first(self) -> list[str]:
        """The lines of the first record: a quoted cell may hold line breaks, so lines are
        read while a quote is open (up to a few, for a stray quote)."""
        try:
            while len(self._first) < _RECORD_LINES:
                line = self._text.readline()
                if not line:
                    break
                self._first.append(line)
                if "".join(self._first).count('"') % 2 == 0:
                    break
        except UnicodeDecodeError:
            raise TableError(_not_utf8(len(self._first) + 1)) from None
        return list(self._first)

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        self.number += 1
        line = self._first.pop(0) if self._first else self._text.readline()
        if not line:
            raise StopIteration
        return line


@contextmanager
def _xlsx_table(source: IO[bytes], limits: Limits) -> Iterator[Table]:
    from openpyxl import load_workbook  # imported when a workbook arrives: it is slow to load

    try:
        _check_expansion(source, limits)
        source.seek(0)
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SafeET.ParseError) as exc:
        raise TableError(f"the workbook cannot be read ({exc}); {_SAVE_AS}") from None
    try:
        if not workbook.worksheets:
            raise TableError("the workbook has no sheets")
        sheet = workbook.worksheets[0]
        header = next(sheet.iter_rows(max_row=1, values_only=True), None)
        if header is None or not any(_xlsx_cell(v) for v in header):
            raise TableError("the first sheet is empty: its first row must name the columns")
        headers = _unique_headers([str(_xlsx_cell(v)) for v in header])
        # rows as wide as the headers: a cell far to the right would widen every row
        width = max(1, min(len(headers), limits.columns))
        rows = sheet.iter_rows(min_row=2, max_col=width, values_only=True)
        yield Table(headers, _xlsx_rows(rows), "xlsx")
    finally:
        workbook.close()


def _check_expansion(source: IO[bytes], limits: Limits) -> None:
    """Refuse a workbook whose parts expand beyond ``limits`` — from the sizes its zip
    directory declares (reading a part stops at its declared size) — before openpyxl
    reads any of it. The shared text is the part openpyxl's manifest names, wherever it
    is in the archive."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS

    with zipfile.ZipFile(source) as archive:
        infos = archive.infolist()
        total = sum(info.file_size for info in infos)
        if total > limits.expanded:
            raise TableError(
                f"the workbook expands to {total / 1e6:,.0f} MB (the limit is "
                f"{limits.expanded / 1e6:,.0f} MB); {_SAVE_AS}, or split it"
            )
        manifest = archive.getinfo(ARC_CONTENT_TYPES)
        if manifest.file_size > _MAX_MANIFEST:
            raise TableError(f"the workbook's list of parts is too large; {_SAVE_AS}")
        found = Manifest.from_tree(SafeET.fromstring(archive.read(manifest))).find(SHARED_STRINGS)
        if found is None:
            return
        name = found.PartName[1:]
        size = sum(info.file_size for info in infos if info.filename == name)
        if size > limits.shared_strings:
            raise TableError(
                f"the workbook's shared text expands to {size / 1e6:,.0f} MB (the limit is "
                f"{limits.shared_strings / 1e6:,.0f} MB); {_SAVE_AS}, or split it"
            )


def _xlsx_rows(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[Cell]]]:
    for number, values in enumerate(rows, start=1):
        yield number, [_xlsx_cell(v) for v in values]


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
