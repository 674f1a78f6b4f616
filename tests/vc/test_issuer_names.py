"""Who issued a credential, as a verdict says it: the trust registry's name for the issuer's
DID, or the DID itself — never the name the credential gives itself. (Issue 9, attack 2.8:
an issuer wrote another organization's name in ``issuer.name`` and the headline showed it.
VC Data Model 2.0 §4.7 makes the issuer's identifier the URL "the issuer selects … to
identify itself"; a ``name`` beside it is only what the signer says about itself.)"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openler.vc import Multikey, sign_credential, verify
from openler.vc.trust import Scope, TrustEntry, TrustRegistry
from openler.vc.verify import Resolvers
from tests.conftest import NOW
from tests.vc.test_statuslist import LIST_URL, Board

ARMY = "U.S. Army"
REGISTERED = "Board of Nursing of the State of Ohio"


def registry_naming(did: str, name: str = REGISTERED) -> TrustRegistry:
    registry = TrustRegistry(name="NC LER trust registry")
    registry.add(
        TrustEntry(
            issuer=did,
            name=name,
            jurisdiction="US-OH",
            authorized=(Scope(("License",)),),
            registered_by="North Carolina LER Office",
        )
    )
    return registry


def claiming(template: dict[str, Any], key: Multikey, name: Any) -> dict[str, Any]:
    doc = copy.deepcopy(template)
    doc["issuer"]["name"] = name
    return sign_credential(doc, key, created=NOW)


def test_without_a_registry_the_headline_names_the_did(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    report = verify(claiming(license_template, issuer_key, ARMY), at=NOW)
    assert report.verified  # the signature is fine: only the name is a lie
    assert f"issued by {issuer_key.controller} to" in report.summary
    assert ARMY not in report.summary and ARMY not in report.description
    issuer = report.check("issuer")
    assert issuer is not None and issuer.message == (
        f"signed with a key controlled by the issuer, {issuer_key.controller}; it calls "
        f"itself {ARMY!r}, which no registry here vouches for"
    )


def test_with_a_registry_the_headline_uses_the_registered_name(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    resolvers = Resolvers(trust=registry_naming(issuer_key.controller))
    report = verify(claiming(license_template, issuer_key, ARMY), at=NOW, resolvers=resolvers)
    assert report.summary.startswith(
        f"Verified: License 'Registered Nurse' issued by {REGISTERED} to did:key:"
    )
    assert ARMY not in report.summary
    issuer = report.check("issuer")
    assert issuer is not None
    assert f"{issuer_key.controller} ({REGISTERED} in the trust registry)" in issuer.message
    assert f"it calls itself {ARMY!r}" in issuer.message  # shown, as a claim, in the details


def test_a_name_that_matches_the_registry_is_not_flagged(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    resolvers = Resolvers(trust=registry_naming(issuer_key.controller))
    report = verify(claiming(license_template, issuer_key, REGISTERED), at=NOW, resolvers=resolvers)
    issuer = report.check("issuer")
    assert issuer is not None and "calls itself" not in issuer.message


def test_a_name_in_several_languages_is_shown_as_a_claim(issuer_key: Multikey) -> None:
    # VC DM 2.0 §4.6: "the value of the name property MUST be a string or a language value
    # object as described in 11.1 Language and Base Direction"
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": {
            "id": issuer_key.controller,
            "name": [
                {"@value": "Armée des États-Unis", "@language": "fr"},
                {"@value": ARMY, "@language": "en"},
            ],
        },
        "credentialSubject": {"id": "did:example:someone"},
    }
    report = verify(sign_credential(doc, issuer_key, created=NOW), at=NOW)
    issuer = report.check("issuer")
    assert issuer is not None
    assert "it calls itself 'Armée des États-Unis / U.S. Army'" in issuer.message
    assert ARMY not in report.summary


def test_status_verdicts_use_the_registered_name_not_the_lists_own(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    board = Board(issuer_key)  # its status lists call their issuer "Ohio Board of Nursing"
    credential = board.license(license_template, 7)
    board.set(LIST_URL, 7, 1)
    resolvers = Resolvers(board.fetch, trust=registry_naming(issuer_key.controller))
    report = verify(credential, at=NOW, resolvers=resolvers)
    assert report.summary.startswith(f"Not verified: status failed: Revoked by {REGISTERED} (")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # the fixtures are read, never changed (claiming() copies)
@given(
    name=st.text(min_size=1, max_size=40).map(lambda text: "Zq" + text),
    registered=st.booleans(),
)
def test_no_self_asserted_name_reaches_a_headline(
    license_template: dict[str, Any], issuer_key: Multikey, name: str, registered: bool
) -> None:
    trust = registry_naming(issuer_key.controller) if registered else None
    report = verify(
        claiming(license_template, issuer_key, name), at=NOW, resolvers=Resolvers(trust=trust)
    )
    assert name not in report.summary and name not in report.description
    assert (REGISTERED if registered else issuer_key.controller) in report.description
