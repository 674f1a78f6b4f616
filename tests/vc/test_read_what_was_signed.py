"""Read what was signed (issue 9, attack finding 2.1): no JSON-LD spelling improves a verdict.

An ``eddsa-rdfc-2022`` proof signs RDF. A holder who rewrites a field a check reads in
another JSON-LD spelling of the same RDF (full IRI, compact IRI, an alias in an inline
context, ``@id`` / ``@type``, a ``@value`` object, ``@set``, ``@nest``, ``@included``, a
top-level ``@graph``, an array of one) keeps the proof valid; the verdict must not improve:
the document stays unverified and each check that failed still fails, unless the document
is refused as not in compact form (VC Data Model 2.0 §6.1: "JSON-LD compacted document form
MUST be used for all representations of the data model using the application/vc or
application/vp media type"). For ``eddsa-jcs-2022`` the JSON is signed, so an issuer could
sign such a spelling itself: the same property holds for documents signed after rewriting.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from openler.vc import Multikey, Policy, VerificationReport, jsonld, sign_credential, verify
from openler.vc.credentials import build_presentation, sign_presentation
from openler.vc.dataintegrity import add_proof
from openler.vc.statuslist import status_entry
from openler.vc.verify import Resolvers
from tests.conftest import NOW
from tests.vc.test_models import clr_sample
from tests.vc.test_statuslist import LIST_URL, SUSPEND_URL, Board

CRED = "https://www.w3.org/2018/credentials#"
SEC = "https://w3id.org/security#"
STATUS = "https://www.w3.org/ns/credentials/status#"
DATE_TIME = "http://www.w3.org/2001/XMLSchema#dateTime"

#: Each field a check reads, as the bundled contexts define it: its IRI and the form of its
#: value ("date": xsd:dateTime, "id": an IRI reference, "vocab": a vocabulary term,
#: "plain": a string). test_every_rewrite_keeps_the_rdf checks this table against pyld.
FIELDS: dict[str, tuple[str, str]] = {
    "credentialStatus": (CRED + "credentialStatus", "id"),
    "validUntil": (CRED + "validUntil", "date"),
    "validFrom": (CRED + "validFrom", "date"),
    "expirationDate": (CRED + "expirationDate", "date"),
    "issuanceDate": (CRED + "issuanceDate", "date"),
    "issuer": (CRED + "issuer", "id"),
    "credentialSubject": (CRED + "credentialSubject", "id"),
    "holder": (CRED + "holder", "id"),
    "evidence": (CRED + "evidence", "id"),
    "verifiableCredential": (CRED + "verifiableCredential", "graph"),
    "expires": (SEC + "expiration", "date"),
    "created": ("http://purl.org/dc/terms/created", "date"),
    "proofPurpose": (SEC + "proofPurpose", "vocab"),
    "verificationMethod": (SEC + "verificationMethod", "id"),
    "challenge": (SEC + "challenge", "plain"),
    "statusPurpose": (STATUS + "statusPurpose", "plain"),
    "statusListIndex": (STATUS + "statusListIndex", "plain"),
    "statusListCredential": (STATUS + "statusListCredential", "id"),
    "id": ("@id", "keyword"),
    "type": ("@type", "keyword"),
}
#: the proof purposes as the DataIntegrityProof context's proofPurpose scope defines them
PURPOSES = {
    "assertionMethod": SEC + "assertionMethod",
    "authentication": SEC + "authenticationMethod",
}
SPELLINGS = (
    "full IRI",
    "compact IRI",
    "alias",
    "value object",
    "keyword",
    "array",
    "@set",
    "@nest",
    "@included",
    "@graph",
)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Case:
    """A signed document that does not verify, the check that fails, and the fields (node
    path, key) the checks read."""

    name: str
    document: dict[str, Any]
    failing: str
    targets: tuple[tuple[Path, str], ...]
    at: datetime = NOW
    options: dict[str, Any] = field(default_factory=dict)

    def verify(self, document: dict[str, Any]) -> VerificationReport:
        return verify(document, at=self.at, resolvers=RESOLVERS, **self.options)


def _node(doc: Any, path: Path) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _owner(doc: dict[str, Any], path: Path) -> dict[str, Any]:
    """The nearest object on ``path`` with its own @context (where an inline context goes)."""
    owner, node = doc, doc
    for step in path:
        node = node[step]  # type: ignore[index]
        if isinstance(node, dict) and "@context" in node:
            owner = node
    return owner


def _add_context(owner: dict[str, Any], definitions: dict[str, Any]) -> None:
    ctx = owner["@context"]
    owner["@context"] = [*(ctx if isinstance(ctx, list) else [ctx]), definitions]


def _vocabulary_iris(value: Any) -> Any:
    """A vocabulary value (a term, or a list of them) written as its IRIs."""
    if isinstance(value, list):
        return [_vocabulary_iris(item) for item in value]
    return PURPOSES.get(value, value) if isinstance(value, str) else value


def _expanded(value: Any, form: str) -> Any:
    """``value`` as it is written under a full IRI, where no context coerces it."""
    if isinstance(value, list):
        return [_expanded(v, form) for v in value]
    if not isinstance(value, str):
        return value
    if form == "date":
        return {"@value": value, "@type": DATE_TIME}
    if form == "id":
        return {"@id": value}
    if form == "vocab":
        return {"@id": PURPOSES.get(value, value)}
    return value


def rewrite(doc: dict[str, Any], path: Path, key: str, spelling: str) -> dict[str, Any] | None:
    """``doc`` with ``key`` of the node at ``path`` written another way, the same RDF; None
    when the spelling does not apply to that field."""
    out = copy.deepcopy(doc)
    try:
        node = _node(out, path)
    except (KeyError, IndexError, TypeError):  # an earlier rewrite moved it
        return None
    if not isinstance(node, dict) or key not in node:
        return None
    iri, form = FIELDS[key]
    value = node[key]
    if form == "keyword":
        if spelling != "keyword":
            return None
        node[iri] = node.pop(key)
    elif spelling == "full IRI" and form != "graph":
        node[iri] = _expanded(node.pop(key), form)
    elif spelling == "compact IRI" and form != "graph":
        namespace = iri[: max(iri.rfind("#"), iri.rfind("/")) + 1]
        _add_context(_owner(out, path), {"pfx": namespace})
        node[f"pfx:{iri[len(namespace) :]}"] = _expanded(node.pop(key), form)
    elif spelling == "alias" and form != "graph":
        coerce = {"date": DATE_TIME, "id": "@id", "vocab": "@vocab"}.get(form)
        _add_context(
            _owner(out, path), {"renamed": {"@id": iri, "@type": coerce} if coerce else iri}
        )
        node.pop(key)
        # a vocabulary value is written as its IRI: the proof's scoped terms do not apply
        node["renamed"] = _vocabulary_iris(value) if form == "vocab" else value
    elif spelling == "value object" and isinstance(value, str) and form in ("date", "plain"):
        node[key] = {"@value": value, "@type": DATE_TIME} if form == "date" else {"@value": value}
    elif spelling == "value object" and isinstance(value, str) and form == "id":
        node[key] = {"@id": value}
    elif spelling == "array" and form != "graph":
        node[key] = value[0] if isinstance(value, list) and len(value) == 1 else [value]
    elif spelling == "@set" and form != "graph":
        node[key] = {"@set": _expanded(value if isinstance(value, list) else [value], form)}
    elif spelling == "@nest":
        _add_context(_owner(out, path), {"nested": "@nest"})
        node["nested"] = {key: node.pop(key)}
    elif spelling == "@included" and isinstance(node.get("id"), str) and form != "graph":
        node["@included"] = [{"id": node["id"], iri: _expanded(node.pop(key), form)}]
    elif spelling == "@graph" and path == ():
        context = out.pop("@context")
        return {"@context": context, "@graph": [out]}
    else:
        return None
    return out


def no_better(before: VerificationReport, after: VerificationReport, label: str) -> None:
    """The property: not verified, and every failed check still failed (or refused)."""
    assert not after.verified, f"{label}: {after.to_json()}"
    if after.status_of("context") == "failed":
        return
    for check in before.checks:
        if check.status == "failed":
            assert after.status_of(check.id) == "failed", f"{label}: {check.id} improved"


# -- the signed documents -------------------------------------------------------------


def _key(n: int) -> Multikey:
    return Multikey.from_seed(bytes([n]) * 32)


ISSUER, HOLDER, STRANGER = _key(1), _key(2), _key(6)
BOARD = Board(ISSUER)
RESOLVERS = Resolvers(BOARD.fetch)
BOARD.set(LIST_URL, 7, 1)  # entry 7 revoked
BOARD.set(SUSPEND_URL, 8, 1)  # entry 8 suspended
ROOT: Path = ()
PROOF: Path = ("proof",)


def _template(**changes: Any) -> dict[str, Any]:
    """An Open Badges 3.0 license by ISSUER to HOLDER, valid 2026-01-15 to 2028-10-31."""
    doc: dict[str, Any] = copy.deepcopy(
        clr_sample()["credentialSubject"]["verifiableCredential"][0]
    )
    doc["issuer"] = {"id": ISSUER.controller, "type": ["Profile"], "name": "Board"}
    doc["credentialSubject"]["id"] = HOLDER.controller
    doc["validUntil"] = "2028-10-31T23:59:59Z"
    return doc | changes


def _with_status(index: int) -> dict[str, Any]:
    entries = [
        status_entry(list_url=LIST_URL, index=index, purpose="revocation"),
        status_entry(list_url=SUSPEND_URL, index=index, purpose="suspension"),
    ]
    return sign_credential(
        _template(id=f"urn:uuid:status-{index}", credentialStatus=entries), ISSUER, created=NOW
    )


@cache
def cases() -> tuple[Case, ...]:
    status_targets = (
        (ROOT, "credentialStatus"),
        (ROOT, "id"),
        (ROOT, "type"),
        *[
            (("credentialStatus", i), key)
            for i in range(2)
            for key in ("statusPurpose", "statusListIndex", "statusListCredential", "type", "id")
        ],
    )
    plain = sign_credential(_template(), ISSUER, created=NOW)
    dates = ((ROOT, "validUntil"), (ROOT, "validFrom"), (ROOT, "type"), (ROOT, "id"))
    v1 = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/security/data-integrity/v2",
        ],
        "id": "urn:uuid:v1",
        "type": ["VerifiableCredential"],
        "issuer": ISSUER.controller,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "expirationDate": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": HOLDER.controller},
    }
    proof_targets = tuple(
        (PROOF, k)
        for k in ("expires", "created", "proofPurpose", "challenge", "verificationMethod", "type")
    )
    short_lived = add_proof(
        _template(), ISSUER, created=NOW, expires=NOW + timedelta(days=1), challenge="c-1"
    )
    someone = _template()
    someone["issuer"]["id"] = "did:example:someone-else"
    evidence = _template(evidence=[{"type": ["Profile"], "narrative": "watched"}])
    foreign = _template()
    foreign["credentialSubject"]["id"] = "did:example:someone-else"
    bound = {"policy": Policy(require_holder_binding=True), "challenge": "c"}
    vp_targets = (
        (ROOT, "holder"),
        (ROOT, "type"),
        (ROOT, "verifiableCredential"),
        (("verifiableCredential", 0, "credentialSubject"), "id"),
        (("verifiableCredential", 0), "credentialSubject"),
        *[(PROOF, k) for k in ("challenge", "proofPurpose", "verificationMethod", "expires")],
    )
    clr = clr_sample()
    clr["issuer"] = {"id": ISSUER.controller, "type": ["Profile"], "name": "Office"}
    clr["credentialSubject"]["verifiableCredential"] = [plain]

    def presented(credential: dict[str, Any], key: Multikey = HOLDER) -> dict[str, Any]:
        return sign_presentation(
            build_presentation([credential], holder=HOLDER.controller),
            key,
            challenge="c",
            expires=NOW + timedelta(days=1),
            created=NOW,
        )

    return (
        Case("revoked", _with_status(7), "status", status_targets),
        Case("suspended", _with_status(8), "status", status_targets),
        Case("expired", plain, "validity", dates, at=NOW + timedelta(days=4000)),
        Case("not yet valid", plain, "validity", dates, at=NOW - timedelta(days=400)),
        Case(
            "VC 1.1 expired",
            sign_credential(v1, ISSUER, created=NOW),
            "validity",
            ((ROOT, "expirationDate"), (ROOT, "issuanceDate"), (ROOT, "issuer")),
            at=NOW + timedelta(days=400),
        ),
        Case("proof expired", short_lived, "proof", proof_targets, at=NOW + timedelta(days=2)),
        Case(
            "challenge mismatch", short_lived, "proof", proof_targets, options={"challenge": "c-2"}
        ),
        Case(
            "proof created in the future",
            add_proof(_template(), ISSUER, created=NOW + timedelta(days=1)),
            "proof",
            proof_targets,
        ),
        Case(
            "issuer is not the signer",
            sign_credential(someone, ISSUER, created=NOW),
            "issuer",
            ((ROOT, "issuer"), (("issuer",), "id"), (("issuer",), "type")),
        ),
        Case(
            "evidence of the wrong type",
            sign_credential(evidence, ISSUER, created=NOW),
            "type",
            ((ROOT, "evidence"), (("evidence", 0), "type")),
        ),
        Case(
            "presentation of someone else's credential",
            presented(sign_credential(foreign, ISSUER, created=NOW)),
            "holder",
            vp_targets,
            options=bound,
        ),
        Case(
            "presentation signed by someone else",
            presented(plain, STRANGER),
            "holder",
            vp_targets,
            options={"challenge": "c"},
        ),
        Case(
            "presentation of a CLR about someone else",
            presented(sign_credential(clr, ISSUER, created=NOW)),
            "holder",
            ((("verifiableCredential", 0, "credentialSubject"), "id"), (ROOT, "holder")),
            options=bound,
        ),
    )


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_every_case_starts_unverified_for_the_reason_it_names(case: Case) -> None:
    report = case.verify(case.document)
    assert report.status_of(case.failing) == "failed", report.to_json()
    assert report.status_of("context") == "passed" and not report.verified


def _rewrites(case: Case) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path, key in case.targets:
        for spelling in SPELLINGS:
            rewritten = rewrite(case.document, path, key, spelling)
            if rewritten is not None:
                found.append((f"{case.name}: {key} at {path} as {spelling}", rewritten))
    return found


def _canonical(doc: dict[str, Any]) -> str:
    return jsonld.canonicalize_slow(doc)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_spelling_of_the_signed_rdf_improves_a_verdict(data: st.DataObject) -> None:
    """Rewrite one, two or three fields of a signed document in JSON-LD spellings that keep
    its RDF (so an rdfc proof still verifies); the verdict never improves."""
    case = data.draw(st.sampled_from(cases()), label="case")
    document, labels = case.document, []
    for _ in range(data.draw(st.integers(1, 3), label="rewrites")):
        path, key = data.draw(st.sampled_from(case.targets), label="field")
        spelling = data.draw(st.sampled_from(SPELLINGS), label="spelling")
        rewritten = rewrite(document, path, key, spelling)
        if rewritten is not None and "@graph" not in document:
            document = rewritten
            labels.append(f"{key} at {path} as {spelling}")
    assume(labels)
    before = case.verify(case.document)
    no_better(before, case.verify(document), f"{case.name}: {'; '.join(labels)}")


JCS_CASES = tuple(c for c in cases() if c.failing in ("status", "validity", "issuer", "type"))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_spelling_an_issuer_signs_with_jcs_improves_a_verdict(data: st.DataObject) -> None:
    """eddsa-jcs-2022 signs the JSON itself, but the checks still read it as JSON-LD terms:
    a document signed in another spelling (by an issuer, or a holder re-signing a
    presentation) is held to the same rule, and its verdict does not improve either."""
    case = data.draw(st.sampled_from(JCS_CASES), label="case")
    unsigned = {k: v for k, v in case.document.items() if k != "proof"}
    document, labels = unsigned, []
    for _ in range(data.draw(st.integers(1, 3), label="rewrites")):
        path, key = data.draw(st.sampled_from(case.targets), label="field")
        spelling = data.draw(st.sampled_from(SPELLINGS[:-1]), label="spelling")  # no @graph
        rewritten = rewrite(document, path, key, spelling)
        if rewritten is not None:
            document = rewritten
            labels.append(f"{key} at {path} as {spelling}")
    assume(labels)

    def signed(doc: dict[str, Any]) -> dict[str, Any]:
        return add_proof(doc, ISSUER, cryptosuite="eddsa-jcs-2022", created=NOW)

    before = case.verify(signed(unsigned))
    assert before.status_of(case.failing) == "failed"
    no_better(before, case.verify(signed(document)), f"{case.name}: {'; '.join(labels)}")


def test_every_single_rewrite_keeps_the_rdf_and_improves_no_verdict() -> None:
    """Every field of every case in every spelling, one at a time: each rewrite keeps the
    canonical RDF of the signed document (proofs included), so it is a real attack on an
    rdfc-2022 proof, and none improves the verdict."""
    checked = 0
    for case in cases():
        original, before = _canonical(case.document), case.verify(case.document)
        for label, rewritten in _rewrites(case):
            assert _canonical(rewritten) == original, label
            no_better(before, case.verify(rewritten), label)
            checked += 1
    assert checked > 300


@pytest.mark.parametrize(
    ("case_name", "path", "key", "spelling", "message"),
    [
        (
            "revoked",
            ROOT,
            "credentialStatus",
            "full IRI",
            "'https://www.w3.org/2018/credentials#credentialStatus' is written where the contexts write 'credentialStatus'",
        ),
        (
            "expired",
            ROOT,
            "validUntil",
            "full IRI",
            "'https://www.w3.org/2018/credentials#validUntil' is written where the contexts write 'validUntil'",
        ),
        (
            "revoked",
            ROOT,
            "credentialStatus",
            "alias",
            "'renamed' gives https://www.w3.org/2018/credentials#credentialStatus a second name",
        ),
        (
            "proof expired",
            PROOF,
            "expires",
            "compact IRI",
            "gives https://w3id.org/security# a second name",
        ),
        (
            "presentation of a CLR about someone else",
            ("verifiableCredential", 0, "credentialSubject"),
            "id",
            "keyword",
            "'@id' is written where the contexts write 'id'",
        ),
        (
            "expired",
            ROOT,
            "validUntil",
            "@included",
            "'@included' moves statements to another node",
        ),
        ("expired", ROOT, "validUntil", "@nest", "aliases the keyword @nest"),
        ("expired", ROOT, "validUntil", "value object", "a @value object is written where"),
    ],
)
def test_the_attacks_of_the_finding_are_refused_with_the_reason(
    case_name: str, path: Path, key: str, spelling: str, message: str
) -> None:
    """The attacks the finding names, one by one: the RDF is the one that was signed, and
    the document is refused as not in compact form, saying what is written how."""
    case = next(c for c in cases() if c.name == case_name)
    rewritten = rewrite(case.document, path, key, spelling)
    assert rewritten is not None
    assert _canonical(rewritten) == _canonical(case.document)
    report = case.verify(rewritten)
    context = report.check("context")
    assert context is not None and context.status == "failed"
    assert "not in the compact form its contexts define" in context.message
    assert message in context.message, context.message
    assert not report.verified
    later = {c.id: c.status for c in report.checks[report.checks.index(context) + 1 :]}
    assert set(later.values()) == {"skipped"}  # nothing else is read from such a document
