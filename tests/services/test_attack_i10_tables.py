"""Attacks on roster files (issue 10): workbooks that expand far beyond their size,
tables of a million columns or rows. Each is refused quickly, saying why, before
openpyxl or the row checks spend memory on it."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from openler.services.errors import UsageError
from openler.services.issuers import roster_uploads, rosters
from openler.services.issuers.tables import Limits, TableError, open_table

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_SS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def workbook(
    *,
    strings: int = 0,
    strings_part: str = "xl/sharedStrings.xml",
    header: bytes = b'<c r="A1" t="inlineStr"><is><t>Email</t></is></c>',
    rows: int = 0,
    row: bytes = b'<c t="inlineStr"><is><t>a@b.example</t></is></c>',
) -> bytes:
    """A minimal .xlsx (deflated) whose shared strings part (``strings`` entries, under
    ``strings_part``) and sheet (``rows`` copies of ``row``) may expand far beyond it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxml'
            'formats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
            'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
            f'<Override PartName="/{strings_part}" ContentType="{_SS}"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with z.open(strings_part, "w") as part:
            part.write(f'<?xml version="1.0"?><sst xmlns="{_NS}">'.encode())
            chunk = b"<si><t>a</t></si>" * 10_000
            for _ in range(strings // 10_000):
                part.write(chunk)
            part.write(b"<si><t>Email</t></si></sst>")
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(f'<?xml version="1.0"?><worksheet xmlns="{_NS}"><sheetData>'.encode())
            part.write(b'<row r="1">' + header + b"</row>")
            chunk = b"".join(b"<row>" + row + b"</row>" for _ in range(1000))
            for _ in range(rows // 1000):
                part.write(chunk)
            part.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def read_all(data: bytes, limits: Limits | None = None) -> tuple[list[str], int]:
    kwargs: dict[str, Any] = {"limits": limits} if limits is not None else {}
    with open_table(io.BytesIO(data), **kwargs) as table:
        return table.headers, sum(1 for _ in table.rows)


@pytest.mark.parametrize("strings_part", ["xl/sharedStrings.xml", "xl/worksheets/s.xml"])
def test_shared_strings_that_expand_far_are_refused_before_they_are_read(
    strings_part: str,
) -> None:
    # 3 million shared strings: some 50 MB of XML in under 150 kB (openpyxl reads them
    # all into memory on opening: 20 million took 215 s and 1.9 GB before the fix)
    data = workbook(strings=3_000_000, strings_part=strings_part)
    assert len(data) < 200_000
    started = time.monotonic()
    with pytest.raises(TableError, match="shared text"):
        read_all(data)
    assert time.monotonic() - started < 2


def test_a_workbook_that_expands_beyond_the_limit_is_refused() -> None:
    data = workbook(rows=400_000)  # ~24 MB of sheet in a few hundred kB
    with pytest.raises(TableError, match="expands to"):
        read_all(data, Limits(expanded=10_000_000))


def test_an_ordinary_workbook_is_read_within_the_limits() -> None:
    headers, count = read_all(workbook(strings=10_000, rows=2000), roster_uploads.LIMITS)
    assert headers == ["Email"] and count == 2000


def test_a_table_of_too_many_columns_is_refused() -> None:
    csv_text = ",".join(f"c{i}" for i in range(5000)).encode() + b"\r\na@b.example\r\n"
    with pytest.raises(TableError, match="5,000 columns"):
        read_all(csv_text)
    wide = b'<c r="A1" t="inlineStr"><is><t>Email</t></is></c><c r="XFD1" t="n"><v>1</v></c>'
    with pytest.raises(TableError, match="16,384 columns"):
        read_all(workbook(header=wide))
    headers, _ = read_all(",".join(f"c{i}" for i in range(1000)).encode() + b"\r\n")
    assert len(headers) == 1000


def test_cells_beyond_the_headers_are_not_kept() -> None:
    far = b'<c r="A2" t="inlineStr"><is><t>a@b.example</t></is></c><c r="XFD2" t="n"><v>1</v></c>'
    with open_table(io.BytesIO(workbook(rows=1000, row=far))) as table:
        widths = {len(cells) for _, cells in table.rows}
    assert widths == {1}
    with open_table(io.BytesIO(b"Email\r\na@b.example" + b",x" * 10_000 + b"\r\n")) as table:
        assert [len(cells) for _, cells in table.rows] == [1]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_beyond_the_limit_are_refused_while_reading(kind: str) -> None:
    def table(rows: int) -> bytes:
        return b"Email\r\n" + b"a@b.example\r\n" * rows if kind == "csv" else workbook(rows=rows)

    with pytest.raises(TableError, match="more than 2,000 rows"):
        read_all(table(3000), Limits(rows=2000))
    assert read_all(table(2000), Limits(rows=2000))[1] == 2000


def test_blank_rows_count_towards_the_row_limit() -> None:
    gap = workbook(rows=1000, row=b"") + b""  # 1,000 empty rows
    with pytest.raises(TableError, match="more than 10 rows"):
        read_all(gap, Limits(rows=10))


def test_an_upload_of_a_bomb_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bomb.data"
    path.write_bytes(workbook(strings=3_000_000))
    with pytest.raises(UsageError):
        rosters.headers_of(path, roster_uploads.LIMITS)
