"""The trust registry: authorisation, state, recognition across jurisdictions, snapshots."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from openler.vc import Multikey, sign_credential, verify
from openler.vc.dataintegrity import add_proof
from openler.vc.report import Policy
from openler.vc.trust import (
    CredentialFacts,
    Recognition,
    Scope,
    TrustEntry,
    TrustRegistry,
    TrustRegistryError,
)
from openler.vc.verify import Resolvers, load_trust_snapshot
from tests.conftest import NOW

RN = Scope(achievement_types=("License",), occupations=("29-1141.00",))


def registry_for(board: Multikey) -> TrustRegistry:
    registry = TrustRegistry(name="US LER trust registry")
    registry.add(
        TrustEntry(
            issuer=board.controller,
            name="Ohio Board of Nursing",
            jurisdiction="US-OH",
            authorized=(RN,),
            registered_by="Ohio Department of Higher Education",
            valid_from="2020-01-01T00:00:00Z",
        )
    )
    registry.recognise(
        Recognition(
            name="the Nurse Licensure Compact",
            jurisdiction="US-NC",
            recognizes=("US-OH", "US-VA", "US-TN"),
            scope=RN,
        )
    )
    return registry


@pytest.fixture
def license_(signed_license: dict[str, Any]) -> dict[str, Any]:
    return signed_license


def trust_check(report: Any) -> Any:
    return report.check("trust")


def test_authorised_issuer_passes(license_: dict[str, Any], issuer_key: Multikey) -> None:
    report = verify(license_, at=NOW, resolvers=Resolvers(trust=registry_for(issuer_key)))
    assert report.verified, report.summary
    assert trust_check(report).message == (
        "Ohio Board of Nursing (US-OH) is authorised by Ohio Department of Higher Education to "
        "issue License for occupation 29-1141.00 in US-OH"
    )


def test_recognised_in_another_jurisdiction(license_: dict[str, Any], issuer_key: Multikey) -> None:
    resolvers = Resolvers(trust=registry_for(issuer_key))
    report = verify(license_, at=NOW, resolvers=resolvers, policy=Policy(jurisdiction="US-NC"))
    assert report.verified
    assert trust_check(report).message.endswith(
        "recognised in US-NC under the Nurse Licensure Compact"
    )


def test_not_recognised_where_no_rule_applies(
    license_: dict[str, Any], issuer_key: Multikey
) -> None:
    resolvers = Resolvers(trust=registry_for(issuer_key))
    report = verify(license_, at=NOW, resolvers=resolvers, policy=Policy(jurisdiction="US-CA"))
    assert not report.verified
    assert trust_check(report).message == (
        "Ohio Board of Nursing (US-OH) is authorised for Registered Nurse License in US-OH, "
        "which is not recognised in US-CA"
    )


def test_issuer_outside_the_registry_fails(
    license_: dict[str, Any], key_factory: Callable[[int], Multikey]
) -> None:
    report = verify(license_, at=NOW, resolvers=Resolvers(trust=registry_for(key_factory(9))))
    assert not report.verified
    assert trust_check(report).message.startswith(
        f"issuer {license_['issuer']['id']} is not in the trust registry"
    )


def test_suspended_issuer_fails(license_: dict[str, Any], issuer_key: Multikey) -> None:
    registry = registry_for(issuer_key)
    registry.set_state(
        issuer_key.controller, "suspended", at=NOW - timedelta(days=2), reason="audit pending"
    )
    report = verify(license_, at=NOW, resolvers=Resolvers(trust=registry))
    assert trust_check(report).message == (
        "Ohio Board of Nursing (US-OH) is suspended in the trust registry since 2026-11-22: audit pending"
    )


def test_issuer_authorised_for_a_different_credential_fails(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    doc = copy.deepcopy(license_template)
    doc["credentialSubject"]["achievement"]["achievementType"] = "Certification"
    report = verify(
        sign_credential(doc, issuer_key, created=NOW),
        at=NOW,
        resolvers=Resolvers(trust=registry_for(issuer_key)),
    )
    assert trust_check(report).message == (
        "Ohio Board of Nursing (US-OH) is not registered to issue Registered Nurse Certification "
        "in US-OH (authorised for: License for occupation 29-1141.00)"
    )


def test_registration_window(license_: dict[str, Any], issuer_key: Multikey) -> None:
    registry = registry_for(issuer_key)
    entry = registry.entries[issuer_key.controller]
    registry.add(TrustEntry(**{**entry.__dict__, "valid_until": "2026-06-30T00:00:00Z"}))
    report = verify(license_, at=NOW, resolvers=Resolvers(trust=registry))
    assert "registration ended on 2026-06-30" in trust_check(report).message


def test_policy_can_require_trust_without_a_registry(license_: dict[str, Any]) -> None:
    report = verify(license_, at=NOW, policy=Policy(require_trust=True))
    assert not report.verified
    assert trust_check(report).status == "failed"
    assert verify(license_, at=NOW).check("trust").status == "skipped"  # type: ignore[union-attr]


def snapshot(registry: TrustRegistry, authority: Multikey) -> dict[str, Any]:
    unsigned = registry.snapshot(
        registry_id="https://ler.nc.example/trust", authority=authority.controller, at=NOW
    )
    return add_proof(unsigned, authority, created=NOW)


def test_signed_snapshot_round_trip_offline(
    license_: dict[str, Any],
    issuer_key: Multikey,
    key_factory: Callable[[int], Multikey],
    no_network: list[Any],
) -> None:
    authority = key_factory(3)
    signed = snapshot(registry_for(issuer_key), authority)
    assert verify(signed, at=NOW).verified
    loaded = load_trust_snapshot(signed, at=NOW, authority=authority.controller)
    assert loaded.to_json() == registry_for(issuer_key).to_json()
    report = verify(
        license_,
        at=NOW + timedelta(days=3),
        resolvers=Resolvers(trust=loaded),
        policy=Policy(jurisdiction="US-NC"),
    )
    assert report.verified
    assert trust_check(report).message.endswith(
        "(registry snapshot of 2026-11-24T12:00:00Z, 3 days old)"
    )
    assert no_network == []


def test_tampered_or_foreign_snapshots_are_refused(
    issuer_key: Multikey, key_factory: Callable[[int], Multikey]
) -> None:
    authority = key_factory(3)
    signed = snapshot(registry_for(issuer_key), authority)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["entries"][0]["state"] = "active"
    tampered["credentialSubject"]["entries"][0]["jurisdiction"] = "US-NC"
    with pytest.raises(TrustRegistryError, match="does not verify"):
        load_trust_snapshot(tampered, at=NOW)
    with pytest.raises(TrustRegistryError, match="not by the expected authority"):
        load_trust_snapshot(signed, at=NOW, authority=key_factory(4).controller)


def test_registry_json_round_trip_and_errors(issuer_key: Multikey) -> None:
    registry = registry_for(issuer_key)
    assert TrustRegistry.from_json(registry.to_json()).to_json() == registry.to_json()
    with pytest.raises(TrustRegistryError, match="needs 'jurisdiction'"):
        TrustEntry.from_json({"issuer": "did:x", "name": "x", "registeredBy": "y"})
    with pytest.raises(TrustRegistryError, match="state must be one of"):
        registry.set_state(issuer_key.controller, "paused", at=NOW)  # type: ignore[arg-type]
    with pytest.raises(TrustRegistryError, match="not in the registry"):
        registry.remove("did:example:nobody")


def test_facts_from_credentials(license_: dict[str, Any]) -> None:
    facts = CredentialFacts.of(license_)
    assert facts.achievement_types == ("License",)
    assert facts.occupations == ("29-1141.00",)
    assert "https://nursing.ohio.gov/achievements/registered-nurse" in facts.credential_ids
