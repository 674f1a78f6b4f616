"""Reading a verification roster: a ZIP of credential files or a list of links, item by
item; hostile uploads (ZIP bombs, headers that lie, encrypted, nested, damaged and
oversized entries, too many items, odd names) refused as a whole or item by item; and a
property: whatever the bytes, the reader never fails otherwise, and every item of the
upload is exactly one numbered item."""

from __future__ import annotations

import csv
import io
import re
import struct
import warnings
import zipfile
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openler.services.verifiers.roster_files import (
    NOT_A_CREDENTIAL,
    Item,
    RosterError,
    RosterLimits,
    read_roster,
)

SMALL = RosterLimits(file_bytes=200_000, items=20, entry_bytes=1000, expanded_bytes=5000)


def a_zip(*entries: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def items(content: bytes, limits: RosterLimits = SMALL, name: str = "roster") -> list[Item]:
    return list(read_roster(content, name, limits))


def summary(found: list[Item]) -> list[tuple[Any, ...]]:
    return [
        (i.number, i.source, i.data, i.link, i.reference, i.refused, i.duplicate_of) for i in found
    ]


# --- a ZIP of credential files -------------------------------------------------------------


def test_every_file_of_a_zip_is_an_item_and_what_macos_adds_is_not() -> None:
    content = a_zip(
        ("licences/rn-1.json", b'{"a": 1}'),
        ("licences/", b""),
        ("__MACOSX/licences/._rn-1.json", b"resource fork"),
        ("licences/._rn-2.json", b"resource fork"),
        (".DS_Store", b"finder"),
        ("badge.png", b"\x89PNG\r\n\x1a\nnot really"),
        ("token.jwt", b"eyJ.eyJ.sig"),
    )
    assert summary(items(content)) == [
        (1, "licences/rn-1.json", b'{"a": 1}', None, None, None, None),
        (2, "badge.png", b"\x89PNG\r\n\x1a\nnot really", None, None, None, None),
        (3, "token.jwt", b"eyJ.eyJ.sig", None, None, None, None),
    ]


def test_an_entry_repeated_is_said_to_repeat_and_a_name_used_twice_is_told_apart() -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        content = a_zip(
            ("a.json", b"{1}"),
            ("b.json", b"{1}"),  # the same bytes under another name
            ("a.json", b"{2}"),  # the same name, other bytes
        )
    found = items(content)
    assert summary(found) == [
        (1, "a.json", b"{1}", None, None, None, None),
        (2, "b.json", None, None, None, None, 1),
        (3, "a.json (entry 3)", b"{2}", None, None, None, None),
    ]


def test_names_are_labels_only_whatever_they_say() -> None:
    deep = "/".join(["d"] * 200) + "/rn.json"
    content = a_zip(
        ("../../etc/passwd", b"{1}"),
        ("/absolute/rn.json", b"{2}"),
        ("C:\\Windows\\rn.json", b"{3}"),
        ("rn\x1b[31m\x07.json", b"{4}"),
        (deep, b"{5}"),
    )
    sources = [i.source for i in items(content)]
    assert sources[:4] == [
        "../../etc/passwd",
        "/absolute/rn.json",
        "C:/Windows/rn.json",
        "rn[31m.json",
    ]
    assert (
        len(sources[4]) == 300 and sources[4].startswith("…") and sources[4].endswith("d/rn.json")
    )


def test_a_bad_entry_is_refused_alone_and_the_rest_is_read() -> None:
    inner = a_zip(("x.json", b"{}"))
    content = a_zip(
        ("empty.json", b"  \n"),
        ("too-large.json", b"{" + b" " * 2000 + b"}"),
        ("nested.zip", inner),
        ("good.json", b'{"ok": true}'),
    )
    found = items(content)
    assert [(i.source, i.refused) for i in found] == [
        ("empty.json", "the file is empty"),
        ("too-large.json", "the file is 0.0 MB; a credential file is at most 0 MB"),
        ("nested.zip", "a ZIP inside the ZIP is not opened: put its files in the roster's ZIP"),
        ("good.json", None),
    ]
    assert [i.outcome for i in found[:3]] == [NOT_A_CREDENTIAL] * 3
    assert found[3].data == b'{"ok": true}'


def _patch_sizes(content: bytes, name: bytes, size: int) -> bytes:
    """The ZIP with the uncompressed size of entry ``name`` written as ``size`` in its local
    header and central directory record (a header that lies)."""
    data = bytearray(content)
    local = data.index(b"PK\x03\x04" + data[4:8])  # the first local header
    assert data[local + 30 : local + 30 + len(name)] == name
    struct.pack_into("<I", data, local + 22, size)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


def test_an_entry_whose_header_understates_its_size_is_refused_as_damaged() -> None:
    honest = a_zip(("bomb.json", b"0" * 100_000))
    lying = _patch_sizes(honest, b"bomb.json", 10)
    [item] = items(lying, RosterLimits(entry_bytes=1000, expanded_bytes=5000))
    assert item.data is None and item.refused is not None
    assert item.refused.startswith("the file is damaged in the ZIP and cannot be read")


def test_an_entry_that_is_damaged_or_encrypted_is_refused() -> None:
    content = bytearray(a_zip(("a.json", b'{"a": "' + b"x" * 500 + b'"}'), ("b.json", b"{}")))
    start = content.index(b"a.json") + len(b"a.json")
    content[start + 2 : start + 12] = b"\xff" * 10  # the deflated bytes of a.json broken
    encrypted = bytearray(a_zip(("secret.json", b"{}")))
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # the "encrypted" flag in both headers
        at = encrypted.index(header) + (6 if header == b"PK\x03\x04" else 8)
        encrypted[at] |= 0x1
    found = items(bytes(content)) + items(bytes(encrypted))
    assert found[0].refused is not None and "damaged" in found[0].refused
    assert found[1].data == b"{}"
    assert found[2].refused == "the file is encrypted in the ZIP: add it without a password"


def test_a_zip_bomb_is_refused_as_a_whole() -> None:
    bomb = a_zip(*((f"{n}.json", b"0" * 999) for n in range(6)))
    assert len(bomb) < 1000  # six entries of 999 bytes each: small, and over 5,000 in all
    with pytest.raises(RosterError, match="the ZIP expands to more than"):
        items(bomb)
    # its headers cannot hide it: sizes that lie are caught as the entries expand
    lying = a_zip(("0.json", b"0" * 999))
    with pytest.raises(RosterError, match="expands"):
        items(lying * 1, RosterLimits(entry_bytes=1000, expanded_bytes=500))


def test_too_many_entries_are_refused_before_any_is_read() -> None:
    many = a_zip(*((f"{n}.json", b"{}") for n in range(21)), method=zipfile.ZIP_STORED)
    with pytest.raises(RosterError, match="more than 20 items"):
        items(many)
    # a file that declares far more entries than it could hold is refused by its count
    fake = b"PK\x03\x04" + b"PK\x01\x02" * 100
    with pytest.raises(RosterError, match="more than 20 items"):
        items(fake)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b" \r\n", "the file is empty"),
        (b"PK\x03\x04 not a zip", "the ZIP file cannot be read"),
        (a_zip(("dir/", b"")), "the ZIP holds no files"),
        (b'{"@context": []}', "is a single document, not a roster"),
        (b"\x89PNG\r\n\x1a\n....", "is a single document, not a roster"),
        (b"<svg/>", "is a single document, not a roster"),
        (b"eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319.c2ln\n", "is a single document, not a roster"),
        (b"x" * 200_001, "a roster file is at most 0 MB"),
    ],
)
def test_what_cannot_be_a_roster_is_refused_as_a_whole(content: bytes, message: str) -> None:
    with pytest.raises(RosterError, match=message):
        items(content)


