"""The models keep every property and agree with the 1EdTech reference schemas."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openler.vc.models import AchievementCredential, ClrCredential, model_for, schema_errors
from tests.conftest import SHARED, load_json, shared_path
from tests.vc.strategies import ob_credentials

OB_EXAMPLES = sorted((SHARED / "data" / "openbadges").glob("*.json"))


def as_vc11(doc: Any) -> Any:
    """The reference schemas predate VC 2.0: express the documented date difference in
    their vocabulary (validFrom → issuanceDate, validUntil → expirationDate)."""
    if isinstance(doc, list):
        return [as_vc11(x) for x in doc]
    if not isinstance(doc, dict):
        return doc
    out = {}
    for key, value in doc.items():
        key = {"validFrom": "issuanceDate", "validUntil": "expirationDate"}.get(key, key)
        out[key] = as_vc11(value)
    return out


def reference_valid(schema_name: str, doc: dict[str, Any]) -> bool:
    schema = load_json(shared_path("standards", "schemas", schema_name))
    validator = jsonschema.validators.validator_for(schema)
    return bool(validator(schema).is_valid(as_vc11(doc)))


def sample_credential() -> dict[str, Any]:
    path = Path(__file__).parents[2] / "src" / "openler" / "demo" / "rn-license.json"
    doc: dict[str, Any] = load_json(path)
    return doc | {"issuer": {"id": "did:example:board", "type": ["Profile"], "name": "Board"}}


def mutations(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Single changes to a valid document: drop a property, change a value's JSON type,
    add an unknown property to an object."""
    if isinstance(doc, dict):
        yield f"extra at {path}", {**doc, "unexpectedProperty": "x"}
        for key in doc:
            yield f"drop {(*path, key)}", {k: v for k, v in doc.items() if k != key}
            for label, child in mutations(doc[key], (*path, key)):
                yield label, {**doc, key: child}
    elif isinstance(doc, list):
        for i, item in enumerate(doc):
            for label, child in mutations(item, (*path, i)):
                yield label, [*doc[:i], child, *doc[i + 1 :]]
    elif isinstance(doc, str):
        yield f"number at {path}", 42
    elif isinstance(doc, bool):
        yield f"string at {path}", "true"


def test_every_mutation_is_judged_like_the_reference_schema() -> None:
    base = sample_credential()
    assert schema_errors(base) == []
    assert reference_valid("ob_v3p0_achievementcredential_schema_draft4.json", base)
    checked = 0
    for label, doc in mutations(base):
        if label.startswith("drop") and label.endswith("'validFrom')"):
            continue  # VC 2.0 difference: validFrom is required here, issuanceDate there
        ours = schema_errors(doc, AchievementCredential) == []
        theirs = reference_valid("ob_v3p0_achievementcredential_schema_draft4.json", doc)
        assert ours == theirs, (
            f"{label}: ours={ours} reference={theirs} {schema_errors(doc, AchievementCredential)}"
        )
        checked += 1
    assert checked > 50


@settings(max_examples=60, deadline=None)
@given(ob_credentials(), st.data())
def test_generated_credentials_agree_with_reference(
    credential: dict[str, Any], data: st.DataObject
) -> None:
    credential = credential | {"issuer": {"id": "did:example:i", **credential["issuer"]}}
    assert schema_errors(credential) == []
    assert reference_valid("ob_v3p0_achievementcredential_schema_draft4.json", credential)


def clr_sample() -> dict[str, Any]:
    inner = sample_credential()
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:clr-1",
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": "Maria's record",
        "issuer": {"id": "did:example:office", "type": ["Profile"]},
        "validFrom": "2026-02-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:maria",
            "type": ["ClrSubject"],
            "verifiableCredential": [inner],
            "association": [
                {
                    "type": "Association",
                    "associationType": "isPartOf",
                    "sourceId": "urn:uuid:a",
                    "targetId": "urn:uuid:b",
                }
            ],
        },
    }


def test_clr_mutations_agree_with_reference_schema() -> None:
    base = clr_sample()
    assert schema_errors(base) == []
    assert reference_valid("clr_v2p0_clrcredential_schema_draft4.json", base)
    for label, doc in mutations(base):
        if "'validFrom')" in label and label.startswith("drop"):
            continue
        ours = schema_errors(doc, ClrCredential) == []
        theirs = reference_valid("clr_v2p0_clrcredential_schema_draft4.json", doc)
        assert ours == theirs, f"{label}: ours={ours} reference={theirs}"


@pytest.mark.parametrize("path", OB_EXAMPLES, ids=lambda p: p.name)
def test_specification_examples_conform_and_round_trip(path: Path) -> None:
    doc = load_json(path)
    assert schema_errors(doc) == []
    model = model_for(doc)
    assert model is not None
    assert model.model_validate(doc).to_json() == doc


def test_unknown_properties_survive_a_round_trip() -> None:
    doc = sample_credential()
    doc["credentialSubject"]["achievement"]["x-local"] = {"nested": [1, 2.5, None]}
    doc["customTop"] = "kept"
    copy_ = copy.deepcopy(doc)
    assert AchievementCredential.model_validate(doc).to_json() == copy_
    assert json.dumps(
        AchievementCredential.model_validate(doc).to_json(), sort_keys=True
    ) == json.dumps(copy_, sort_keys=True)


def test_vc11_documents_need_issuance_date() -> None:
    doc = sample_credential() | {"@context": ["https://www.w3.org/2018/credentials/v1"]}
    assert "issuanceDate is required with the VC 1.1 context" in schema_errors(doc)[0]


def test_schema_errors_are_readable() -> None:
    doc = sample_credential()
    doc["credentialSubject"]["achievement"]["achievementType"] = "Nonsense"
    del doc["name"]
    errors = schema_errors(doc)
    assert "name: Field required" in errors
    assert any(
        e.startswith("credentialSubject.achievement.achievementType: 'Nonsense' is not one of")
        for e in errors
    )


def test_presentation_and_generic_credential_models_round_trip(
    signed_license: dict[str, Any],
) -> None:
    from openler.vc.models import Credential, VerifiablePresentation

    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": "did:example:maria",
        "verifiableCredential": [signed_license],
        "x-extra": 1,
    }
    assert VerifiablePresentation.model_validate(vp).to_json() == vp
    vc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:maria", "anything": [1, 2]},
    }
    assert Credential.model_validate(vc).to_json() == vc
    assert schema_errors(vc, Credential) == []
    assert schema_errors({**vc, "validFrom": "soon"}, Credential)
