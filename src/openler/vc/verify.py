"""The verification pipeline: bytes in, a :class:`VerificationReport` out.

``verify`` accepts a JSON credential or presentation, a compact JWT, or a baked PNG/SVG
badge, and runs the checks in a fixed order::

    parse → context → schema → type → proof → issuer → validity → status → trust → holder

Each check ends ``passed``, ``failed``, ``warning`` or ``skipped`` with a message. The library
fetches nothing itself: DID and controller documents, status lists, contexts and the trust
registry come from the :class:`Resolvers` the caller passes in, and the clock is ``at``.
A check that cannot complete (a list that cannot be fetched, a DID that does not resolve)
fails; it never passes by default.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from openler.vc import compactform, jose, jsonld, jsontext
from openler.vc.baking import PNG_SIGNATURE, extract_png, extract_svg
from openler.vc.dataintegrity import CanonicalForms, check_proofs
from openler.vc.datamodel import object_problems
from openler.vc.dates import format_datetime, parse_datetime
from openler.vc.did import Fetched, Fetcher, Resolver
from openler.vc.errors import (
    ContextError,
    FetchLimitError,
    InputError,
    JoseError,
    KeyFormatError,
    NotCompactError,
    ResolutionError,
    UnauthorizedMethodError,
    UnknownContextError,
)
from openler.vc.jsonld import DocumentLoader
from openler.vc.models import VC_V1, VC_V2, model_for, schema_errors
from openler.vc.report import (
    CHECK_IDS,
    DEFAULT_POLICY,
    Format,
    Policy,
    Status,
    VerificationReport,
)
from openler.vc.statuslist import CachedList, StatusEntry, StatusListError, StatusLists, freshness
from openler.vc.trust import CredentialFacts, TrustRegistry, TrustRegistryError

#: Inputs larger than this are refused before parsing.
MAX_INPUT_BYTES = 4 * 1024 * 1024


class Resolvers:
    """Everything verification may look up, none of it fetched by the library itself.

    ``fetch`` supplies DID documents (did:web), HTTPS controller documents and status list
    credentials; ``contexts`` the JSON-LD contexts beyond the bundled ones; ``trust`` a
    trust registry (for example loaded from a signed snapshot). Caches live as long as the
    object, so reuse one across many verifications. ``keep_status_list(url, fetched)`` is
    told of each status list credential once it verified (see :class:`StatusLists`).
    """

    def __init__(
        self,
        fetch: Fetcher | None = None,
        *,
        contexts: DocumentLoader | None = None,
        trust: TrustRegistry | None = None,
        status_ttl: timedelta = timedelta(minutes=5),
        keep_status_list: Callable[[str, Fetched], None] | None = None,
    ) -> None:
        self.dids = Resolver(fetch)
        self.contexts = contexts or jsonld.DEFAULT_LOADER
        self.status = StatusLists(fetch, default_ttl=status_ttl, keep=keep_status_list)
        self.trust = trust

    def without_fetching(self) -> Resolvers:
        """The same contexts and registry, with a fetcher that refuses: for what a document
        without a valid proof carries, so that such a document makes nothing get fetched."""

        def refuse(url: str) -> Mapping[str, Any]:
            raise ResolutionError(
                f"{url} was not fetched: the document that carries this one has no valid proof"
            )

        return Resolvers(
            refuse, contexts=self.contexts, trust=self.trust, status_ttl=self.status.default_ttl
        )


@dataclass
class Verifier:
    """The world one verification runs in: resolvers, clock, policy and request."""

    at: datetime
    resolvers: Resolvers = field(default_factory=Resolvers)
    policy: Policy = DEFAULT_POLICY
    challenge: str | None = None
    domain: str | None = None
    #: the proof purpose the caller expects (VC API ``expectedProofPurpose``); by default
    #: ``assertionMethod`` for credentials and ``authentication`` for presentations
    proof_purpose: str | None = None
    #: False while verifying a status list credential itself (no status of a status list).
    check_status: bool = True
    #: Why the trust registry does not apply (status lists, endorsements), or None.
    no_trust_because: str | None = None
    #: Canonical forms shared by the context and proof checks of one document.
    forms: CanonicalForms = field(init=False)

    def __post_init__(self) -> None:
        self.forms = CanonicalForms(self.resolvers.contexts)

    def nested(
        self,
        *,
        policy: Policy | None = None,
        check_status: bool = True,
        no_trust_because: str | None = None,
        fetching: bool = True,
    ) -> Verifier:
        """The world for a document inside this one (an embedded credential, a status
        list, an endorsement): same clock and resolvers, no challenge or domain of its own;
        nothing fetched unless ``fetching`` (False when the outer document's proof failed)."""
        return Verifier(
            at=self.at,
            resolvers=self.resolvers if fetching else self.resolvers.without_fetching(),
            policy=policy or self.policy,
            check_status=check_status,
            no_trust_because=no_trust_because,
        )

    @property
    def resolver(self) -> Resolver:
        return self.resolvers.dids

    def registered_name(self, issuer: str | None) -> str | None:
        """The trust registry's name for ``issuer``: what a verdict calls an issuer. A
        document's own ``issuer.name`` is a claim anyone can sign, never shown as a fact."""
        registry = self.resolvers.trust
        entry = registry.entries.get(issuer) if registry is not None and issuer else None
        return entry.name if entry is not None else None

    def issuer_label(self, issuer: str) -> str:
        """The registered name, or the identifier itself when no registry names it."""
        return self.registered_name(issuer) or issuer

    @property
    def loader(self) -> DocumentLoader:
        return self.resolvers.contexts


def verify(
    data: bytes | str | Mapping[str, Any],
    *,
    at: datetime,
    resolvers: Resolvers | None = None,
    policy: Policy = DEFAULT_POLICY,
    challenge: str | None = None,
    domain: str | None = None,
    proof_purpose: str | None = None,
    name: str = "-",
    json_value: bool = False,
) -> VerificationReport:
    """Verify one input and report on every check. ``challenge``, ``domain`` and
    ``proof_purpose`` apply to the proofs of the input itself, not to documents inside it.

    ``json_value`` says that ``data`` is a value taken out of a JSON request (the VC API)
    rather than the text of a file: a string is then only accepted as a compact JWT, since
    VC Data Integrity §4.4 makes a secured document that is not a map a ``PARSING_ERROR``.

    >>> from datetime import UTC, datetime
    >>> verify(b"not json", at=datetime.now(UTC)).summary
    'Not verified: parse failed: input is not JSON, a compact JWT, or a baked PNG/SVG badge'
    """
    world = Verifier(
        at=at,
        resolvers=resolvers or Resolvers(),
        policy=policy,
        challenge=challenge,
        domain=domain,
        proof_purpose=proof_purpose,
    )
    if json_value and not isinstance(data, Mapping):
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        if not jose.looks_like_jwt(text):
            report = VerificationReport(input=name, policy=policy)
            report.add(
                "parse",
                "failed",
                "PARSING_ERROR: the document is a JSON string, not a map; only a compact JWT "
                "may be sent as text (VC Data Integrity §4.4)",
            )
            return report
    return _verify_input(data, world, name)


def credential_problems(
    document: Mapping[str, Any],
    *,
    loader: DocumentLoader | None = None,
    forms: CanonicalForms | None = None,
) -> list[str]:
    """What keeps an unsigned ``document`` from being a credential a verifier accepts: its
    contexts (every term defined), the VC data model, and for Open Badges / CLR types their
    schemas and types — every check short of proofs, status and trust. Issuers call this
    before signing, so that nothing is signed that would then fail verification; with
    ``forms`` (a :class:`CanonicalForms` for the same loader) the document's canonical form
    is kept there for ``add_proof(document, key, forms=forms)`` to sign without computing
    it again.

    >>> doc = {"@context": [VC_V2], "type": ["VerifiableCredential"], "issuer": "did:example:1"}
    >>> for problem in credential_problems(doc):
    ...     print(problem)
    schema: does not conform to the VC data model: credentialSubject: Field required
    """
    doc = dict(document)
    report = VerificationReport(input="-", kind="credential")
    world = Verifier(at=datetime.now(UTC), resolvers=Resolvers(contexts=loader))
    if forms is not None:
        world.forms = forms
    _check_context(report, doc, world)
    _check_schema(report, doc)
    _check_type(report, doc)
    return [f"{c.id}: {c.message}" for c in report.checks if c.status == "failed"]


def load_trust_snapshot(
    snapshot: Mapping[str, Any],
    *,
    at: datetime,
    resolvers: Resolvers | None = None,
    authority: str | None = None,
) -> TrustRegistry:
    """Verify a signed trust registry snapshot and return the registry inside it.

    With ``authority`` the snapshot must be signed by that issuer. Raises
    :class:`TrustRegistryError` saying why when the snapshot does not verify.
    """
    report = verify(snapshot, at=at, resolvers=resolvers, name="trust snapshot")
    if not report.verified:
        raise TrustRegistryError(f"the trust registry snapshot does not verify: {report.summary}")
    registry = TrustRegistry.from_snapshot(snapshot)
    if authority is not None and registry.snapshot_issuer != authority:
        raise TrustRegistryError(
            f"the trust registry snapshot is signed by {registry.snapshot_issuer}, "
            f"not by the expected authority {authority}"
        )
    return registry


def _verify_input(
    data: bytes | str | Mapping[str, Any], world: Verifier, name: str
) -> VerificationReport:
    report = VerificationReport(input=name, policy=world.policy)
    if isinstance(data, Mapping):
        report.format = "json"
        document = dict(data)
        try:
            jsontext.check(document)
        except InputError as exc:
            report.add("parse", "failed", exc.message)
            return report
        report.add("parse", "passed", "JSON object")
        _verify_document(report, document, world, jwt=None)
        return report
    try:
        fmt, text = _unwrap(data)
    except InputError as exc:
        report.add("parse", "failed", exc.message)
        return report
    report.format = fmt
    if jose.looks_like_jwt(text):
        report.format = "jwt" if fmt == "json" else fmt
        try:
            token = jose.decode(text)
        except JoseError as exc:
            report.add("parse", "failed", exc.message)
            return report
        report.add("parse", "passed", f"compact JWT ({token.header.get('alg')})")
        _verify_document(report, dict(token.unverified_document), world, jwt=token)
        return report
    try:
        document = _load_json(text)
    except InputError as exc:
        report.add("parse", "failed", exc.message)
        return report
    report.add(
        "parse", "passed", "JSON object" if fmt == "json" else f"credential baked in {fmt.upper()}"
    )
    _verify_document(report, document, world, jwt=None)
    return report


def _unwrap(data: bytes | str) -> tuple[Format, str]:
    try:
        raw = data.encode("utf-8") if isinstance(data, str) else data
    except UnicodeEncodeError as exc:
        raise InputError(
            f"input text has an unpaired surrogate (U+{ord(exc.object[exc.start]):04X}) at "
            f"character {exc.start}: it is not Unicode text (RFC 7493 §2.1)"
        ) from None
    if len(raw) > MAX_INPUT_BYTES:
        raise InputError(
            f"input is {len(raw) / 1e6:.1f} MB; the limit is {MAX_INPUT_BYTES // (1024 * 1024)} MB"
        )
    if raw.startswith(PNG_SIGNATURE):
        return "png", extract_png(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("input is not JSON, a compact JWT, or a baked PNG/SVG badge") from None
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return "svg", extract_svg(raw)
    if not stripped.startswith(("{", "[")) and not jose.looks_like_jwt(stripped):
        raise InputError("input is not JSON, a compact JWT, or a baked PNG/SVG badge")
    return "json", text


def _load_json(text: str) -> dict[str, Any]:
    document = jsontext.parse(text)
    if not isinstance(document, dict):
        raise InputError(f"expected a JSON object, found a JSON {type(document).__name__}")
    return document


def _types(value: Any) -> list[str]:
    t = value.get("type") if isinstance(value, Mapping) else None
    if isinstance(t, str):
        return [t]
    return [x for x in t if isinstance(x, str)] if isinstance(t, list) else []


def _id_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _verify_document(
    report: VerificationReport, doc: dict[str, Any], world: Verifier, jwt: jose.UnverifiedJwt | None
) -> None:
    report.document = doc
    types = _types(doc)
    if "VerifiablePresentation" in types:
        report.kind = "presentation"
    elif "VerifiableCredential" in types:
        report.kind = "credential"
    else:
        report.kind = "credential" if "credentialSubject" in doc else "unknown"
    read = _check_context(report, doc, world)
    if read is None:  # not in compact form: no field can be trusted to be the signed one
        for check_id in CHECK_IDS[CHECK_IDS.index("context") + 1 :]:
            report.add(check_id, "skipped", "not read: the document is not in compact form")
        return
    # every check below reads ``view``; the proof check alone reads the document as sent
    view = dict(read)
    _check_schema(report, view)
    _check_type(report, view)
    controllers = _check_proof(report, doc, world, jwt)
    if report.kind == "presentation":
        report.add("issuer", "skipped", "a presentation has a holder, not an issuer")
        report.add("validity", *_validity(view, world.at, jwt))  # a JWT's exp and nbf too
        report.add("status", "skipped", "a presentation has no status of its own")
        report.add("trust", "skipped", "trust is checked for each credential in the presentation")
        _check_holder(report, view, world, controllers)
        count = len(report.credentials)
        holder = _id_of(view.get("holder"))
        report.description = (
            f"presentation {'by ' + holder + ' ' if holder else ''}of {count} credential"
            + ("" if count == 1 else "s")
        )
        return
    _check_issuer(report, view, controllers, world)
    report.add("validity", *_validity(view, world.at, jwt))
    _check_status(report, view, world)
    _check_trust(report, view, world)
    report.add("holder", "skipped", "holder binding applies to presentations")
    report.description = _describe(view, world)
    _check_endorsements(report, view, world)
    _check_clr_credentials(report, view, world)


def _check_context(
    report: VerificationReport, doc: dict[str, Any], world: Verifier
) -> Mapping[str, Any] | None:
    """The context check. Returns what the other checks may read (the document, with the
    places it is written merged: :func:`compactform.reading_view`), or None when the
    document is not in the compact form its contexts define and must not be read."""
    ctx = doc.get("@context")
    contexts = ctx if isinstance(ctx, list) else [ctx] if ctx is not None else []
    if not contexts:
        report.add("context", "failed", "the document has no @context")
        return doc
    if contexts[0] not in (VC_V1, VC_V2):
        report.add(
            "context",
            "failed",
            f"the first @context must be {VC_V2} (or {VC_V1}), not {contexts[0]!r}",
        )
        return doc
    for item in contexts:
        if isinstance(item, str) and not world.loader.knows(item):
            report.add("context", "failed", UnknownContextError(item).message)
            return doc
        if not isinstance(item, str | dict):
            report.add("context", "failed", "@context entries must be URLs or objects")
            return doc
    try:
        world.forms.check_document(doc)
        view = compactform.reading_view(doc, world.loader)
    except NotCompactError as exc:
        report.add(
            "context",
            "failed",
            "the document is not in the compact form its contexts define (VC Data Model 2.0 "
            f"§6.1), so what openler reads might not be what was signed: {exc.message}",
        )
        return None
    except ContextError as exc:
        report.add("context", "failed", exc.message)
        return doc
    except RecursionError:
        report.add("context", "failed", "the document is nested too deeply to process")
        return doc
    version = "VC 2.0" if contexts[0] == VC_V2 else "VC 1.1"
    report.add(
        "context",
        "passed",
        f"{version} document in compact form; every term is defined by its contexts",
    )
    return view


def _check_schema(report: VerificationReport, doc: dict[str, Any]) -> None:
    if report.kind == "presentation":
        problems = _presentation_shape(doc)
        label = "VC 2.0 presentation"
    else:
        model = model_for(doc)
        problems = schema_errors(doc, model) if model else _credential_shape(doc)
        problems += [p for p in object_problems(doc) if p not in problems]
        label = {
            "ClrCredential": "CLR 2.0 ClrCredential schema",
            "AchievementCredential": "Open Badges 3.0 AchievementCredential schema",
            "EndorsementCredential": "Open Badges 3.0 EndorsementCredential schema",
        }.get(model.__name__ if model else "", "VC data model")
    if report.kind != "presentation":
        problems += date_order_problems(doc)
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        report.add("schema", "failed", f"does not conform to the {label}: {shown}")
    else:
        report.add("schema", "passed", f"conforms to the {label}")


#: the members :func:`date_order_problems` reads
DATE_KEYS = frozenset({"validFrom", "validUntil", "issuanceDate", "expirationDate"})


def date_order_problems(doc: Mapping[str, Any]) -> list[str]:
    """VC 2.0: validFrom must not be later than validUntil (likewise the VC 1.1 dates)."""
    for start, end in (("validFrom", "validUntil"), ("issuanceDate", "expirationDate")):
        if isinstance(doc.get(start), str) and isinstance(doc.get(end), str):
            try:
                if parse_datetime(doc[start], start) > parse_datetime(doc[end], end):
                    return [f"{end}: {doc[end]} is earlier than {start} {doc[start]}"]
            except InputError:
                pass  # reported by the schema itself
    return []


def _credential_shape(doc: dict[str, Any]) -> list[str]:
    problems = []
    subject = doc.get("credentialSubject")
    if "credentialSubject" not in doc:
        problems.append("credentialSubject: Field required")
    elif not isinstance(subject, dict | list) or (isinstance(subject, list) and not subject):
        problems.append("credentialSubject: must be an object or an array of objects")
    elif any(not isinstance(s, dict) or not s for s in _as_list(subject)):
        problems.append("credentialSubject: each subject must be an object with a claim")
    if "issuer" not in doc:
        problems.append("issuer: Field required")
    v1 = isinstance(doc.get("@context"), list) and doc["@context"][:1] == [VC_V1]
    for name in ("validFrom", "validUntil", "issuanceDate", "expirationDate"):
        if name in doc:
            try:
                parse_datetime(doc[name], name)
            except InputError as exc:
                problems.append(exc.message)
    if v1 and "issuanceDate" not in doc:
        problems.append("issuanceDate: required with the VC 1.1 context")
    return problems


def _presentation_shape(doc: dict[str, Any]) -> list[str]:
    problems = []
    vcs = doc.get("verifiableCredential", [])
    if not isinstance(vcs, list | dict | str):
        problems.append("verifiableCredential: must be a credential or an array of credentials")
    holder = doc.get("holder")
    if holder is not None and _id_of(holder) is None:
        problems.append("holder: must be a URL or an object with an id")
    return problems


def _check_type(report: VerificationReport, doc: dict[str, Any]) -> None:
    types = _types(doc)
    problems: list[str] = []
    if report.kind == "presentation":
        if "VerifiablePresentation" not in types:
            problems.append("type must include VerifiablePresentation")
    else:
        if "VerifiableCredential" not in types:
            problems.append("type must include VerifiableCredential")
        if "ClrCredential" in types:
            problems += _expect(doc.get("credentialSubject"), "credentialSubject", "ClrSubject")
            problems += _expect(doc.get("issuer"), "issuer", "Profile")
        elif "AchievementCredential" in types or "OpenBadgeCredential" in types:
            subject = doc.get("credentialSubject")
            problems += _expect(subject, "credentialSubject", "AchievementSubject")
            problems += _expect(doc.get("issuer"), "issuer", "Profile")
            if isinstance(subject, Mapping):
                problems += _expect(subject.get("achievement"), "achievement", "Achievement")
                for i, result in enumerate(_as_list(subject.get("result"))):
                    problems += _expect(result, f"result[{i}]", "Result")
            for i, evidence in enumerate(_as_list(doc.get("evidence"))):
                problems += _expect(evidence, f"evidence[{i}]", "Evidence")
            for i, endorsement in enumerate(_as_list(doc.get("endorsement"))):
                problems += _expect(endorsement, f"endorsement[{i}]", "EndorsementCredential")
        # validFrom is optional in VC DM 2.0 (§4.9 "If present, …"); the schemas of Open
        # Badges and CLR require it, and ``schema_errors`` applies them.
        v2 = isinstance(doc.get("@context"), list) and doc["@context"][:1] == [VC_V2]
        if v2 and ("issuanceDate" in doc or "expirationDate" in doc):
            problems.append(
                "issuanceDate / expirationDate are VC 1.1 terms; VC 2.0 uses validFrom / validUntil"
            )
    if problems:
        report.add("type", "failed", "; ".join(problems))
    else:
        label = next(
            (
                t
                for t in (
                    "ClrCredential",
                    "AchievementCredential",
                    "OpenBadgeCredential",
                    "EndorsementCredential",
                    "VerifiablePresentation",
                )
                if t in types
            ),
            "VerifiableCredential",
        )
        report.add("type", "passed", f"{label} with the required types")


def _expect(value: Any, where: str, wanted: str) -> list[str]:
    if value is None:
        return []
    if wanted not in _types(value):
        return [f"{where}.type must include {wanted}"]
    return []


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _check_proof(
    report: VerificationReport, doc: dict[str, Any], world: Verifier, jwt: jose.UnverifiedJwt | None
) -> list[str]:
    """Run the proof check; return the controllers of the keys whose proofs verified."""
    purpose = world.proof_purpose or (
        "authentication" if report.kind == "presentation" else "assertionMethod"
    )
    if jwt is not None:
        return _check_jwt_proof(report, jwt, world, purpose)
    results = check_proofs(
        doc,
        resolver=world.resolver,
        purpose=purpose,
        at=world.at,
        challenge=world.challenge,
        domain=world.domain,
        loader=world.loader,
        forms=world.forms,
    )
    if not results:  # no "proof", or "proof": null / []: nothing was signed
        if report.kind == "presentation" and not report.required("proof"):
            report.add(
                "proof",
                "skipped",
                "the presentation is not signed, and this verifier did not ask its holder to "
                "sign it (its credentials are verified each on its own)",
            )
            return []
        report.add("proof", "failed", "the document has no proof")
        return []
    failed = [r for r in results if not r.ok]
    if failed:
        which = (
            "" if len(results) == 1 else f"proof {results.index(failed[0]) + 1} of {len(results)}: "
        )
        report.add("proof", "failed", which + failed[0].message)
        return []
    message = "; ".join(r.message for r in results)
    report.add("proof", "passed", message)
    return [r.controller for r in results if r.controller]


def _check_jwt_proof(
    report: VerificationReport, jwt: jose.UnverifiedJwt, world: Verifier, purpose: str
) -> list[str]:
    key_id = jwt.key_id
    try:
        if key_id is not None:
            method = world.resolver.method(key_id, purpose)
            controller: str | None = str(method.get("controller"))
        elif isinstance(jwt.header.get("jwk"), Mapping):
            method = {"publicKeyJwk": jwt.header["jwk"]}
            controller = None
        else:
            report.add("proof", "failed", "the JWT header names no key (kid) and carries no jwk")
            return []
        key = jose.jwk_from_method(method)
    except UnauthorizedMethodError as exc:
        report.add("proof", "failed", f"verification method not authorised: {exc.message}")
        return []
    except ResolutionError as exc:
        report.add("proof", "failed", f"verification method could not be resolved: {exc.message}")
        return []
    except KeyFormatError as exc:
        report.add("proof", "failed", exc.message)
        return []
    if not jose.signature_valid(jwt, key):
        report.add(
            "proof",
            "failed",
            f"JWT signature does not match: the token was altered, or {key_id or 'the header jwk'} "
            "did not sign it",
        )
        return []
    binding = _jwt_binding(jwt, world) if report.kind == "presentation" else None
    if binding is not None:
        report.add("proof", "failed", binding)
        return []
    report.add(
        "proof",
        "passed",
        f"{jwt.header.get('alg')} JWS by {key_id or 'the key in the JWT header'} is valid",
    )
    if controller is None:
        return []
    iss = jwt.payload.get("iss")
    if isinstance(iss, str) and iss != controller:
        return []
    return [controller]


def _jwt_binding(jwt: jose.UnverifiedJwt, world: Verifier) -> str | None:
    """Why a JWT presentation is not bound to the verifier's challenge and domain (its
    ``nonce`` and ``aud`` claims, as OpenID4VP and VC-JOSE bind them), or None."""
    if world.challenge is not None and jwt.payload.get("nonce") != world.challenge:
        return "challenge mismatch: the JWT's nonce is not the one this verifier asked for"
    if world.domain is not None:
        audience = jwt.payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if world.domain not in audiences:
            return "domain mismatch: the JWT's aud does not name this verifier"
    return None


def _check_issuer(
    report: VerificationReport, doc: dict[str, Any], controllers: list[str], world: Verifier
) -> None:
    issuer = _id_of(doc.get("issuer"))
    if issuer is None:
        report.add("issuer", "failed", "the credential names no issuer")
        return
    if report.status_of("proof") != "passed":
        report.add("issuer", "failed", f"no valid proof, so nothing shows that {issuer} issued it")
        return
    if issuer in controllers:
        report.add("issuer", "passed", _signed_by_issuer(doc, issuer, world))
    elif controllers:
        report.add(
            "issuer",
            "failed",
            f"signed by {controllers[0]}, which is not the issuer {issuer}",
        )
    else:
        report.add("issuer", "failed", f"the signing key is not bound to the issuer {issuer}")


def _signed_by_issuer(doc: dict[str, Any], issuer: str, world: Verifier) -> str:
    registered = world.registered_name(issuer)
    message = f"signed with a key controlled by the issuer, {issuer}"
    if registered:
        message += f" ({registered} in the trust registry)"
    own = doc["issuer"].get("name") if isinstance(doc["issuer"], Mapping) else None
    claimed = _plain_name(own)
    if claimed is not None and claimed != registered:
        message += f"; it calls itself {claimed!r}, which no registry here vouches for"
    return message


def _validity(
    doc: dict[str, Any], at: datetime, jwt: jose.UnverifiedJwt | None = None
) -> tuple[Any, str]:
    v1 = isinstance(doc.get("@context"), list) and doc["@context"][:1] == [VC_V1]
    start_name, end_name = ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
    try:
        start = parse_datetime(doc[start_name], start_name) if start_name in doc else None
        end = parse_datetime(doc[end_name], end_name) if end_name in doc else None
    except InputError as exc:
        return "failed", exc.message
    if jwt is not None:
        for claim, label in (("nbf", "not before"), ("exp", "expiry")):
            value = jwt.payload.get(claim)
            if value is not None and not isinstance(value, int | float):
                return "failed", f"JWT {label} claim {claim} is not a number"
        if isinstance(jwt.payload.get("exp"), int | float) and jwt.payload["exp"] < at.timestamp():
            return "failed", "the JWT has expired (exp)"
        if isinstance(jwt.payload.get("nbf"), int | float) and jwt.payload["nbf"] > at.timestamp():
            return "failed", "the JWT is not valid yet (nbf)"
    when = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if start is not None and start > at:
        return "failed", f"not yet valid: valid from {doc[start_name]} (checked at {when})"
    if end is not None and end < at:
        return "failed", f"expired on {doc[end_name]} (checked at {when})"
    if end is not None:
        return "passed", f"valid from {doc.get(start_name, 'issuance')} until {doc[end_name]}"
    if start is not None:
        return "passed", f"valid from {doc[start_name]}, no expiry"
    return "passed", "no validity period is stated"


def _check_holder(
    report: VerificationReport, doc: dict[str, Any], world: Verifier, controllers: list[str]
) -> None:
    holder = _id_of(doc.get("holder"))
    embedded = _as_list(doc.get("verifiableCredential"))
    # fetch for what is inside only when the presentation's proof passed, or when this
    # verifier accepts unsigned presentations (a proof check that passes when skipped)
    proven = report.status_of("proof") == "passed" or (
        report.status_of("proof") == "skipped" and not report.required("proof")
    )
    subjects: list[tuple[str, list[str]]] = []
    for i, item in enumerate(embedded):
        name = f"{report.input}#verifiableCredential[{i}]"
        item = embedded_input(item)
        inner = _verify_input(item, world.nested(fetching=proven), name)
        report.credentials.append(inner)
        short = inner.description.split(" to ", 1)[0] if inner.description else "credential"
        subjects.append((f"verifiableCredential[{i}] ({short})", _subject_ids(item, inner)))
    binding = world.policy.require_holder_binding
    if holder is None and doc.get("holder") is not None:
        report.add("holder", "failed", "holder must be a URL or an object with an id")
        return
    if holder is None:
        if binding:
            report.add(
                "holder",
                "failed",
                "the presentation names no holder, and this verifier requires the holder to "
                "be the subject of the credentials presented",
            )
        else:
            report.add(
                "holder",
                "skipped",
                "the presentation names no holder (VC Data Model 2.0 §4.13 makes it "
                "optional): its proof shows only which key signed it",
            )
        return
    if report.status_of("proof") == "skipped" and not binding:
        report.add(
            "holder",
            "skipped",
            f"the presentation is not signed: nothing shows that {holder} presented it",
        )
        return
    if report.status_of("proof") != "passed":
        report.add(
            "holder", "failed", f"no valid proof, so nothing shows that {holder} presented it"
        )
        return
    if holder not in controllers:
        signers = ", ".join(controllers) or "an unknown key"
        report.add("holder", "failed", f"signed by {signers}, not by the holder {holder}")
        return
    foreign = [(label, ids) for label, ids in subjects if ids and holder not in ids]
    unbound = [label for label, ids in subjects if not ids]
    if foreign:
        label, ids = foreign[0]
        about = (
            f"{len(foreign)} credential(s) are about someone else: {label} is about "
            f"{', '.join(ids)}, not the holder {holder}"
        )
        if binding:
            report.add("holder", "failed", about)
        else:  # VC Data Model 2.0 §1.2: a holder need not be the subject
            report.add("holder", "warning", f"presented and signed by {holder}; {about}")
    elif unbound:
        report.add(
            "holder",
            "warning",
            f"presented by {holder}, but {len(unbound)} credential(s) name no subject, so "
            f"nothing binds them to the holder: {'; '.join(unbound)}",
        )
    else:
        report.add(
            "holder",
            "passed",
            f"presented and signed by the holder {holder}, the subject of every credential",
        )


def embedded_input(item: Any) -> str | Mapping[str, Any]:
    """What the verifier verifies for one item of a presentation's (or a CLR's)
    ``verifiableCredential``: the compact JWT in an ``EnvelopedVerifiableCredential``'s data
    URL (an item whose ``type`` lists that term), a JSON object or a string as it is, and
    anything else as its JSON text. Whoever verifies an item again on its own verifies
    this, so that it is the same document.

    >>> embedded_input({"type": ["EnvelopedVerifiableCredential"], "id": "data:x,eyJ.e.s"})
    'eyJ.e.s'
    >>> embedded_input({"type": ["urn:x:EnvelopedVerifiableCredential"], "id": "data:,a"})
    {'type': ['urn:x:EnvelopedVerifiableCredential'], 'id': 'data:,a'}
    >>> embedded_input(7)
    '7'
    """
    if isinstance(item, Mapping) and "EnvelopedVerifiableCredential" in _types(item):
        return str(item.get("id", "")).split(",", 1)[-1]
    return item if isinstance(item, str | Mapping) else json.dumps(item)


def _subject_ids(item: Any, inner: VerificationReport) -> list[str]:
    document: Any = item
    if isinstance(item, str):
        try:
            document = jose.decode(item).unverified_document
        except JoseError:
            return []
    if not isinstance(document, Mapping):
        return []
    return [i for i in (_id_of(s) for s in _as_list(document.get("credentialSubject"))) if i]


def _check_status(report: VerificationReport, doc: dict[str, Any], world: Verifier) -> None:
    entries = _as_list(doc.get("credentialStatus"))
    if not entries:
        report.add("status", "skipped", "the credential has no credentialStatus")
        return
    report.also_required.add("status")
    if not world.check_status:
        report.add("status", "failed", "a status list credential must not itself have a status")
        return
    if report.status_of("proof") != "passed":
        report.add(
            "status", "skipped", "not checked: without a valid proof nothing is fetched for it"
        )
        return
    results: list[str] = []
    warnings: list[str] = []
    for raw in entries:
        try:
            entry = StatusEntry.parse(raw)
        except StatusListError as exc:
            report.add("status", "failed", exc.message)
            return
        try:
            cached = _status_list(entry, doc, world)
            purposes = cached.purposes
            if entry.purpose not in purposes:
                raise StatusListError(
                    f"the entry's statusPurpose {entry.purpose!r} is not a purpose of "
                    f"{entry.list_url} ({', '.join(purposes)})"
                )
            value = cached.bits(entry.size).get(entry.index)
        except ResolutionError as exc:
            if world.policy.fail_closed or isinstance(exc, FetchLimitError):
                report.add("status", "failed", f"status could not be checked: {exc.message}")
                return
            warnings.append(f"status could not be checked ({exc.message}); the policy accepts this")
            as_of = "status unknown"
            continue
        except StatusListError as exc:
            report.add("status", "failed", f"status could not be checked: {exc.message}")
            return
        who = world.issuer_label(cached.issuer)
        as_of = _as_of(cached, world.at)
        if entry.purpose == "revocation" and value:
            report.add("status", "failed", f"Revoked by {who} ({as_of})")
            return
        if entry.purpose == "suspension" and value:
            report.add("status", "failed", f"Suspended by {who} ({as_of})")
            return
        if entry.purpose == "message":
            text = entry.messages.get(value, f"status {hex(value)}")
            (warnings if value else results).append(f"status message from {who}: {text}")
        elif entry.purpose == "refresh" and value:
            warnings.append(f"{who} has issued a refreshed credential")
        else:
            results.append(_CLEAR.get(entry.purpose, f"no {entry.purpose} flag"))
    message = "; ".join(results + warnings) + f" ({as_of})"
    report.add("status", "warning" if warnings else "passed", message[0].upper() + message[1:])


_CLEAR = {
    "revocation": "not revoked",
    "suspension": "not suspended",
    "refresh": "no refresh pending",
}


def _as_of(cached: CachedList, at: datetime) -> str:
    parts = []
    if cached.list_issued is not None:
        parts.append(
            f"status list of {format_datetime(cached.list_issued)}, "
            f"{freshness(cached.list_issued, at)}"
        )
    age = freshness(cached.fetched_at, at)
    parts.append(
        "fetched just now" if age == "0 s old" else f"fetched {age.removesuffix(' old')} ago"
    )
    return "; ".join(parts)


def _status_list(entry: StatusEntry, doc: dict[str, Any], world: Verifier) -> CachedList:
    """The verified status list for ``entry``: from the cache, or fetched and verified."""
    lists = world.resolvers.status
    cached = lists.cached(entry.list_url, world.at)
    if cached is None:
        fetched = lists.fetch(entry.list_url)
        list_world = world.nested(
            policy=DEFAULT_POLICY,
            check_status=False,
            no_trust_because=(
                "a status list is trusted through its issuer, who must be the credential's"
            ),
        )
        list_report = _verify_input(fetched.document, list_world, entry.list_url)
        if not list_report.verified:
            raise StatusListError(
                f"the status list credential does not verify: {list_report.summary}"
            )
        list_issuer = _id_of(fetched.document.get("issuer")) or ""
        cached = lists.remember(entry.list_url, fetched, issuer=list_issuer, at=world.at)
    credential_issuer = _id_of(doc.get("issuer"))
    if cached.issuer != credential_issuer:
        raise StatusListError(
            f"the status list {entry.list_url} is issued by {cached.issuer}, not by the "
            f"credential's issuer {credential_issuer}"
        )
    return cached


def _check_trust(report: VerificationReport, doc: dict[str, Any], world: Verifier) -> None:
    if world.no_trust_because is not None:
        report.add("trust", "skipped", world.no_trust_because)
        return
    registry = world.resolvers.trust
    required = world.policy.require_trust
    if required or (required is None and registry is not None):
        report.also_required.add("trust")
    if registry is None:
        message = "no trust registry was supplied"
        report.add(
            "trust",
            "failed" if required else "skipped",
            message + (" but the policy requires one" if required else ""),
        )
        return
    issuer = _id_of(doc.get("issuer"))
    if issuer is None:
        report.add("trust", "failed", "the credential names no issuer")
        return
    decision = registry.decide(
        issuer, CredentialFacts.of(doc), at=world.at, jurisdiction=world.policy.jurisdiction
    )
    source = ""
    if registry.snapshot_issued:
        issued = parse_datetime(registry.snapshot_issued)
        source = (
            f" (registry snapshot of {registry.snapshot_issued}, {freshness(issued, world.at)})"
        )
    if decision.trusted:
        report.add("trust", "passed", decision.message + source)
    else:  # a verifier that did not ask for trust hears about it, but is not refused
        report.add(
            "trust", "failed" if report.required("trust") else "warning", decision.message + source
        )


def _check_endorsements(report: VerificationReport, doc: dict[str, Any], world: Verifier) -> None:
    found: list[tuple[str, Any]] = []
    subject = doc.get("credentialSubject")
    places = [("", doc), ("issuer.", doc.get("issuer"))]
    if isinstance(subject, Mapping):
        places.append(("achievement.", subject.get("achievement")))
    for prefix, holder in places:
        if not isinstance(holder, Mapping):
            continue
        for i, item in enumerate(_as_list(holder.get("endorsement"))):
            found.append((f"{prefix}endorsement[{i}]", item))
        for i, item in enumerate(_as_list(holder.get("endorsementJwt"))):
            found.append((f"{prefix}endorsementJwt[{i}]", item))
    for where, item in found:
        name = f"{report.input}#{where}"
        data = item if isinstance(item, str | Mapping) else json.dumps(item)
        endorsement_world = world.nested(
            no_trust_because="endorsers are not checked against the trust registry",
            fetching=report.status_of("proof") == "passed",
        )
        report.endorsements.append(_verify_input(data, endorsement_world, name))


def _check_clr_credentials(
    report: VerificationReport, doc: dict[str, Any], world: Verifier
) -> None:
    """CLR 2.0: each credential in the ClrSubject's ``verifiableCredential`` is verified in
    its own right (proof, issuer, validity, status, trust), as in a presentation; the
    record is verified only when every one of them is. When the record names its subject
    by an ``id``, each credential it bundles must be about that same subject (its
    ``holder`` check): a record cannot lend someone else's achievements to its learner."""
    if "ClrCredential" not in _types(doc):
        return
    subject = doc.get("credentialSubject")
    if not isinstance(subject, Mapping):
        return
    proven = report.status_of("proof") == "passed"
    learner = _id_of(subject)
    for i, item in enumerate(_as_list(subject.get("verifiableCredential"))):
        name = f"{report.input}#credentialSubject.verifiableCredential[{i}]"
        item = embedded_input(item)
        nested = _verify_input(item, world.nested(fetching=proven), name)
        if learner is not None:
            _bind_to_learner(nested, item, learner)
        report.credentials.append(nested)


def _bind_to_learner(nested: VerificationReport, item: Any, learner: str) -> None:
    """Fail a bundled credential's ``holder`` check unless every subject it names is the
    record's learner (one that cannot be read as JSON here cannot show it is)."""
    subjects = _as_list(item.get("credentialSubject")) if isinstance(item, Mapping) else []
    named = [_id_of(s) if isinstance(s, Mapping) else None for s in subjects]
    if subjects and all(n == learner for n in named):
        outcome: tuple[Status, str] = ("passed", f"about the record's learner, {learner}")
    else:
        others = ", ".join(sorted({str(n) for n in named if n != learner})) or "no one it names"
        outcome = ("failed", f"about {others}, not the record's learner {learner}")
    nested.checks = [c for c in nested.checks if c.id != "holder"]
    nested.add("holder", *outcome)


def _plain_name(value: Any) -> str | None:
    """A ``name`` as text: a string, or the values of language value objects (§11.1)."""
    if isinstance(value, str):
        return value
    items = value if isinstance(value, list) else [value]
    texts = [v.get("@value") for v in items if isinstance(v, Mapping)]
    words = [t for t in texts if isinstance(t, str)]
    return " / ".join(words) if words and len(words) == len(items) else None


def _describe(doc: dict[str, Any], world: Verifier) -> str:
    """The headline: what the credential is, who issued it (by the registry's name or the
    bare identifier, never the name the credential gives itself) and to whom."""
    subject = doc.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    issuer = _id_of(doc.get("issuer"))
    parts = []
    if isinstance(achievement, Mapping):
        kind = achievement.get("achievementType")
        parts.append(
            f"{kind} {achievement.get('name')!r}" if kind else repr(achievement.get("name"))
        )
    elif isinstance(doc.get("name"), str):
        parts.append(repr(doc["name"]))
    else:
        parts.append("credential")
    parts.append(f"issued by {world.issuer_label(issuer) if issuer else None}")
    subject_id = _id_of(subject) if isinstance(subject, Mapping) else None
    if subject_id:
        parts.append(f"to {subject_id}")
    return " ".join(parts)