# --- a list of links ----------------------------------------------------------------------


def test_a_list_of_links_with_its_own_columns() -> None:
    text = (
        "Licensee;Link;Licence\r\n"
        "Maria Alvarez;https://ler.example/s/AAA;RN.1\r\n"
        "\r\n"
        "No link here;;RN.2\r\n"
        "Kevin Nguyen;https://ler.example/s/BBB;RN.3\r\n"
        "Maria again;https://ler.example/s/AAA;RN.1\r\n"
    )
    found = items(("\ufeff" + text).encode())
    assert summary(found) == [
        (1, "line 2", None, "https://ler.example/s/AAA", "Maria Alvarez · RN.1", None, None),
        (
            2,
            "line 4",
            None,
            None,
            "No link here · RN.2",
            "the line holds no link (https://…)",
            None,
        ),
        (3, "line 5", None, "https://ler.example/s/BBB", "Kevin Nguyen · RN.3", None, None),
        (4, "line 6", None, None, "Maria again · RN.1", None, 1),
    ]
    # each line keeps its cells under the list's own columns, for the verdicts' file
    assert {i.columns for i in found} == {("Licensee", "Link", "Licence")}
    assert [i.cells for i in found] == [
        ("Maria Alvarez", "https://ler.example/s/AAA", "RN.1"),
        ("No link here", "", "RN.2"),
        ("Kevin Nguyen", "https://ler.example/s/BBB", "RN.3"),
        ("Maria again", "https://ler.example/s/AAA", "RN.1"),
    ]


def test_a_bare_list_of_links_starts_at_its_first_line() -> None:
    found = items(b"https://ler.example/s/AAA,RN.1\nhttps://ler.example/s/BBB,RN.2\n")
    assert [(i.source, i.link, i.cells) for i in found] == [
        ("line 1", "https://ler.example/s/AAA", ("https://ler.example/s/AAA", "RN.1")),
        ("line 2", "https://ler.example/s/BBB", ("https://ler.example/s/BBB", "RN.2")),
    ]
    assert {i.columns for i in found} == {("column 1", "column 2")}  # no line names them


