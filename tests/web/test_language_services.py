"""What the services say reads in Spanish on a resident's pages: a refusal of the share
form, an import's rows, a self-reported entry that does not exist, the checks of a record
entry, and the résumé's PDF. Each is asked for in English too, so that a missing
translation (the English shown on the Spanish page) fails."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openler.services.errors import UsageError
from openler.services.holders import candidates
from openler.services.verifiers.credential_state import CredentialState
from openler.services.verifiers.verifying import CHECK_WORDS
from openler.services.wording import N_, phrase, worded
from openler.vc import CHECK_IDS
from openler.web import i18n
from tests.web.conftest import csrf_of, login
from tests.web.test_language_resident import SPANISH, english_left, entry_address


@pytest.fixture
def maria(client: TestClient) -> TestClient:
    login(client, "maria@demo.openler.org")
    return client


def _alert(page: str) -> str:
    found = re.search(r'<p class="error[^"]*" role="alert">(.*?)</p>', page, re.S)
    assert found is not None, page
    return html.unescape(found.group(1)).strip()


# -- the share form --------------------------------------------------------------------


def _share(client: TestClient, headers: dict[str, str], **fields: str) -> str:
    form = client.get("/shares", headers=headers).text
    data = {
        "csrf_token": csrf_of(form),
        "what": "whole",
        "audience": "Piedmont Regional Hospital",
        "purpose": "Empleo",
        "consent": "yes",
        **fields,
    }
    answer = client.post("/shares", data=data, headers=headers)
    assert answer.status_code == 400
    return answer.text


def test_the_share_services_refusals_read_in_spanish(maria: TestClient) -> None:
    assert _alert(_share(maria, SPANISH, days="400")) == "Un enlace dura de 1 a 365 días."
    assert _alert(_share(maria, {}, days="400")) == "A share lasts from 1 to 365 days."
    spanish = _share(maria, SPANISH, days="30", views="5000")
    assert _alert(spanish) == "El límite de vistas va de 1 a 1000 vistas."
    assert english_left(spanish) == []
    assert _alert(_share(maria, {}, days="30", views="5000")) == (
        "A view limit is from 1 to 1000 views."
    )


def test_a_credential_that_cannot_be_sent_is_said_in_spanish_with_its_state() -> None:
    expired = CredentialState.worded("expired", "expired on %(day)s", day="2026-01-01")
    entry = type("E", (), {"state": expired, "source": "issued", "name": "RN <b>"})
    entry.row = type("R", (), {"id": "urn:x"})  # type: ignore[attr-defined]
    blocked = candidates.Candidate(entry)  # type: ignore[arg-type]
    with pytest.raises(UsageError) as refused:
        candidates.require_offered([blocked], ["urn:x"])
    # the reason opens with the state's label: said once
    assert refused.value.message == "RN <b> cannot be sent: expired on 2026-01-01"
    with i18n.speaking("es"):
        spanish = str(i18n.said(refused.value))
    assert spanish == "RN &lt;b&gt; no se puede enviar: venció el 2026-01-01"


# -- imports ---------------------------------------------------------------------------


def test_an_import_refusal_reads_in_spanish_on_the_form_and_the_report(
    maria: TestClient,
) -> None:
    form = maria.get("/record/import", headers=SPANISH).text
    pasted = maria.post(
        "/record/import",
        data={"csrf_token": csrf_of(form), "text": "not a credential"},
        headers=SPANISH,
    )
    assert pasted.status_code == 400
    assert "No se pudo importar nada" in pasted.text
    assert "pasted text: Este archivo no es una credencial: openler importa" in pasted.text
    assert english_left(pasted.text) == []
    uploaded = maria.post(
        "/record/import",
        data={"csrf_token": csrf_of(form)},
        files=[("files", ("empty.json", b"  ", "application/json"))],
        headers=SPANISH,
        follow_redirects=True,
    )
    assert uploaded.status_code == 200
    assert "<p>El archivo está vacío</p>" in uploaded.text
    english = maria.get(str(uploaded.url)).text  # the report kept, read again in English
    assert "<p>The file is empty</p>" in english


def test_an_import_row_keeps_its_wording_when_the_report_is_read_again() -> None:
    from openler.services.holders.imports import ImportReport, ImportRow

    note = worded(
        N_("%(plain)s (%(detail)s)"), plain=phrase(N_("its issuer is not trusted")), detail="x"
    )
    row = ImportRow(
        "a.json",
        "not-verified",
        "Did not verify",
        wording=worded(N_("Did not verify: %(why)s"), why=note),
    )
    report = ImportReport([row])
    report.not_import(
        worded(
            N_("%(source)s: the attachment %(name)s is not a credential"),
            source="cv.json",
            name="a.pdf",
        )
    )
    again = ImportReport.from_json(report.to_json())
    assert again.rows[0].wording == row.wording
    assert again.not_imported_said == report.not_imported_wordings
    with i18n.speaking("es"):
        assert str(i18n.said(again.rows[0])) == "No se verificó: su emisor no es de confianza (x)"
        assert str(i18n.said(again.not_imported_said[0])) == (
            "cv.json: el adjunto a.pdf no es una credencial"
        )
    kept_before: dict[str, Any] = {
        "rows": [{"source": "a", "outcome": "refused", "message": "Old"}]
    }
    old = ImportReport.from_json(kept_before)
    with i18n.speaking("es"):
        assert str(i18n.said(old.rows[0])) == "Old"  # kept before wordings: as written


# -- self-reported entries -------------------------------------------------------------


def test_a_self_reported_entry_that_does_not_exist_is_said_in_spanish(maria: TestClient) -> None:
    address = "/record/self/no-such-entry/edit"
    spanish = maria.get(address, headers={**SPANISH, "Accept": "text/html"})
    assert spanish.status_code == 404
    assert "<h1>No se encontró</h1>" in spanish.text
    assert _alert(spanish.text) == "Usted no escribió ninguna entrada como esta"
    english = maria.get(address, headers={"Accept": "text/html"})
    assert _alert(english.text) == "You wrote no such entry"
    api = maria.get(address, headers={**SPANISH, "Accept": "application/json"})
    assert api.json() == {"code": "not_found", "message": "you wrote no such entry"}


# -- the checks of an entry ------------------------------------------------------------


def test_every_check_and_result_is_marked_for_translation() -> None:
    assert set(CHECK_IDS) | {"passed", "failed", "warning", "skipped"} == set(CHECK_WORDS)


def test_an_entrys_checks_read_in_spanish(maria: TestClient) -> None:
    address = entry_address(maria)
    spanish = maria.get(address, headers=SPANISH).text
    table = spanish.split('<details class="checks">', 1)[1].split("</details>", 1)[0]
    assert "<td>lectura</td>" in table and "<td>prueba</td>" in table
    assert '<td class="state-passed">superada</td>' in table
    assert "<td>parse</td>" not in table
    english = maria.get(address).text
    assert "<td>parse</td>" in english and '<td class="state-passed">passed</td>' in english


# -- the résumé's PDF ------------------------------------------------------------------


def _unescape(literal: bytes) -> bytes:
    """A PDF literal string's bytes (its backslash escapes undone)."""
    named = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

    def one(match: re.Match[bytes]) -> bytes:
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return named.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def pdf_text(pdf: bytes) -> str:
    """The words of an fpdf2 PDF: each shown string read through each of its fonts'
    ``ToUnicode`` maps (fpdf2 numbers a subset's glyphs from 1, so a string read through the
    other font's map is gibberish, never a sentence)."""
    import zlib

    maps = [
        {
            int(code, 16): chr(int(char, 16))
            for code, char in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4})>", block)
        }
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", pdf, re.S)
    ]
    lines = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        for literal in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", content, re.S):
            raw = _unescape(literal)
            codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
            lines += ["".join(m.get(c, "?") for c in codes) for m in maps]
    return "\n".join(lines)


def _pdf(client: TestClient, headers: dict[str, str]) -> str:
    form = client.get("/record/export", headers=headers).text
    answer = client.post("/record/export/pdf", data={"csrf_token": csrf_of(form)}, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    return pdf_text(answer.content)


def test_the_resumes_pdf_is_in_the_language_of_the_page(maria: TestClient) -> None:
    spanish = _pdf(maria, SPANISH)
    assert "Licencias y certificaciones" in spanish
    assert "Estado: activa" in spanish
    assert "Página 1 de" in spanish
    assert "Licences and certifications" not in spanish and "State: active" not in spanish
    english = _pdf(maria, {})
    assert "Licences and certifications" in english and "State: active" in english
    assert "Page 1 of" in english
