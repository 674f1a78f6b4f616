"""An organization cannot sign another's name (issue 9, attack 2.8), and a verifier's page
never shows a credential's self-asserted issuer name as the verdict."""

from __future__ import annotations

import copy
import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.services.issuers import issuing, orgs
from openler.store.models import IssuedCredential
from openler.vc import Multikey, sign_credential
from tests.conftest import NOW, SETUP
from tests.web.conftest import csrf_of, login
from tests.web.test_api import token_for

ARMY = "U.S. Army"


def plain(issuer: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:someone"},
    }


@pytest.mark.parametrize(
    "name",
    [
        ARMY,
        {"@value": ARMY, "@language": "en"},
        [{"@value": ARMY, "@language": "en"}, {"@value": "Armée", "@language": "fr"}],
    ],
    ids=["string", "language value", "several languages"],
)
def test_the_vc_api_binds_the_issuer_name_to_the_organization(
    client: TestClient, demo_platform: Any, name: Any
) -> None:
    """Every form VC DM 2.0 §4.6 allows is accepted ("If present, the value of the name
    property MUST be a string or a language value object"; the W3C suite requires that
    issuing such a credential succeeds) — and signed with the organization's own name."""
    token = token_for(demo_platform, "olivia@demo.openler.org", "ohio-nursing", "issuer_admin")
    with demo_platform.db.session() as s:
        did = orgs.org_did(demo_platform, orgs.organization_by_slug(s, "ohio-nursing"))
    issued = client.post(
        "/credentials/issue",
        json={"credential": plain({"id": did, "name": name})},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert issued.status_code == 201, issued.text
    credential = issued.json()["verifiableCredential"]
    assert credential["issuer"] == {"id": did, "name": "Ohio Board of Nursing"}
    assert ARMY not in issued.text


def test_an_issuer_given_as_a_bare_identifier_stays_one(demo_platform: Any) -> None:
    with demo_platform.db.session() as s:
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        did = orgs.org_did(demo_platform, ohio)
        row = issuing.issue_document(s, demo_platform, SETUP, ohio, plain(did))
        assert row.document["issuer"] == did


def _verify_page(client: TestClient, document: str) -> str:
    login(client, "hr@demo.openler.org")  # a verifier
    form = client.get("/verify")
    answer = client.post("/verify", data={"document": document, "csrf_token": csrf_of(form.text)})
    assert answer.status_code == 200, answer.text
    return html.unescape(answer.text)


def _headline(page: str) -> str:
    found = re.search(r"Technical result: (.*?)</p>", page, re.S)
    assert found is not None
    return found.group(1)


def test_the_verifier_page_names_a_registered_issuer_by_the_registry(
    client: TestClient, demo_platform: Any
) -> None:
    with demo_platform.db.session() as s:
        army = orgs.organization_by_slug(s, "us-army")
        row = s.execute(
            select(IssuedCredential).where(IssuedCredential.organization_id == army.id)
        ).scalar_one()
        document = copy.deepcopy(row.document)
    page = _verify_page(client, json.dumps(document))
    assert _headline(page).startswith(
        "Verified: Certification 'Combat Medic Specialist (68W)' issued by U.S. Army to did:key:"
    )


def test_the_verifier_page_never_headlines_a_borrowed_name(
    client: TestClient, demo_platform: Any, license_template: dict[str, Any]
) -> None:
    """Signed outside openler by a key no registry knows, calling itself the Ohio board."""
    stranger = Multikey.from_seed(bytes([99]) * 32)
    doc = copy.deepcopy(license_template)
    doc["issuer"]["id"] = stranger.controller
    page = _verify_page(client, json.dumps(sign_credential(doc, stranger, created=NOW)))
    headline = _headline(page)
    assert "Ohio Board of Nursing" not in headline
    assert stranger.controller in headline
    assert "it calls itself 'Ohio Board of Nursing'" in page  # only as a claim, in the details
