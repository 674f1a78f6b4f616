"""What a verification roster holds: the items of an uploaded file, one by one.

A roster is one of two things, told apart by its content, never by its name:

* a **ZIP of credential files** — JSON credentials or presentations, compact JWTs, baked
  PNG or SVG badges: each file is an item;
* a **list of links** — a CSV file (comma, semicolon or tab separated) or an Excel
  workbook, one link a line (:mod:`~openler.services.issuers.tables` reads it): the first
  cell of a line that is a web address is its item, the line's other cells the
  ``reference`` the verifier's own records give it (a name, a licence number). A first line
  that holds a link is an item too (the columns are then "column 1", "column 2", …);
  otherwise it names the columns. Every line keeps its ``cells`` under the list's
  ``columns``, so that the verdicts come back as the verifier's own table.

The reader is written for files made by someone else. Nothing is extracted to disk (an
entry's name, ``../../etc/passwd`` or not, is only a label), and every size is bounded
before or while it is read (:class:`RosterLimits`): the file, the number of items, each
entry as it expands, and what all the entries expand to together — a ZIP bomb is refused
as a whole, whatever its entries' headers claim. What is wrong with one entry (damaged,
encrypted, too large, a ZIP inside the ZIP, empty) or one line (no link) makes that item a
refusal with its reason, and the rest is read; an item that repeats an earlier one (the same
bytes, the same link) says which. So every item of a roster becomes exactly one
:class:`Item` — the verifier's page gives each a verdict.

Directories, and the metadata macOS adds to the archives it makes (``__MACOSX/``, ``._*``
files, ``.DS_Store``), are not items.

>>> items = list(read_roster(b"link,licence\\nhttps://x.example/s/abc,RN.1\\n", "list.csv"))
>>> [(i.number, i.source, i.link, i.reference) for i in items]
[(1, 'line 2', 'https://x.example/s/abc', 'RN.1')]
>>> items[0].columns, items[0].cells
(('link', 'licence'), ('https://x.example/s/abc', 'RN.1'))
"""

from __future__ import annotations

import hashlib
import io
import lzma
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

from openler.services.errors import UsageError
from openler.services.issuers.tables import Limits, TableError, open_table
from openler.vc import MAX_INPUT_BYTES

#: why a whole upload is refused (nothing of it is verified)
RosterError = UsageError

#: the outcome of an item refused as it was read
NOT_A_CREDENTIAL = "not-credential"

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_PNG = b"\x89PNG\r\n\x1a\n"
#: the signature of a ZIP's central directory entry: one per entry
_CENTRAL_ENTRY = b"PK\x01\x02"
_WORKBOOK = "xl/workbook.xml"
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_LINK = re.compile(r"https?://\S+", re.IGNORECASE)
#: how much of a name or a reference is kept
MAX_LABEL = 300
#: the longest link read (longer ones are refused: no share link is near it)
MAX_LINK = 2000


@dataclass(frozen=True)
class RosterLimits:
    """How large a roster may be. ``file_bytes`` bounds the upload (the web's request limit
    may be lower); ``items`` the files of a ZIP or the lines of a list; ``entry_bytes`` one
    file as it expands (verification reads no more); ``expanded_bytes`` all of a ZIP's
    files together, as they expand."""

    file_bytes: int = 100_000_000
    items: int = 50_000
    entry_bytes: int = MAX_INPUT_BYTES
    expanded_bytes: int = 200_000_000


LIMITS = RosterLimits()


@dataclass(frozen=True)
class Item:
    """One item of a roster, numbered from 1 in the order of the file. Exactly one of
    ``data`` (a credential file's bytes), ``link``, ``refused`` (why it is not verified:
    ``outcome`` is then its verdict) and ``duplicate_of`` (the number of the earlier item
    it repeats) is set. A line of a list also has its ``cells``, under the list's
    ``columns`` (the same for every line)."""

    number: int
    source: str  # where it is in the upload: "licences/rn-1.json", "line 7"
    data: bytes | None = None
    link: str | None = None
    reference: str | None = None
    refused: str | None = None
    outcome: str | None = None
    duplicate_of: int | None = None
    cells: tuple[str, ...] | None = None
    columns: tuple[str, ...] | None = None


