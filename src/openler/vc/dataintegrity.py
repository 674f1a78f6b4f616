"""Data Integrity proofs with the EdDSA cryptosuites ``eddsa-rdfc-2022`` and ``eddsa-jcs-2022``.

Creating a proof (``add_proof``) and checking one (``check_proofs``) follow the algorithms
of *Data Integrity EdDSA Cryptosuites v1.0*: the unsecured document and the proof
configuration are each canonicalized (RDFC-1.0 or JCS), hashed with SHA-256, and the
concatenation ``hash(proofConfig) ‖ hash(document)`` is signed with Ed25519. The
``proofValue`` is the base58btc multibase signature.

Proof sets (several independent proofs) and proof chains (``previousProof``) are both
supported: every proof is checked and reported on its own.

The legacy suite **Ed25519Signature2020** (the W3C CCG "Ed25519 Signature 2020" report,
which the Learner Credential Wallet and older DCC and Open edX issuers sign with) is
verified, never created: a proof of ``type`` ``Ed25519Signature2020`` with no
``cryptosuite``, whose verify data is built like ``eddsa-rdfc-2022``'s — URDNA2015 of the
proof options (``proofValue``, ``jws`` and ``signatureValue`` removed, the document's
``@context`` put in) and of the document without its proof, each hashed with SHA-256 and
concatenated options first. Its terms come from the bundled context
``https://w3id.org/security/suites/ed25519-2020/v1``, which the document must name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from openler.vc import jcs, jsonld, jsontext
from openler.vc.dates import format_datetime, parse_datetime
from openler.vc.did import Resolver
from openler.vc.errors import (
    ContextError,
    InputError,
    KeyFormatError,
    ProofError,
    ResolutionError,
    UnauthorizedMethodError,
)
from openler.vc.keys import Multikey, verify_ed25519
from openler.vc.multibase import decode_multibase, encode_base58btc

Cryptosuite = Literal["eddsa-rdfc-2022", "eddsa-jcs-2022"]
CRYPTOSUITES: tuple[Cryptosuite, ...] = ("eddsa-rdfc-2022", "eddsa-jcs-2022")
#: the legacy proof type that is verified, never created
ED25519_2020 = "Ed25519Signature2020"
#: the suites whose verify data are RDF canonical forms (of the document and the options)
_RDF_SUITES = frozenset({"eddsa-rdfc-2022", ED25519_2020})
#: what the proof options of a Linked Data Signature leave out (jsonld-signatures)
_LDS_SIGNATURES = ("proofValue", "jws", "signatureValue")


def suite_of(proof: Any) -> str | None:
    """The suite a proof names: its ``cryptosuite`` for a ``DataIntegrityProof``, the proof
    type itself for Ed25519Signature2020, otherwise None.

    >>> suite_of({"type": "Ed25519Signature2020"})
    'Ed25519Signature2020'
    >>> suite_of({"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022"})
    'eddsa-jcs-2022'
    """
    if not isinstance(proof, Mapping):
        return None
    if proof.get("type") == ED25519_2020:
        return ED25519_2020
    if proof.get("type") == "DataIntegrityProof":
        suite = proof.get("cryptosuite")
        return suite if isinstance(suite, str) else None
    return None


class CanonicalForms:
    """Canonical forms computed during one verification, so that the ``context`` check and
    the ``proof`` check canonicalize each part of a document only once."""

    def __init__(self, loader: jsonld.DocumentLoader | None = None) -> None:
        self.loader = loader
        self._memo: dict[tuple[Any, ...], bytes] = {}
        self._unsecured: Mapping[str, Any] | None = None
        self._json_checked = False

    def _is_unsecured(self, document: Mapping[str, Any]) -> bool:
        """Whether ``document`` is the unsecured document checked (or a copy sharing its
        members)."""
        checked = self._unsecured
        if checked is None or checked.keys() != document.keys():
            return False
        return all(checked[key] is document[key] for key in document)

    def unsecured_form(self, document: Mapping[str, Any]) -> bytes | None:
        """The canonical form :meth:`check_document` computed of an unsecured document,
        when ``document`` is that document (or a copy sharing its members), else None."""
        return self._memo.get(_UNSECURED) if self._is_unsecured(document) else None

    def keep_unsecured(
        self, document: Mapping[str, Any], canonical: bytes, *, json_checked: bool
    ) -> None:
        """Keep ``canonical`` as the canonical form of the unsecured ``document``, as
        :meth:`check_document` would (for a checker that computed it by the same route,
        :class:`openler.vc.shapecheck.ShapeChecks`); ``json_checked``: the document is
        known to pass :func:`jsontext.check`, which signing it then skips."""
        self._memo[_UNSECURED] = canonical
        self._unsecured = document
        self._json_checked = json_checked

    def json_checked(self, document: Mapping[str, Any]) -> bool:
        """Whether ``document`` is known to pass :func:`jsontext.check` (see
        :meth:`keep_unsecured`)."""
        return self._json_checked and self._is_unsecured(document)

    def rdfc(self, key: tuple[Any, ...], document: Mapping[str, Any]) -> bytes:
        found = self._memo.get(key)
        if found is None:
            found = jsonld.canonicalize(document, self.loader).encode("utf-8")
            self._memo[key] = found
        return found

    def check_document(self, document: Mapping[str, Any]) -> None:
        """Safe-mode check of a secured document: the parts its rdfc proofs are made over
        (canonicalized once, for the proof check to reuse), or the whole document. An
        unsecured document (no ``proof``) is canonicalized whole, for :func:`add_proof`
        to reuse when it is signed next (``credential_problems`` then ``add_proof``)."""
        proofs = _proofs(document)
        if "proof" not in document:
            self.rdfc(_UNSECURED, document)
            self._unsecured, self._json_checked = document, False
            return
        if proofs and all(suite_of(p) in _RDF_SUITES for p in proofs):
            try:
                parts = [(proof, _unsecured(document, proof)) for proof in proofs]
            except ProofError:  # the proof check reports it; the context check reads it all
                parts = []
            for index, (proof, unsecured) in enumerate(parts):
                self.rdfc(_doc_key(proof), unsecured)
                config = _proof_config(unsecured, proof, str(suite_of(proof)))
                self.rdfc(("config", index), config)
            if parts:
                return
        jsonld.check(document, self.loader)


#: the key of a whole unsecured document's canonical form in :class:`CanonicalForms`
_UNSECURED: tuple[Any, ...] = ("document", ())


def _doc_key(proof: Mapping[str, Any]) -> tuple[Any, ...]:
    return ("document", tuple(_previous(proof)))


def _previous(proof: Mapping[str, Any]) -> list[str]:
    """The ids a proof chains to. VC Data Integrity §2.1: previousProof is "An OPTIONAL
    string value or unordered list of string values"; anything else raises ProofError."""
    previous = proof.get("previousProof")
    if previous is None:
        return []
    wanted = previous if isinstance(previous, list) else [previous]
    if not all(isinstance(w, str) for w in wanted):
        raise ProofError("previousProof must be a string or a list of strings (the proof ids)")
    return wanted


