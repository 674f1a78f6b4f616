"""OpenID4VP in Chromium, with wallets and verifiers others wrote: Piedmont's verifier asks
from its page and an independent wallet (@openid4vc/openid4vp, dcql, Digital Bazaar vc,
driven from the test) answers, seen verified on the request page; Maria's openler wallet
answers a Node verifier built on the same libraries — every page axe-clean on a phone."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    _free_port,
    _require_browser,
    accessibility_violations,
    browser,
    demo_server,
    fits_the_screen,
    phone,
    sign_in,
    watch_csp,
)
from tests.interop.node import node_server, run_node
from tests.interop.oid4vp_world import HOLDER, add_nurse, contexts_for


def _add_nurse(base: str, workdir: Path) -> dict[str, Any]:
    """A nurse whose key the independent wallet holds, with an Ohio RN licence, added to
    the demo's database."""
    from openler.services.context import Platform
    from openler.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{workdir / 'demo.db'}", public_url=base, data_dir=workdir
    )
    platform = Platform.from_settings(settings)
    with platform.db.session() as s:
        credential, _id = add_nurse(s, platform)
    platform.db.dispose()
    return credential


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    _require_browser()
    port = _free_port()
    workdir = tmp_path_factory.mktemp("oid4vp-journey")
    env = {
        **os.environ,
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
        # openler's wallet calls the Node verifier on 127.0.0.1 (never in production)
        "OPENLER_PROTOCOL_ALLOW_LOOPBACK": "1",
    }
    with demo_server(workdir, port, env) as base:
        yield base, _add_nurse(base, workdir)


def page_is_good(page: Any) -> None:
    assert accessibility_violations(page) == []
    assert fits_the_screen(page)
    assert page.csp_errors == []


def test_piedmont_asks_and_an_independent_wallet_answers(
    server: tuple[str, dict[str, Any]],
    phone: Any,  # noqa: F811
) -> None:
    base, credential = server
    sign_in(phone, base, "hr@demo.openler.org")
    phone.wait_for_url(f"{base}/home")
    phone.get_by_role("link", name="Ask for credentials").click()
    phone.get_by_label("Kind of credential").select_option("License")
    phone.get_by_label("Its exact name (optional)").fill("Registered Nurse")
    phone.get_by_role("button", name="Create the OpenID4VP request").click()
    expect(phone.get_by_role("img", name="QR code of this OpenID4VP request")).to_be_visible()
    link = phone.get_by_role("textbox", name="OpenID4VP request link").input_value()
    assert link.startswith("openid4vp://?client_id=decentralized_identifier")
    page_is_good(phone)

    answered = run_node(
        "oid4vp/wallet.mjs",
        {
            "uri": link,
            "holder": {"id": HOLDER.id, "controller": HOLDER.controller, **HOLDER.secret_json()},
            "credentials": [credential],
            "contexts": contexts_for(credential),
        },
    )
    assert (answered.get("status"), answered.get("body")) == (200, {}), answered

    phone.reload()
    # answered by a wallet elsewhere: nobody's name is known, only that it is theirs
    expect(
        phone.get_by_role("heading", name=re.compile("^Answered by a wallet on "))
    ).to_be_visible()
    said = phone.locator(".answer-said").all_inner_texts()
    assert said and said[0].startswith(
        "The person who presented it holds Registered Nurse, a licence from Ohio Board of "
        "Nursing, active and valid until "
    ), said
    assert "showed it is theirs" in phone.locator(".answer-rely").first.inner_text()
    phone.get_by_text("How the presentation was checked").first.click()
    assert "Every credential verified." in phone.get_by_role("status").inner_text()
    page_is_good(phone)


def test_maria_answers_a_node_verifier_from_her_wallet(
    server: tuple[str, dict[str, Any]],
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    base, credential = server
    from openler.vc import DID_CONTEXT, DocumentLoader

    contexts = contexts_for(credential)
    contexts.update({url: dict(DocumentLoader().load(url)) for url in DID_CONTEXT})
    (tmp_path / "contexts.json").write_text(json.dumps({"contexts": contexts}))
    query = json.loads(
        (Path(__file__).parents[1] / "data" / "oid4vp" / "rn_licence.json").read_text()
    )
    with node_server("oid4vp/verifier.mjs", str(tmp_path / "contexts.json")) as verifier:
        created = httpx.post(f"{verifier}/requests", json={"query": query}).json()
        context = browser.new_context(viewport={"width": 375, "height": 740})
        maria = watch_csp(context.new_page())
        sign_in(maria, base, "maria@demo.openler.org")
        maria.wait_for_url(f"{base}/home")
        maria.get_by_role("link", name="Answer a verifier's request").click()
        page_is_good(maria)
        maria.get_by_label("The request link").fill(created["uri"])
        maria.get_by_role("button", name="See the request").click()
        expect(
            maria.get_by_role(
                "heading", name=re.compile("Blue Ridge Staffing .* asks for credentials")
            )
        ).to_be_visible()
        assert maria.get_by_role("checkbox", name=re.compile("Registered Nurse")).is_checked()
        page_is_good(maria)
        maria.get_by_label(re.compile("I agree that Blue Ridge Staffing")).check()
        maria.get_by_role("button", name="Send", exact=True).click()
        assert "and accepted" in maria.get_by_role("status").inner_text()
        page_is_good(maria)
        context.close()
        [result] = httpx.get(f"{verifier}/results/{created['id']}").json()
        assert result["ok"] and result["proof"]["challenge"] == result["nonce"]