def read_roster(content: bytes, filename: str, limits: RosterLimits = LIMITS) -> Iterator[Item]:
    """The items of the roster file ``content`` (see the module's description), as they
    are read. Raises :class:`RosterError` — before the first item or while reading — when
    the file as a whole cannot be a roster: empty, too large, a single credential, not
    readable as a ZIP or a table, more items than ``limits.items``, or a ZIP that expands
    beyond ``limits.expanded_bytes``."""
    if not content.strip():
        raise RosterError("the file is empty: choose a ZIP of credential files or a list of links")
    if len(content) > limits.file_bytes:
        raise RosterError(
            f"the file is {len(content) / 1e6:.1f} MB; a roster file is at most "
            f"{limits.file_bytes / 1e6:.0f} MB: split it into smaller ones"
        )
    if content.startswith(_ZIP):
        archive = _open_zip(content, limits)
        if _WORKBOOK in archive.NameToInfo:
            yield from _links(content, limits)
        else:
            yield from _files(archive, limits)
        return
    if _one_document(content):
        raise RosterError(
            f"{_label(filename) or 'this file'} is a single document, not a roster: put "
            "credential files in a ZIP, or links in a CSV file (one a line)"
        )
    yield from _links(content, limits)


def _one_document(content: bytes) -> bool:
    """Whether ``content`` is a single document (a credential, an image, a web page)
    rather than a list of links."""
    if content.startswith(_PNG):
        return True
    head = content[:4096].decode("utf-8-sig", "replace").lstrip()
    if head.startswith(("{", "[", "<")):
        return True
    return len(content) <= MAX_INPUT_BYTES and bool(
        _JWT.fullmatch(content.decode("utf-8-sig", "replace").strip())
    )


def _label(name: str, *, keep_end: bool = True) -> str:
    """``name`` as a label: control characters and NULs dropped, backslashes as slashes,
    at most :data:`MAX_LABEL` characters (the end kept: a file's own name matters most)."""
    text = "".join(
        c for c in name.replace("\\", "/") if unicodedata.category(c)[0] != "C" or c == " "
    ).strip()
    if len(text) <= MAX_LABEL:
        return text
    return "…" + text[-(MAX_LABEL - 1) :] if keep_end else text[: MAX_LABEL - 1] + "…"


# --- a ZIP of credential files ----------------------------------------------------------


def _open_zip(content: bytes, limits: RosterLimits) -> zipfile.ZipFile:
    # every entry has a central directory record; counting their signatures first keeps a
    # small file that declares millions of entries from being listed at all
    if content.count(_CENTRAL_ENTRY) > 2 * limits.items:
        raise _too_many(limits)
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,  # "zip file version 21.9": a version it cannot read
        ValueError,
        EOFError,
        OSError,
        struct.error,
    ) as exc:
        raise RosterError(f"the ZIP file cannot be read ({exc}): make it again") from None


def _too_many(limits: RosterLimits) -> RosterError:
    return RosterError(
        f"the roster holds more than {limits.items:,} items: split it into smaller ones"
    )


def _skipped(name: str) -> bool:
    """Whether an entry is no item: a directory, or what macOS adds to an archive."""
    parts = name.replace("\\", "/").split("/")
    base = parts[-1]
    return not base or "__MACOSX" in parts or base.startswith("._") or base == ".DS_Store"


def _files(archive: zipfile.ZipFile, limits: RosterLimits) -> Iterator[Item]:
    entries = [info for info in archive.infolist() if not _skipped(info.filename)]
    if not entries:
        raise RosterError("the ZIP holds no files")
    if len(entries) > limits.items:
        raise _too_many(limits)
    expanded = [0]  # what the entries read so far expanded to
    first_of: dict[str, int] = {}  # digest of the bytes → the item that had them first
    seen: set[str] = set()
    for number, info in enumerate(entries, start=1):
        source = _label(info.filename) or f"entry {number}"
        if source in seen:
            source = _label(f"{source} (entry {number})")
        seen.add(source)
        data = _entry(archive, info, limits, expanded)
        if isinstance(data, str):
            yield Item(number, source, refused=data, outcome=NOT_A_CREDENTIAL)
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest in first_of:
            yield Item(number, source, duplicate_of=first_of[digest])
        else:
            first_of[digest] = number
            yield Item(number, source, data=data)


