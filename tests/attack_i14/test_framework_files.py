"""Attack pass (issue 14): hostile framework files through ``frameworks.import_files`` (what
the registry office's page and the operator's CLI call) on both databases. A file is either
imported or refused with a UsageError/FileError naming it — never a server error, never a
fetch."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from openler.services.errors import FileError, ServiceError, UsageError
from openler.services.people.accounts import Principal
from openler.services.skills import frameworks
from openler.skills import jedx

SYSTEM = Principal.system("attack")
CASE_DOC = {"identifier": "doc-1", "uri": "https://example.org/doc-1", "title": "Hostile"}


def case(items: list[Any], **document: Any) -> bytes:
    return json.dumps(
        {"CFDocument": {**CASE_DOC, **document}, "CFItems": items, "CFAssociations": []}
    ).encode()


def outcome(platform: Any, kind: str, files: dict[str, bytes]) -> str:
    """'imported', or 'refused: <message>'; any other exception fails the test."""
    try:
        with platform.db.session() as s:
            frameworks.import_files(s, platform, SYSTEM, kind, files)
    except (UsageError, FileError) as exc:
        return f"refused: {exc.message}"
    return "imported"


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("deep arrays", DEEP),
        ("deep objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
        ("huge number", b'{"CFDocument": {"identifier": 1e99999}}'),
        ("nan", b'{"CFDocument": NaN}'),
        ("utf-16", json.dumps({"CFDocument": CASE_DOC}).encode("utf-16")),
        ("latin-1", '{"CFDocument": {"identifier": "café"}}'.encode("latin-1")),
        ("empty", b""),
        ("not an object", b"[1, 2, 3]"),
        (
            "duplicate keys",
            b'{"CFDocument": {"identifier": "a", "identifier": "b", "title": "t"},'
            b' "CFItems": [{"identifier": "i", "fullStatement": "x", "fullStatement": "y"}]}',
        ),
        ("items not a list", b'{"CFDocument": {"identifier": "d"}, "CFItems": {"a": 1}}'),
        (
            "nested extras",
            case(
                [
                    {
                        "identifier": "i",
                        "fullStatement": "x",
                        "notes": json.loads("[" * 900 + "]" * 900),
                    }
                ]
            ),
        ),
    ],
)
def test_hostile_case_files(platform: Any, name: str, data: bytes) -> None:
    started = time.monotonic()
    said = outcome(platform, "case", {"package.json": data})
    assert time.monotonic() - started < 10, name
    assert said == "imported" or "package.json" in said or said.startswith("refused"), said


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("deep", DEEP),
        (
            "remote context",
            json.dumps(
                {
                    "@context": "http://127.0.0.1:8611/context.jsonld",
                    "@graph": [
                        {"@id": "http://127.0.0.1:8611/f", "@type": "ceasn:CompetencyFramework"},
                        {
                            "@id": "http://169.254.169.254/latest/meta-data",
                            "@type": "ceasn:Competency",
                            "ceasn:competencyText": {"en": "fetch me"},
                            "ceasn:isChildOf": "http://127.0.0.1:8611/f",
                        },
                    ],
                }
            ).encode(),
        ),
        (
            "language map bomb",
            json.dumps(
                {
                    "@graph": [
                        {"@id": "f", "@type": "ceasn:CompetencyFramework"},
                        *[
                            {
                                "@id": f"c{i}",
                                "@type": "ceasn:Competency",
                                "ceasn:competencyText": {f"l{j}": "" for j in range(200)}
                                | {"zz": "x"},
                                "ceasn:conceptKeyword": [["k"] * 50] * 20,
                            }
                            for i in range(500)
                        ],
                    ],
                }
            ).encode(),
        ),
    ],
)
def test_hostile_ctdl_files_and_no_fetch(
    platform: Any, no_network: list[Any], name: str, data: bytes
) -> None:
    started = time.monotonic()
    said = outcome(platform, "ctdl", {"framework.json": data})
    assert time.monotonic() - started < 20, name
    assert said == "imported" or said.startswith("refused"), said
    assert no_network == []  # nothing named in a file is ever fetched


def test_a_case_item_with_nul_or_half_a_surrogate_is_not_a_server_error(platform: Any) -> None:
    """JSON can carry \\u0000 and \\ud800; PostgreSQL refuses NUL and UTF-8 refuses lone
    surrogates. The import should skip or refuse the row, not fail with a database error."""
    for text in ("infection\\u0000control", "half \\ud800 pair"):
        data = (
            b'{"CFDocument": {"identifier": "d-nul", "title": "t"}, "CFItems": '
            b'[{"identifier": "i1", "fullStatement": "' + text.encode() + b'"}]}'
        )
        try:
            said = outcome(platform, "case", {"package.json": data})
        except Exception as exc:
            pytest.fail(f"{text}: {type(exc).__name__}: {str(exc)[:160]}")
        assert said == "imported" or said.startswith("refused")


def test_fields_longer_than_their_columns_are_refused_not_a_server_error(platform: Any) -> None:
    """An identifier or uri over 2,000 characters, a version over 100: PostgreSQL's
    VARCHAR(n) raised DataError (a 500 on the page) instead of the reader skipping the row."""
    cases = {
        "identifier": case([{"identifier": "i" * 2500, "fullStatement": "x"}]),
        "uri": case([{"identifier": "i", "fullStatement": "x", "uri": "https://x/" + "u" * 2500}]),
        "version": case([{"identifier": "i", "fullStatement": "x"}], version="v" * 500),
        "document uri": case(
            [{"identifier": "i", "fullStatement": "x"}], uri="https://x/" + "d" * 2500
        ),
    }
    failures = {}
    for name, data in cases.items():
        try:
            outcome(platform, "case", {"package.json": data})
        except Exception as exc:
            failures[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    assert failures == {}


ESCO_HEADER = "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,description\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "cell over the csv limit",
            ESCO_HEADER + "KnowledgeSkillCompetence,http://x/1,skill/competence,,"
            '"' + "a" * 200_000 + '",,\n',
        ),
        (
            "cell over the reader limit",
            ESCO_HEADER + "KnowledgeSkillCompetence,http://x/1,skill/competence,,"
            '"' + "a" * 120_000 + '",,\n',
        ),
        ("unclosed quote", ESCO_HEADER + 'x,"http://x/1,skill,,label,,\n' * 3),
        (
            "formula cells",
            ESCO_HEADER + "KnowledgeSkillCompetence,http://x/=1,skill/competence,,"
            '"=HYPERLINK(""http://evil.example"",""x"")","@SUM(1+1)\n+cmd|\' /C calc\'!A0",-2+3\n',
        ),
        ("many bad rows", ESCO_HEADER + "a,b\n" * 2_000),
        ("wide header", ",".join(f"c{i}" for i in range(50_000)) + "\n"),
    ],
)
def test_hostile_esco_csv(platform: Any, name: str, text: str) -> None:
    started = time.monotonic()
    said = outcome(platform, "esco", {"skills_en.csv": text.encode()})
    assert time.monotonic() - started < 20, name
    assert said == "imported" or said.startswith("refused"), said


def test_esco_csv_not_utf8_names_the_line(platform: Any) -> None:
    data = (
        ESCO_HEADER + "KnowledgeSkillCompetence,http://x/1,skill/competence,,caf\xe9,,\n"
    ).encode("latin-1")
    said = outcome(platform, "esco", {"skills_en.csv": data})
    assert said.startswith("refused") and "line 2" in said and "UTF-8" in said


@pytest.mark.parametrize(
    "text",
    [
        "Service,MOC,Title,Status,O*NET-SOC Code\n"
        + "Army,68W,<script>alert(1)</script>,Active,29-2042.00\n",
        "Service,MOC,Title,Status,O*NET-SOC Code\n"
        + "Army,"
        + "9" * 5000
        + ",t,Active,29-2042.00\n",
        "Service,MOC,Title,Status,O*NET-SOC Code\n" + "\x00rmy,68W,t,Active,29-2042.00\n",
        "Service\tMOC\tTitle\tStatus\tO*NET-SOC Code\n"
        + "Army\t68W\t"
        + "t" * 150_000
        + "\tA\t29-2042.00\n",
    ],
)
def test_hostile_military_csv(platform: Any, text: str) -> None:
    try:
        said = outcome(platform, "military", {"crosswalk.csv": text.encode()})
    except Exception as exc:
        pytest.fail(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    assert said == "imported" or said.startswith("refused")


def test_onet_folder_of_hostile_files(platform: Any) -> None:
    files = {
        "Occupation Data.txt": b"O*NET-SOC Code\tTitle\tDescription\n"
        + b"29-1141.00\t<img src=x onerror=alert(1)>\tjavascript:alert(1)\n"
        + b"99-9999.99\t"
        + b"t" * 200_000
        + b"\td\n",
        "Skills.txt": b"\xff\xfe" + "x".encode("utf-16-le"),
        "random.bin": bytes(range(256)) * 10,
    }
    try:
        said = outcome(platform, "onet", files)
    except Exception as exc:
        pytest.fail(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    assert said == "imported" or said.startswith("refused")


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 200_000,
        b'{"job": ' * 5_000 + b"1" + b"}" * 5_000,
        b'{"job": {"organizationId": "o", "jobId": "j", "socInfo": "nope"}}',
        b'{"job": {"organizationId": "o", "jobId": "j", "title": "\\ud800"}}',
    ],
)
def test_jedx_records_are_refused_as_jedx_errors(data: bytes) -> None:
    """The posting page catches only JedxError (as a UsageError); anything else is a 500."""
    try:
        jedx.read_job(data)
    except jedx.JedxError:
        return
    except ServiceError:
        return
    except Exception as exc:
        pytest.fail(f"{type(exc).__name__} escapes read_job: {str(exc)[:100]}")
