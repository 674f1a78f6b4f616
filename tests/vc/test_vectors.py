"""The W3C vc-di-eddsa test vectors reproduce byte for byte, for both cryptosuites."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from openler.vc import DocumentLoader, Multikey, Resolver, add_proof, check_proofs, jcs, jsonld
from openler.vc.multibase import b58decode
from tests.conftest import DATA, NOW, load_json, shared_path

VECTORS = DATA / "vectors"
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)
SUITES = [("eddsa-rdfc-2022", "rdfc"), ("eddsa-jcs-2022", "jcs")]


def text(*parts: str) -> str:
    return VECTORS.joinpath(*parts).read_text("utf-8")


def canonical(suite: str, doc: dict[str, Any], loader: DocumentLoader) -> bytes:
    if suite == "eddsa-rdfc-2022":
        return jsonld.canonicalize(doc, loader).encode()
    return jcs.canonicalize(doc)


@pytest.mark.parametrize(("suite", "folder"), SUITES)
def test_every_intermediate_value(suite: str, folder: str, loader: DocumentLoader) -> None:
    unsigned = load_json(VECTORS / "unsigned.json")
    config = load_json(VECTORS / folder / "proofConfig.json")
    doc_canon = canonical(suite, unsigned, loader)
    config_canon = canonical(suite, config, loader)
    assert doc_canon.decode() == text(folder, "canonDoc.txt")
    assert config_canon.decode() == text(folder, "proofCanon.txt")
    doc_hash = hashlib.sha256(doc_canon).hexdigest()
    config_hash = hashlib.sha256(config_canon).hexdigest()
    assert doc_hash == text(folder, "docHash.txt").strip()
    assert config_hash == text(folder, "proofHash.txt").strip()
    assert config_hash + doc_hash == text(folder, "combinedHash.txt").strip()


@pytest.mark.parametrize(("suite", "folder"), SUITES)
def test_signed_document_is_reproduced(suite: str, folder: str, loader: DocumentLoader) -> None:
    key = Multikey.from_json(load_json(VECTORS / "keyPair.json"))
    signed = add_proof(
        load_json(VECTORS / "unsigned.json"),
        key,
        cryptosuite=suite,  # type: ignore[arg-type]
        created=CREATED,
        loader=loader,
    )
    expected = load_json(VECTORS / folder / "signed.json")
    assert signed == expected
    signature = b58decode(signed["proof"]["proofValue"][1:])
    assert signature.hex() == text(folder, "sigHex.txt").strip()


@pytest.mark.parametrize(("suite", "folder"), SUITES)
def test_vector_proofs_verify(suite: str, folder: str, loader: DocumentLoader) -> None:
    signed = load_json(VECTORS / folder / "signed.json")
    [result] = check_proofs(
        signed, resolver=Resolver(), purpose="assertionMethod", at=NOW, loader=loader
    )
    assert result.ok, result.message
    assert result.cryptosuite == suite


@pytest.mark.parametrize("name", ["signedProofSet2.json", "signedProofChain2.json"])
def test_proof_sets_and_chains_verify_each_proof(name: str, loader: DocumentLoader) -> None:
    signed = load_json(VECTORS / name)
    results = check_proofs(
        signed, resolver=Resolver(), purpose="assertionMethod", at=NOW, loader=loader
    )
    assert len(results) == len(signed["proof"]) >= 2
    assert all(r.ok for r in results), [r.message for r in results]


def test_a_broken_proof_in_a_set_is_reported_alone(loader: DocumentLoader) -> None:
    signed = load_json(VECTORS / "signedProofSet2.json")
    signed["proof"][1]["proofValue"] = signed["proof"][0]["proofValue"]
    results = check_proofs(
        signed, resolver=Resolver(), purpose="assertionMethod", at=NOW, loader=loader
    )
    assert [r.ok for r in results] == [True, False]


def test_shared_reference_vectors_match_project_copies(loader: DocumentLoader) -> None:
    """The project's copies are the W3C files; and the W3C files themselves reproduce."""
    root = shared_path("standards", "vectors")
    pairs = {
        "unsigned.json": "unsigned.json",
        "keyPair.json": "keyPair.json",
        "eddsa-rdfc-2022/signedDataInt.json": "rdfc/signed.json",
        "eddsa-rdfc-2022/canonDocDataInt.txt": "rdfc/canonDoc.txt",
        "eddsa-jcs-2022/signedJCS.json": "jcs/signed.json",
        "eddsa-jcs-2022/canonDocJCS.txt": "jcs/canonDoc.txt",
        "proof-set-chain/signedProofChain2.json": "signedProofChain2.json",
    }
    for theirs, ours in pairs.items():
        assert (root / theirs).read_bytes() == (VECTORS / ours).read_bytes(), theirs
    key = Multikey.from_json(load_json(root / "keyPair.json"))
    signed = add_proof(load_json(root / "unsigned.json"), key, created=CREATED, loader=loader)
    assert (
        signed["proof"]["proofValue"]
        == load_json(root / "eddsa-rdfc-2022/signedDataInt.json")["proof"]["proofValue"]
    )


def test_vector_key_reads_both_private_key_spellings() -> None:
    pair = load_json(VECTORS / "keyPair.json")
    key = Multikey.from_json(pair)
    renamed = Multikey.from_json(
        {
            "publicKeyMultibase": pair["publicKeyMultibase"],
            "secretKeyMultibase": pair["privateKeyMultibase"],
        }
    )
    assert key.public == renamed.public and key.has_secret and renamed.has_secret
    assert key.id == f"{key.controller}#{pair['publicKeyMultibase']}"
    assert key.controller.startswith("did:key:z6Mk")