def test_a_workbook_of_links_is_read_like_a_csv_file() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Link", "Name"])
    sheet.append(["https://ler.example/s/AAA", "Maria"])
    buffer = io.BytesIO()
    book.save(buffer)
    [item] = items(buffer.getvalue(), RosterLimits())
    assert (item.source, item.link, item.reference, item.columns, item.cells) == (
        "line 2",
        "https://ler.example/s/AAA",
        "Maria",
        ("Link", "Name"),
        ("https://ler.example/s/AAA", "Maria"),
    )


def test_a_list_too_long_or_without_links_is_refused() -> None:
    with pytest.raises(RosterError, match="more than 20"):
        items(b"".join(b"https://ler.example/s/%d\n" % n for n in range(25)))
    with pytest.raises(RosterError, match="the list holds no links"):
        items(b"link\n")
    long_link = b"https://ler.example/s/" + b"a" * 2000
    [item] = items(long_link)
    assert item.refused == "the link is longer than 2,000 characters"


# --- whatever the bytes --------------------------------------------------------------------


def _numbered(found: list[Item]) -> None:
    assert [i.number for i in found] == list(range(1, len(found) + 1))
    for item in found:
        kinds = [item.data is not None, item.link is not None, item.refused is not None]
        kinds.append(item.duplicate_of is not None)
        assert kinds.count(True) == 1, item
        assert item.duplicate_of is None or item.duplicate_of < item.number


names = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40).filter(
    lambda n: "\x00" not in n
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(entries=st.lists(st.tuples(names, st.binary(max_size=1500)), max_size=25))
def test_every_entry_of_a_zip_is_exactly_one_item(entries: list[tuple[str, bytes]]) -> None:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # a name used twice: allowed, and read
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name), data)
    with zipfile.ZipFile(buffer) as archive:
        files = [
            i.filename
            for i in archive.infolist()
            if not (
                i.filename.replace("\\", "/").endswith("/")
                or "__MACOSX" in i.filename.replace("\\", "/").split("/")
                or i.filename.replace("\\", "/").split("/")[-1].startswith("._")
                or i.filename.replace("\\", "/").split("/")[-1] == ".DS_Store"
            )
        ]
    refusal: str | None = None
    try:
        found = items(buffer.getvalue())
    except RosterError as exc:  # only for the roster as a whole
        refusal = exc.message
    else:
        assert len(found) == len(files)
        _numbered(found)
    if refusal is not None:
        assert not files or len(files) > SMALL.items or "expands" in refusal, refusal


# (line breaks inside quoted cells included: the delimiter is read from the first record,
# not the first line)
cells = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40)
links = st.builds(
    lambda t: f"https://ler.example/s/{t}", st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    rows=st.lists(st.lists(st.one_of(cells, links), min_size=1, max_size=3), max_size=30),
    headed=st.booleans(),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_every_line_of_a_list_is_exactly_one_item(
    rows: list[list[str]], headed: bool, delimiter: str
) -> None:
    width = max((len(r) for r in rows), default=1)
    table = ([["name", "link", "licence"][:width]] if headed else []) + [
        r + [""] * (width - len(r)) for r in rows
    ]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(table)
    try:
        found = items(out.getvalue().encode())
    except RosterError:
        return  # said of the whole (empty, one document, no lines under the header …)
    _numbered(found)
    link = re.compile(r"https?://\S+", re.IGNORECASE)
    header_is_item = bool(table) and any(link.fullmatch(c.strip()) for c in table[0])
    read = table if header_is_item else table[1:]
    assert len(found) == sum(1 for r in read if any(c.strip() for c in r))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    content=st.one_of(st.binary(max_size=3000), st.builds(lambda b: b"PK\x03\x04" + b, st.binary()))
)
def test_any_bytes_are_items_or_a_refusal_of_the_whole(content: bytes) -> None:
    try:
        found = items(content)
    except RosterError:
        return
    _numbered(found)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    entries=st.lists(st.binary(max_size=400), min_size=1, max_size=4),
    method=st.sampled_from(
        [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
    ),
    changes=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=6),
)
def test_a_damaged_zip_is_items_or_a_refusal_of_the_whole(
    entries: list[bytes], method: int, changes: list[tuple[float, int]]
) -> None:
    """A ZIP of every compression method with a few bytes changed anywhere — in its
    headers, its directory (a version it cannot read, a size that lies) or its data."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for n, data in enumerate(entries):
            archive.writestr(f"{n}.json", data * 3)
    content = bytearray(buffer.getvalue())
    for where, value in changes:
        content[int(where * len(content))] = value
    try:
        found = items(bytes(content))
    except RosterError:
        return
    _numbered(found)