def _hashes(
    unsecured: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    suite: str,
    loader: jsonld.DocumentLoader | None,
    forms: CanonicalForms | None = None,
    keys: tuple[tuple[Any, ...], tuple[Any, ...]] | None = None,
) -> bytes:
    if suite in _RDF_SUITES:
        if forms is not None and keys is not None:
            doc_canon = forms.rdfc(keys[0], unsecured)
            config_canon = forms.rdfc(keys[1], proof_config)
        else:
            doc_canon = jsonld.canonicalize(unsecured, loader).encode("utf-8")
            config_canon = _config_rdfc(proof_config, loader)
    else:
        doc_canon = jcs.canonicalize(unsecured)
        config_canon = jcs.canonicalize(proof_config)
    return hashlib.sha256(config_canon).digest() + hashlib.sha256(doc_canon).digest()


#: canonical proof configurations by their JSON text (and loader): every credential of a
#: roster chunk is signed with the same configuration (same key, purpose and time)
_CONFIGS: dict[tuple[jsonld.DocumentLoader | None, str], bytes] = {}
_MAX_CONFIGS = 64


def _config_rdfc(config: Mapping[str, Any], loader: jsonld.DocumentLoader | None) -> bytes:
    """RDFC-1.0 canonical form of a proof configuration, remembered for the next proof
    made with the same one. A JSON-LD document's RDF does not depend on the order of its
    object members, so the sorted JSON text identifies the configuration."""
    key = (loader, json.dumps(config, sort_keys=True, ensure_ascii=False))
    found = _CONFIGS.get(key)
    if found is None:
        found = jsonld.canonicalize(config, loader).encode("utf-8")
        if len(_CONFIGS) >= _MAX_CONFIGS:
            _CONFIGS.clear()
        _CONFIGS[key] = found
    return found


