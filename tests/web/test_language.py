"""The pages' language: the browser's Accept-Language, a visitor's choice kept in a cookie,
a signed-in person's choice kept with their account; only same-site pages to come back to;
and the Spanish catalogue complete for the text the templates hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.store.models import Person
from openler.web import create_app, i18n
from tests.web.conftest import csrf_of, login

ROOT = Path(__file__).resolve().parents[2]


def test_the_browsers_language_is_read(client: TestClient) -> None:
    spanish = client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.8"})
    assert spanish.headers["content-language"] == "es"
    assert '<html lang="es">' in spanish.text
    assert "Registros de aprendizaje y empleo" in spanish.text
    english = client.get("/login", headers={"Accept-Language": "de,fr;q=0.5"})
    assert english.headers["content-language"] == "en"
    assert "Learning and Employment Records" in english.text


@pytest.mark.parametrize("back", ["//evil.example/", "https://evil.example/", "/login?x=1"])
def test_a_visitors_choice_is_kept_in_a_cookie(client: TestClient, back: str) -> None:
    page = client.get("/login")
    chosen = client.post(
        "/language",
        data={"language": "es", "next": back, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    expected = back if back.startswith("/login") else "/"
    assert chosen.headers["location"] == expected
    assert client.cookies.get(i18n.LANGUAGE_COOKIE) == "es"
    assert '<html lang="es">' in client.get("/login").text
    # an unknown language is English
    client.post("/language", data={"language": "xx'><script>", "next": "/login"})
    assert client.cookies.get(i18n.LANGUAGE_COOKIE) == "en"


def test_a_persons_choice_follows_them_to_another_browser(demo_platform: Any) -> None:
    app = create_app(demo_platform.settings, platform=demo_platform)
    first = TestClient(app, base_url="http://127.0.0.1:8000")
    login(first, "maria@demo.openler.org")
    home = first.get("/home")
    first.post(
        "/language", data={"language": "es", "next": "/home", "csrf_token": csrf_of(home.text)}
    )
    with demo_platform.db.session() as s:
        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        assert maria.locale == "es"
    other = TestClient(app, base_url="http://127.0.0.1:8000")
    login(other, "maria@demo.openler.org")
    assert other.get("/home", headers={"Accept-Language": "en"}).headers["content-language"] == "es"
    # and someone else's pages are not changed by it
    james = TestClient(app, base_url="http://127.0.0.1:8000")
    login(james, "james@demo.openler.org")
    assert james.get("/home").headers["content-language"] == "en"


def test_a_signed_in_choice_needs_the_sessions_token(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "maria@demo.openler.org")
    forged = client.post(
        "/language",
        data={"language": "es", "next": "/home"},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    with demo_platform.db.session() as s:
        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        assert maria.locale is None


def _extracted() -> set[str]:
    method_map = [
        ("src/openler/web/**.py", "python"),
        ("src/openler/services/**.py", "python"),
        ("src/openler/web/templates/**.html", "jinja2"),
    ]
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_text_of_the_pages_has_its_spanish() -> None:
    po = ROOT / "src/openler/locale/es/LC_MESSAGES/messages.po"
    with po.open("rb") as source:
        catalogue = read_po(source)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and m.string and not m.fuzzy
    }
    missing = sorted(_extracted() - translated)
    assert not missing, f"run `make messages` and translate these in {po}: {missing}"


def test_a_credentials_state_reads_in_spanish_with_the_issuers_own_words_kept() -> None:
    from openler.services.verifiers.credential_state import CredentialState
    from openler.web.render import templates

    macro = templates.env.get_template("_macros.html").module.credential_state  # type: ignore[attr-defined]
    state = CredentialState.worded(
        "revoked",
        "revoked on %(day)s by %(issuer)s: %(said)s",
        day="2026-11-24",
        issuer="Ohio <b>Board</b>",
        said="Licence surrendered",
    )
    assert state.reason == "revoked on 2026-11-24 by Ohio <b>Board</b>: Licence surrendered"
    # the reason opens with the state's label: said once, capitalised, in either language
    with i18n.speaking("es"):
        spanish = str(macro(state))
    assert spanish == (
        '<strong class="state-revoked">'
        "Revocada el 2026-11-24 por Ohio &lt;b&gt;Board&lt;/b&gt;: Licence surrendered</strong>"
    )
    english = str(macro(state))
    assert ">Revoked on 2026-11-24 by Ohio &lt;b&gt;Board&lt;/b&gt;: Licence" in english
    assert ">revoked<" not in english
    # a reason in other words follows the label
    other = CredentialState("issuer-not-trusted", "Ohio <b>Board</b> is suspended")
    with i18n.speaking("es"):
        spanish = str(macro(other))
    assert spanish.startswith('<strong class="state-issuer-not-trusted">')
    assert '</strong><span class="reason"> — Ohio &lt;b&gt;Board&lt;/b&gt; is suspended' in spanish
    assert ">issuer not trusted</strong>" not in spanish  # the label in Spanish


def test_marias_skills_read_in_spanish(client: TestClient) -> None:
    login(client, "maria@demo.openler.org")
    page = client.get("/record/skills", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    assert "Sus habilidades" in page.text
    assert "Sus credenciales demuestran 6 habilidades y 1 ocupación." in page.text
    assert "Credenciales que la demuestran" in page.text  # the chart's axis, in its data
