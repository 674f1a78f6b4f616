"""What every reader shares: the error it raises, the problems it reports row by row, the
limits it holds hostile files to, and the decoding and table parsing under them.

ReaderError               a file that cannot be read at all (too large, not UTF-8, not the format)
Problem                   one row that was skipped, and why (the reading goes on)
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any


class ReaderError(ValueError):
    """The whole file is refused; ``message`` says what to do about it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Problem:
    """A row skipped: ``source`` (the file's name), ``line`` (1 is the first line; 0 the
    whole file, left aside) and why."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return f"{self.source}: {self.message}"
        return f"{self.source}, line {self.line}: {self.message}"


@dataclass(frozen=True)
class Limits:
    """What a reader accepts before it refuses a file whole. The defaults hold the largest
    published files (O*NET's 2.6 MB Technology Skills, ESCO's 6 MB skills export) with room."""

    #: bytes in one file
    max_bytes: int = 200_000_000
    #: data rows (or JSON entries) in one file
    max_rows: int = 2_000_000
    #: characters in one cell (a label, a description)
    max_cell: int = 100_000
    #: items one framework may hold
    max_items: int = 1_000_000
    #: problems listed before the reader gives up on a file that is plainly not the format
    max_problems: int = 1_000


LIMITS = Limits()


class Problems:
    """The problems of one reading: appended to the caller's list when it gave one,
    otherwise the first one refuses the file (so nothing is ever skipped unseen)."""

    def __init__(self, sink: list[Problem] | None, limits: Limits) -> None:
        self.sink = sink
        self.limits = limits
        self.count = 0

    def add(self, source: str, line: int, message: str) -> None:
        problem = Problem(source, line, message)
        if self.sink is None:
            reason = message.removesuffix(": skipped")
            raise ReaderError(f"{source}, line {line}: {reason} (nothing was imported)")
        self.count += 1
        if self.count > self.limits.max_problems:
            raise ReaderError(
                f"{source}: more than {self.limits.max_problems} rows could not be read — "
                "is it the right file for this kind of framework?"
            )
        self.sink.append(problem)

    def note(self, source: str, message: str) -> None:
        """A whole file left aside (one the format does not use): said, never refusing."""
        if self.sink is not None:
            self.sink.append(Problem(source, 0, message))


def text_of(data: bytes | str, source: str, limits: Limits) -> str:
    """The file's text: UTF-8 (a byte-order mark is dropped), no larger than the limits."""
    size = len(data)
    if size > limits.max_bytes:
        raise ReaderError(
            f"{source} is {size:,} bytes, more than the {limits.max_bytes:,} a framework file "
            "may have"
        )
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ReaderError(
            f"{source}, line {line}: not UTF-8 text (byte {exc.start:,}); save the file as UTF-8"
        ) from None


def json_of(data: bytes | str, source: str, limits: Limits) -> Any:
    text = text_of(data, source, limits)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReaderError(f"{source}, line {exc.lineno}: not JSON ({exc.msg})") from None
    except RecursionError:
        raise ReaderError(f"{source}: JSON nested too deeply") from None


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


def rows_of(
    text: str, source: str, limits: Limits, problems: Problems, *, delimiter: str | None = None
) -> tuple[Sequence[str], Iterator[Row]]:
    """The header and the data rows of a CSV (or, by its first line, tab-separated) table.

    O*NET's text files are tab-separated without quoting; ESCO's are quoted CSV whose cells
    hold line breaks, so a row's ``line`` is where it starts.
    """
    first = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = "\t" if "\t" in first else ","
    stream = io.StringIO(text, newline="")
    if delimiter == "\t":
        reader = csv.reader(stream, delimiter=delimiter, quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ReaderError(f"{source} is empty") from None
    except csv.Error as exc:
        raise ReaderError(f"{source}, line 1: {exc}") from None
    return header, _data_rows(reader, header, source, limits, problems)


def _data_rows(
    reader: Any, header: Sequence[str], source: str, limits: Limits, problems: Problems
) -> Iterator[Row]:
    count = 0
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ReaderError(f"{source}, line {start}: {exc}") from None
        if not any(c.strip() for c in cells):
            continue
        count += 1
        if count > limits.max_rows:
            raise ReaderError(
                f"{source} has more than {limits.max_rows:,} rows, the most a framework file "
                "may have"
            )
        if len(cells) != len(header):
            problems.add(
                source, start, f"{len(cells)} cells where the header has {len(header)}: skipped"
            )
            continue
        long = next(
            (h for h, c in zip(header, cells, strict=True) if len(c) > limits.max_cell), None
        )
        if long is not None:
            problems.add(
                source, start, f"the {long!r} cell is longer than {limits.max_cell:,} characters"
            )
            continue
        yield Row(start, dict(zip(header, cells, strict=True)))


def require_columns(header: Sequence[str], wanted: Sequence[str], source: str, what: str) -> None:
    missing = [c for c in wanted if c not in header]
    if missing:
        raise ReaderError(
            f"{source} is not {what}: it lacks the column(s) {', '.join(map(repr, missing))} "
            f"(it has {', '.join(map(repr, header[:12]))})"
        )


def check_items(count: int, source: str, limits: Limits) -> None:
    if count > limits.max_items:
        raise ReaderError(f"{source} holds more than {limits.max_items:,} items")


def clip(text: str, size: int) -> str:
    """``text`` cut to ``size`` characters (a label column's width), marked when cut."""
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"