def _entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: RosterLimits, expanded: list[int]
) -> bytes | str:
    """The bytes of one entry, or why it is refused; ``expanded`` counts what all the
    entries expanded to (the whole roster is refused past the limit, whatever the entries'
    headers said)."""
    if info.flag_bits & 0x1:
        return "the file is encrypted in the ZIP: add it without a password"
    if info.file_size > limits.entry_bytes:
        return _too_large(info.file_size, limits)
    if expanded[0] + info.file_size > limits.expanded_bytes:
        raise _expands(limits)
    try:
        with archive.open(info) as entry:
            data = entry.read(limits.entry_bytes + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        NotImplementedError,
        EOFError,
        ValueError,
        OSError,  # bz2's "Invalid data stream"
    ) as exc:
        return f"the file is damaged in the ZIP and cannot be read ({exc})"
    expanded[0] += len(data)
    if expanded[0] > limits.expanded_bytes:
        raise _expands(limits)
    if len(data) > limits.entry_bytes:
        return _too_large(len(data), limits)
    if not data.strip():
        return "the file is empty"
    if data.startswith(_ZIP):
        return "a ZIP inside the ZIP is not opened: put its files in the roster's ZIP"
    return data


def _too_large(size: int, limits: RosterLimits) -> str:
    return (
        f"the file is {size / 1e6:.1f} MB; a credential file is at most "
        f"{limits.entry_bytes / (1024 * 1024):.0f} MB"
    )


def _expands(limits: RosterLimits) -> RosterError:
    return RosterError(
        f"the ZIP expands to more than {limits.expanded_bytes / 1e6:.0f} MB: split it into "
        "smaller ones"
    )


# --- a list of links --------------------------------------------------------------------


def _links(content: bytes, limits: RosterLimits) -> Iterator[Item]:
    table_limits = Limits(columns=100, rows=limits.items, expanded=limits.expanded_bytes)
    number = 0
    first_of: dict[str, int] = {}
    try:
        with open_table(io.BytesIO(content), limits=table_limits) as table:
            lines: list[tuple[int, list[str]]] = []
            columns = tuple(table.headers)
            if any(_LINK.match(h.strip()) for h in table.headers):
                lines.append((1, table.headers))
                columns = tuple(f"column {n}" for n in range(1, len(columns) + 1))
            rows = ((row + 1, [str(c) for c in cells]) for row, cells in table.rows)
            for line, cells in _chain(lines, rows):
                number += 1
                if number > limits.items:
                    raise _too_many(limits)
                yield replace(_line_item(number, line, cells, first_of), columns=columns)
    except TableError as exc:
        raise RosterError(_as_roster(exc.message)) from None
    if number == 0:
        raise RosterError("the list holds no links: put one link a line")


def _chain(
    first: list[tuple[int, list[str]]], rest: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    yield from first
    yield from rest


def _as_roster(message: str) -> str:
    """A table's refusal, said of a list of links (the table reader speaks of rosters of
    recipients and rows)."""
    if "has no rows under its headers" in message:
        return "the list holds no links: put one link a line"
    return message.replace("a roster may have", "a list may have")


def _line_item(number: int, line: int, cells: list[str], first_of: dict[str, int]) -> Item:
    source = f"line {line}"
    texts = [c.strip() for c in cells]
    at = next((i for i, text in enumerate(texts) if _LINK.fullmatch(text)), None)
    others = " · ".join(t for i, t in enumerate(texts) if t and i != at)
    line_of = Item(
        number,
        source,
        reference=_label(others, keep_end=False) or None,
        cells=tuple(texts),
    )
    if at is None:
        return replace(
            line_of, refused="the line holds no link (https://…)", outcome=NOT_A_CREDENTIAL
        )
    link = texts[at]
    if len(link) > MAX_LINK:
        return replace(
            line_of,
            refused=f"the link is longer than {MAX_LINK:,} characters",
            outcome=NOT_A_CREDENTIAL,
        )
    if link in first_of:
        return replace(line_of, duplicate_of=first_of[link])
    first_of[link] = number
    return replace(line_of, link=link)
