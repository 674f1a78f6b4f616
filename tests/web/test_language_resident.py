"""Every page a resident sees reads in Spanish: Maria's pages, asked for in Spanish, say
`<html lang="es">` and keep none of the English sentences of their own fixed text (the
catalogue's messages of more than three words). Names, dates and the issuers' own words are
data and stay as they were written."""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, login

ROOT = Path(__file__).resolve().parents[2]
SPANISH = {"Accept-Language": "es"}
#: the pages a resident reads (an entry's page is found on the record)
PAGES = [
    "/home",
    "/record",
    "/record/self/new",
    "/record/import",
    "/record/skills",
    "/shares",
    "/record/my-data",
    "/record/export",
    "/account/delete",
]


@cache
def sentences() -> frozenset[str]:
    """The English sentences of the catalogue: each message of more than three words, or
    for a message with values each of its fixed parts of more than three words."""
    with (ROOT / "src/openler/locale/es/LC_MESSAGES/messages.po").open("rb") as source:
        catalogue = read_po(source)
    found = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        for text in ids:
            for part in re.split(r"%\([a-z_]+\)s", text):
                part = part.strip(" ,.:;()")
                if len(part.split()) > 3:
                    found.add(part)
    return frozenset(found)


def english_left(page: str) -> list[str]:
    """The catalogue's English sentences ``page`` still shows (its text, tags removed)."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    text = re.sub(r"\s+", " ", text)
    markup = html.unescape(page)
    return sorted(s for s in sentences() if s in text or s in markup)


def entry_address(client: TestClient) -> str:
    record = client.get("/record").text
    found = re.search(r'<h3><a href="(/record/issued:[^"]+)"', record)
    assert found is not None
    return html.unescape(found.group(1))


@pytest.fixture
def maria(client: TestClient) -> TestClient:
    login(client, "maria@demo.openler.org")
    return client


def test_the_check_finds_english_when_the_page_is_in_english(maria: TestClient) -> None:
    for path in ("/home", "/record", entry_address(maria), "/shares"):
        assert english_left(maria.get(path).text), path


@pytest.mark.parametrize("path", PAGES)
def test_each_resident_page_reads_in_spanish(maria: TestClient, path: str) -> None:
    page = maria.get(path, headers=SPANISH)
    assert page.status_code == 200
    assert '<html lang="es">' in page.text
    assert english_left(page.text) == []


def test_an_entry_reads_in_spanish_sentence_first(maria: TestClient) -> None:
    address = entry_address(maria)
    page = maria.get(address, headers=SPANISH).text
    assert '<html lang="es">' in page
    assert english_left(page) == []
    sentence = re.search(r'<p class="sentence">([^<]+)</p>', page)
    assert sentence is not None
    # "Registered Nurse, una licencia de Ohio Board of Nursing, activa, válida hasta el …"
    assert re.search(r", (una?) [^,]+ de [^,]+, ", sentence.group(1)), sentence.group(1)
    assert "Qué certifica" in page or "Estado" in page
    english = maria.get(address).text
    assert " from " in re.search(r'<p class="sentence">([^<]+)</p>', english).group(1)  # type: ignore[union-attr]


def test_a_self_reported_entrys_problems_read_in_spanish_and_keep_what_was_typed(
    maria: TestClient,
) -> None:
    form = maria.get("/record/self/new", headers=SPANISH).text
    answer = maria.post(
        "/record/self/new",
        data={
            "csrf_token": csrf_of(form),
            "kind": "job",
            "title": "",
            "started": "2019-13",
            "ended": "",
            "organization": "Clínica <Norte>",
        },
        headers=SPANISH,
    )
    assert answer.status_code == 400
    page = answer.text
    assert "Corrija estas 2 cosas, por favor" in page
    assert "Póngale un título, como el empleo o la habilidad." in page
    assert "No existe el mes 13; los meses van del 01 al 12." in page
    assert 'value="Clínica &lt;Norte&gt;"' in page
    assert english_left(page) == []


def test_a_share_and_its_log_read_in_spanish(maria: TestClient) -> None:
    shares = maria.get("/shares", headers=SPANISH).text
    made = maria.post(
        "/shares",
        data={
            "csrf_token": csrf_of(shares),
            "what": "whole",
            "audience": "Piedmont Regional Hospital",
            "purpose": "Solicitud de empleo",
            "days": "30",
            "views": "3",
            "consent": "yes",
        },
        headers=SPANISH,
        follow_redirects=True,
    )
    assert made.status_code == 200
    assert "Su nuevo enlace para compartir" in made.text
    link = re.search(r'id="link" type="text" readonly value="[^"]*/s/([^"]+)"', made.text)
    assert link is not None
    share = re.search(r'<h3><a href="(/shares/[^"]+)">', made.text)
    assert share is not None
    assert "usado 0 de 3 vistas" in made.text
    detail = maria.get(share.group(1), headers=SPANISH).text
    assert '<html lang="es">' in detail and "Nadie lo ha abierto todavía." in detail
    assert english_left(detail) == []
    refused = maria.post(
        "/shares",
        data={"csrf_token": csrf_of(shares), "what": "whole", "audience": "", "purpose": ""},
        headers=SPANISH,
    )
    assert refused.status_code == 400
    assert "Indique quién verá las credenciales y por qué." in refused.text


def test_what_needs_attention_reads_in_spanish_with_the_issuers_words_escaped() -> None:
    from datetime import date

    from openler.services.holders import reading
    from openler.services.verifiers.credential_state import CredentialState
    from openler.web import i18n
    from openler.web.render import templates

    macro = templates.env.get_template("_macros.html").module.attention_words  # type: ignore[attr-defined]
    suspended = CredentialState.worded(
        "suspended",
        "suspended on %(day)s by %(issuer)s: %(said)s",
        day="2026-11-20",
        issuer="Ohio <b>Board</b>",
        said="Under review",
    )
    entry = type("E", (), {"state": suspended, "verified_when_added": True, "valid_until": None})
    found = reading._attention(entry, date(2026, 11, 26))  # type: ignore[arg-type]
    assert found is not None
    message, values, state = found
    # the reason opens with the state's label: said once, by the state, capitalised
    assert message == "" and state == suspended
    shown = reading.Attention("issued:x", "RN", suspended.said, message, (), state)
    assert shown.what == "Suspended on 2026-11-20 by Ohio <b>Board</b>: Under review"
    with i18n.speaking("es"):
        spanish = str(macro(shown))
    assert spanish == "Suspendida el 2026-11-20 por Ohio &lt;b&gt;Board&lt;/b&gt;: Under review"
    assert str(macro(shown)) == (
        "Suspended on 2026-11-20 by Ohio &lt;b&gt;Board&lt;/b&gt;: Under review"
    )
    # a reason in other words keeps the label before it
    other = CredentialState("suspended", "under review")
    entry = type("E", (), {"state": other, "verified_when_added": True, "valid_until": None})
    found = reading._attention(entry, date(2026, 11, 26))  # type: ignore[arg-type]
    assert found is not None and found[0] == "suspended: %(reason)s"
    active = CredentialState("active")
    soon = type(
        "E", (), {"state": active, "verified_when_added": True, "valid_until": "2026-12-01"}
    )
    found = reading._attention(soon, date(2026, 11, 26))  # type: ignore[arg-type]
    assert found is not None
    message, values, state = found
    shown = reading.Attention("issued:y", "RN", "", message, tuple(values.items()), state)
    with i18n.speaking("es"):
        assert str(macro(shown)) == "vence el 2026-12-01 (dentro de 5 días)"
    assert str(macro(shown)) == "expires on 2026-12-01 (in 5 days)"