def _proofs(document: Mapping[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def _unsecured(document: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    """The document a proof was made over: no proofs, except those it chains to."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    wanted = _previous(proof)
    if wanted:
        others = [p for p in _proofs(document) if isinstance(p, Mapping)]
        chained = [p for p in others if p.get("id") in wanted]
        missing = [w for w in wanted if w not in {p.get("id") for p in chained}]
        if missing:
            raise ProofError(f"previousProof {missing[0]!r} is not among the document's proofs")
        unsecured["proof"] = chained[0] if len(chained) == 1 else chained
    return unsecured


def _proof_config(
    unsecured: Mapping[str, Any], proof: Mapping[str, Any], suite: str
) -> dict[str, Any]:
    dropped = _LDS_SIGNATURES if suite == ED25519_2020 else ("proofValue",)
    config = {k: v for k, v in proof.items() if k not in dropped}
    if (suite in _RDF_SUITES or "@context" in config) and "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    return config


DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
#: contexts that define DataIntegrityProof and its properties
_DEFINING = frozenset(
    {
        "https://www.w3.org/ns/credentials/v2",
        "https://w3id.org/security/data-integrity/v1",
        DATA_INTEGRITY_V2,
    }
)


def with_proof_context(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with the Data Integrity context appended when its contexts do not define
    the proof's terms (a VC 1.1 credential, say). VC Data Integrity 1.0 §2.4.2: "if … the
    Data Integrity terms used in the document are not mapped by existing values in the
    @context property, implementations SHOULD inject or append an @context property with a
    value of https://w3id.org/security/data-integrity/v2".

    >>> with_proof_context({"@context": ["https://www.w3.org/2018/credentials/v1"]})["@context"]
    ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/security/data-integrity/v2']
    >>> with_proof_context({"@context": ["https://www.w3.org/ns/credentials/v2"]})["@context"]
    ['https://www.w3.org/ns/credentials/v2']
    """
    result = dict(document)
    context = result.get("@context")
    if context is None:
        return result
    contexts = context if isinstance(context, list) else [context]
    if not any(isinstance(c, str) and c in _DEFINING for c in contexts):
        result["@context"] = [*contexts, DATA_INTEGRITY_V2]
    return result


def add_proof(
    document: Mapping[str, Any],
    key: Multikey,
    *,
    cryptosuite: Cryptosuite = "eddsa-rdfc-2022",
    purpose: str = "assertionMethod",
    created: datetime | None = None,
    expires: datetime | None = None,
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    loader: jsonld.DocumentLoader | None = None,
    forms: CanonicalForms | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with one more Data Integrity proof by ``key``.

    Nothing else in the document changes, but for the Data Integrity context, appended when
    its contexts do not define the proof's terms (:func:`with_proof_context`). An existing
    proof becomes a proof set. Raises :class:`ProofError`, :class:`ContextError` for JSON-LD
    problems, or :class:`InputError` for a document that is not JSON as ``jsontext`` reads it.

    ``forms`` are the canonical forms that checking this same document filled
    (``credential_problems(document, forms=forms)``); an ``eddsa-rdfc-2022`` proof over
    an unsecured document reuses its canonical form instead of computing it again.
    """
    document, proof = _signed_parts(
        document,
        key,
        cryptosuite=cryptosuite,
        purpose=purpose,
        created=created,
        expires=expires,
        challenge=challenge,
        domain=domain,
        proof_id=proof_id,
        previous_proof=previous_proof,
        loader=loader,
        forms=forms,
    )
    existing = _proofs(document)
    secured: dict[str, Any] = jsontext.copy(document)
    secured["proof"] = [*existing, proof] if existing else proof
    return secured


def new_proof(
    document: Mapping[str, Any],
    key: Multikey,
    *,
    created: datetime | None = None,
    forms: CanonicalForms | None = None,
) -> dict[str, Any] | None:
    """The ``eddsa-rdfc-2022`` assertion proof :func:`add_proof` would add to ``document``
    (the same, byte for byte), without the copy of the document it returns: for a caller
    that signs thousands of documents and writes each signed one as JSON text itself
    (``{**document, "proof": proof}``, :mod:`openler.services.issuers.signing_pool`).
    None when ``add_proof`` would change more than the proof — a document that already
    has one, or whose contexts do not define the proof's terms — so that such a
    document is signed by ``add_proof`` or not at all."""
    if not isinstance(document, Mapping) or "proof" in document:
        return None
    completed, proof = _signed_parts(
        document,
        key,
        cryptosuite="eddsa-rdfc-2022",
        purpose="assertionMethod",
        created=created,
        forms=forms,
    )
    if completed.get("@context") != document.get("@context"):
        return None
    return proof


def _signed_parts(
    document: Mapping[str, Any],
    key: Multikey,
    *,
    cryptosuite: Cryptosuite,
    purpose: str,
    created: datetime | None,
    forms: CanonicalForms | None,
    expires: datetime | None = None,
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    loader: jsonld.DocumentLoader | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The document a proof is made over (``document`` with the proof's context when it
    needed one) and the new proof: what :func:`add_proof` puts together."""
    if cryptosuite not in CRYPTOSUITES:
        raise ProofError(f"unknown cryptosuite {cryptosuite!r}; use one of {CRYPTOSUITES}")
    if not isinstance(document, Mapping):
        raise InputError("only a JSON object can be signed")
    if forms is None or not forms.json_checked(document):
        jsontext.check(document)  # nothing is signed that a verifier would refuse to read
    given = document
    document = with_proof_context(document)
    proof: dict[str, Any] = {"type": "DataIntegrityProof", "cryptosuite": cryptosuite}
    if proof_id is not None:
        proof["id"] = proof_id
    if created is not None:
        proof["created"] = format_datetime(created)
    if expires is not None:
        proof["expires"] = format_datetime(expires)
    proof["verificationMethod"] = key.id
    proof["proofPurpose"] = purpose
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain if isinstance(domain, str) else list(domain)
    if previous_proof is not None:
        proof["previousProof"] = (
            previous_proof if isinstance(previous_proof, str) else list(previous_proof)
        )
    if cryptosuite == "eddsa-jcs-2022" and "@context" in document:
        proof["@context"] = document["@context"]
    unsecured = _unsecured(document, proof)
    config = _proof_config(unsecured, proof, cryptosuite)
    checked = (
        forms.unsecured_form(unsecured)  # None unless ``forms`` checked this very document
        if forms is not None
        and (forms.loader or jsonld.DEFAULT_LOADER) is (loader or jsonld.DEFAULT_LOADER)
        and cryptosuite == "eddsa-rdfc-2022"
        and "proof" not in given
        else None
    )
    if checked is not None:
        data = hashlib.sha256(_config_rdfc(config, loader)).digest()
        data += hashlib.sha256(checked).digest()
    else:
        data = _hashes(unsecured, config, cryptosuite, loader)
    try:
        proof["proofValue"] = encode_base58btc(key.sign(data))
    except KeyFormatError as exc:
        raise ProofError(exc.message) from None
    return document, proof


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of checking one proof. ``ok`` is False with a reason in ``message``."""

    ok: bool
    message: str
    proof: Mapping[str, Any]
    method: str | None = None
    controller: str | None = None
    cryptosuite: str | None = None


def check_proofs(
    document: Mapping[str, Any],
    *,
    resolver: Resolver,
    purpose: str,
    at: datetime,
    challenge: str | None = None,
    domain: str | None = None,
    loader: jsonld.DocumentLoader | None = None,
    forms: CanonicalForms | None = None,
) -> list[ProofCheck]:
    """Check every proof on ``document``; an empty list means there is no proof.

    ``forms`` shares canonical forms already computed for this document (see
    :class:`CanonicalForms`)."""
    return [
        _check_one(document, p, resolver, purpose, at, challenge, domain, loader, forms, i)
        for i, p in enumerate(_proofs(document))
    ]


def _check_one(
    document: Mapping[str, Any],
    proof: Any,
    resolver: Resolver,
    purpose: str,
    at: datetime,
    challenge: str | None,
    domain: str | None,
    loader: jsonld.DocumentLoader | None,
    forms: CanonicalForms | None = None,
    index: int = 0,
) -> ProofCheck:
    if not isinstance(proof, Mapping):
        return ProofCheck(False, "proof is not a JSON object", {})

    def fail(message: str, **extra: Any) -> ProofCheck:
        return ProofCheck(False, message, proof, **extra)

    if proof.get("type") not in ("DataIntegrityProof", ED25519_2020):
        return fail(
            f"proof type {proof.get('type')!r} is not supported (DataIntegrityProof, "
            f"{ED25519_2020})"
        )
    suite = suite_of(proof)
    if suite == ED25519_2020 and "cryptosuite" in proof:
        return fail(f"an {ED25519_2020} proof has no cryptosuite")
    if suite is None or suite not in (*CRYPTOSUITES, ED25519_2020):
        return fail(
            f"cryptosuite {proof.get('cryptosuite')!r} is not supported "
            "(eddsa-rdfc-2022, eddsa-jcs-2022)"
        )
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        return fail("proof has no verificationMethod")
    try:
        _previous(proof)
    except ProofError as exc:
        return fail(exc.message, method=method)
    if proof.get("proofPurpose") != purpose:
        return fail(
            f"proof purpose is {proof.get('proofPurpose')!r} but {purpose!r} is required",
            method=method,
        )
    try:
        if "created" in proof:
            created = parse_datetime(proof["created"], "proof created")
            if created > at:
                return fail(f"proof was created in the future ({proof['created']})", method=method)
        if "expires" in proof and parse_datetime(proof["expires"], "proof expires") < at:
            return fail(f"proof expired on {proof['expires']}", method=method)
    except InputError as exc:
        return fail(exc.message, method=method)
    if challenge is not None and proof.get("challenge") != challenge:
        return fail(
            f"challenge mismatch: the verifier asked for {challenge!r}, "
            f"the proof has {proof.get('challenge')!r}",
            method=method,
        )
    if domain is not None:
        proof_domain = proof.get("domain")
        domains = proof_domain if isinstance(proof_domain, list) else [proof_domain]
        if domain not in domains:
            return fail(
                f"domain mismatch: the verifier expected {domain!r}, the proof has "
                f"{proof_domain!r}",
                method=method,
            )
    if (
        suite == "eddsa-jcs-2022"
        and "@context" in proof
        and not _context_prefix(proof["@context"], document.get("@context"))
    ):
        return fail("the proof's @context is not a prefix of the document's @context")
    try:
        vm = resolver.verification_method(method, purpose)
    except UnauthorizedMethodError as exc:
        return fail(f"verification method not authorised: {exc.message}", method=method)
    except ResolutionError as exc:
        return fail(f"verification method could not be resolved: {exc.message}", method=method)
    try:
        signature = decode_multibase(proof.get("proofValue", ""))
    except KeyFormatError as exc:
        return fail(f"proofValue is malformed: {exc.message}", method=method)
    if not str(proof.get("proofValue", "")).startswith("z") or len(signature) != 64:
        return fail("proofValue must be a base58btc (z…) Ed25519 signature of 64 bytes")
    try:
        unsecured = _unsecured(document, proof)
        if suite == "eddsa-jcs-2022" and "@context" in proof:
            unsecured["@context"] = proof["@context"]
        keys = (_doc_key(proof), ("config", index))
        config = _proof_config(unsecured, proof, suite)
        data = _hashes(unsecured, config, suite, loader, forms, keys)
    except (ContextError, InputError, ProofError) as exc:
        return fail(f"could not canonicalize: {exc.message}", method=method)
    if not verify_ed25519(vm.public_key, signature, data):
        return fail(
            f"signature does not match: the credential or its proof was altered after "
            f"signing, or {method} did not sign it",
            method=method,
            controller=vm.controller,
        )
    return ProofCheck(
        True,
        f"{suite} proof by {method} is valid",
        proof,
        method=method,
        controller=vm.controller,
        cryptosuite=suite,
    )


def _context_prefix(prefix: Any, full: Any) -> bool:
    p = prefix if isinstance(prefix, list) else [prefix]
    f = full if isinstance(full, list) else [full]
    return f[: len(p)] == p
