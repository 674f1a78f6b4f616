"""Attack pass on incident check-in (issue 13): what a responder's own credentials can make
the roster say of them."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from openler.store.models import IncidentCheckin
from openler.vc import Multikey, sign_credential
from tests.services.incident_world import check_in, holder, issue_to, open_incident


def test_a_forged_credential_does_not_name_the_responder(platform: Any) -> None:
    """A responder is named by what they proved (their licence numbers): a credential they
    signed themselves, carrying another nurse's licence number, proves nothing and must
    not give them that nurse's number as their name on the roster."""
    opened = open_incident(platform)
    eve = holder(20)
    with platform.db.session() as s:
        medic = issue_to(s, platform, "68w", eve, 20).document
        real = issue_to(s, platform, "registered-nurse", holder(21), 21, licenseNumber="RN.1")
        forged = copy.deepcopy(real.document)
    forger = Multikey.from_seed(bytes([99]) * 32)
    forged.pop("proof")
    forged.pop("credentialStatus", None)
    forged["id"] = "urn:uuid:0b0e0f00-0000-4000-8000-00000000e7e0"
    forged["issuer"] = {"id": forger.controller, "type": ["Profile"], "name": "Ohio Board"}
    forged["credentialSubject"]["id"] = eve.controller
    forged = sign_credential(forged, forger, created=platform.now())
    outcome = check_in(platform, opened.token, [medic, forged], eve)
    assert outcome.status == 200, outcome.body  # checked in as a medic, by her own 68W
    with platform.db.session() as s:
        (row,) = s.execute(
            select(IncidentCheckin).where(IncidentCheckin.responder == eve.controller)
        ).scalars()
        assert "RN.1" not in row.name, row.name


def test_a_reason_in_an_issuers_words_is_shown_as_data() -> None:
    """A revoked credential from elsewhere has the status check's message as its reason
    ("Revoked by <its issuer as named> (…)"), which names the issuer as the credential
    does: the roster and the responder's page show it escaped, never as markup."""
    from openler.services.verifiers.credential_state import CredentialState
    from openler.services.verifiers.incident_checkins import _state_reason
    from openler.web.i18n import said

    reason = "Revoked by did:web:evil.example:<img src=x onerror=alert(1)> (fetched %(x)s)"
    shown = str(said(_state_reason(CredentialState("revoked", reason))))
    assert "<img" not in shown and "&lt;img" in shown and "%(x)s" in shown


def test_checking_again_reads_each_credential_as_check_in_verified_it(platform: Any) -> None:
    """Eve checks in with a credential she signed herself (bound to her wallet), whose
    ``type`` merely contains the word EnvelopedVerifiableCredential and whose ``id`` carries
    another nurse's licence as a JWT: the verifier verified Eve's own document (no role
    accepts her as its issuer). Checking everyone again must verify the same document — not
    take the licence out of its ``id`` and check her in as that nurse."""
    from tests.services.test_incident_recheck import recheck
    from tests.services.test_incidents import counts
    from tests.web.test_api import maria_credential
    from tests.web.test_verify_pages import licence_jwt

    opened = open_incident(platform)
    eve = holder(30)
    forger = Multikey.from_seed(bytes([97]) * 32)
    template = copy.deepcopy(maria_credential(platform))
    token = licence_jwt(platform)  # Maria's licence, signed by the Ohio board
    forged = {k: v for k, v in template.items() if k not in ("proof", "credentialStatus")}
    forged["type"] = [*forged["type"], "urn:example:EnvelopedVerifiableCredential"]
    forged["id"] = "data:application/vc+jwt," + token
    forged["issuer"] = {"id": forger.controller, "type": ["Profile"], "name": "Ohio Board"}
    forged["credentialSubject"]["id"] = eve.controller
    forged = sign_credential(forged, forger, created=platform.now())
    outcome = check_in(platform, opened.token, [forged], eve)
    assert outcome.status == 400, outcome.body  # her own document: no role accepts it
    assert counts(platform, opened.incident_id, opened.verifier)[0] == ("RN", 0, 1)
    recheck(platform, opened)
    assert counts(platform, opened.incident_id, opened.verifier)[0] == ("RN", 0, 1)
