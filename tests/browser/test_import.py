"""Importing in Chromium on a phone-sized screen: Maria uploads a baked PNG badge and a JWT
file from another issuer and sees each labelled with what its check found; a pasted text
that is not a credential is shown again with why. Every page axe-clean."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from openler.vc import Multikey, bake_png, encode_jwt_credential, sign_credential
from openler.vc.baking import blank_png
from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    accessibility_violations,
    browser,
    fits_the_screen,
    own_demo,
    phone,
    sign_in,
    watch_csp,
)
from tests.conftest import NOW


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_demo(tmp_path_factory, "imports") as (base, _workdir):
        yield base


def page_is_good(page: Any) -> None:
    assert accessibility_violations(page) == []
    assert fits_the_screen(page)
    assert page.csp_errors == []


def credential(name: str, number: int) -> tuple[dict[str, Any], Multikey]:
    key = Multikey.from_seed(bytes([40 + number]) * 32)
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:00000000-0000-4000-8000-00000000000{number}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {"id": key.controller, "type": ["Profile"], "name": "Lakeside Community College"},
        "validFrom": "2025-06-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://lakeside.example/achievements/{number}",
                "type": ["Achievement"],
                "name": name,
                "description": f"{name}, completed.",
                "criteria": {"narrative": "Pass the course."},
            },
        },
    }, key


def test_maria_imports_a_badge_and_a_jwt_and_sees_each_labelled(
    server: str,
    phone: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    first, key = credential("Forklift Safety", 1)
    badge = tmp_path / "forklift.png"
    badge.write_bytes(
        bake_png(blank_png(8, 8), json.dumps(sign_credential(first, key, created=NOW)))
    )
    second, other = credential("First Aid", 2)
    token = tmp_path / "first-aid.jwt"
    token.write_text(encode_jwt_credential(second, other, at=NOW))

    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Import credentials you have from elsewhere").click()
    expect(phone.get_by_role("heading", name="Import credentials you already have")).to_be_visible()
    page_is_good(phone)

    # a pasted text that is not a credential: said why, and kept to correct
    phone.get_by_label("Or paste a credential").fill('{"name": "my CV"}')
    phone.get_by_role("button", name="Import").click()
    assert "Nothing could be imported" in phone.get_by_role("alert").inner_text()
    assert phone.get_by_label("Or paste a credential").input_value() == '{"name": "my CV"}'
    page_is_good(phone)

    phone.get_by_label("Or paste a credential").fill("")
    phone.get_by_label("Files").set_input_files([str(badge), str(token)])
    phone.get_by_role("button", name="Import").click()
    phone.wait_for_url(f"{server}/record/import/*")
    expect(phone.get_by_role("heading", name="What was imported")).to_be_visible()
    assert "2 added and verified" in phone.get_by_role("status").inner_text()
    for name, source in (("Forklift Safety", "forklift.png"), ("First Aid", "first-aid.jwt")):
        card = phone.locator("li.card", has=phone.get_by_role("link", name=name))
        assert "Added, verified" in card.inner_text()
        assert f"From {source}" in card.inner_text()
        assert (
            card.get_by_role("link", name=name).get_attribute("href").startswith("/record/held%3A")
        )
    page_is_good(phone)

    # reloading imports nothing twice
    phone.reload()
    assert "2 added and verified" in phone.get_by_role("status").inner_text()
