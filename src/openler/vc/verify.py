"""The verification pipeline: bytes in, a :class:`VerificationReport` out.

``verify`` accepts a JSON credential or presentation, a compact JWT, or a baked PNG/SVG
badge, and runs the checks in a fixed order::

    parse → context → schema → type → proof → issuer → validity → status → trust → holder

Each check ends ``passed``, ``failed``, ``warning`` or ``skipped`` with a message. Nothing is
fetched: DID documents, controller documents and contexts come from the ``resolver`` and
``loader`` the caller passes in, and the clock is the ``at`` argument.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openler.vc import jose, jsonld
from openler.vc.baking import PNG_SIGNATURE, extract_png, extract_svg
from openler.vc.dataintegrity import check_proofs
from openler.vc.dates import parse_datetime
from openler.vc.did import Resolver
from openler.vc.errors import (
    ContextError,
    InputError,
    JoseError,
    KeyFormatError,
    ResolutionError,
    UnauthorizedMethodError,
)
from openler.vc.jsonld import DocumentLoader
from openler.vc.models import VC_V1, VC_V2, model_for, schema_errors
from openler.vc.report import DEFAULT_POLICY, Format, Policy, VerificationReport

#: Inputs larger than this are refused before parsing.
MAX_INPUT_BYTES = 4 * 1024 * 1024
_MAX_DEPTH = 64


@dataclass
class Verifier:
    """The world a verification runs in: resolvers, contexts, clock, policy and request."""

    at: datetime
    resolver: Resolver = field(default_factory=Resolver)
    loader: DocumentLoader = field(default_factory=DocumentLoader)
    policy: Policy = DEFAULT_POLICY
    challenge: str | None = None
    domain: str | None = None


def verify(
    data: bytes | str | Mapping[str, Any],
    *,
    at: datetime,
    resolver: Resolver | None = None,
    loader: DocumentLoader | None = None,
    policy: Policy = DEFAULT_POLICY,
    challenge: str | None = None,
    domain: str | None = None,
    name: str = "-",
) -> VerificationReport:
    """Verify one input and report on every check.

    >>> from datetime import UTC, datetime
    >>> verify(b"not json", at=datetime.now(UTC)).summary
    'Not verified: parse failed: input is not JSON, a compact JWT, or a baked PNG/SVG badge'
    """
    world = Verifier(
        at=at,
        resolver=resolver or Resolver(),
        loader=loader or DocumentLoader(),
        policy=policy,
        challenge=challenge,
        domain=domain,
    )
    return _verify_input(data, world, name)


def _verify_input(
    data: bytes | str | Mapping[str, Any], world: Verifier, name: str
) -> VerificationReport:
    report = VerificationReport(input=name, policy=world.policy)
    if isinstance(data, Mapping):
        report.format = "json"
        report.add("parse", "passed", "JSON object")
        _verify_document(report, dict(data), world, jwt=None)
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
    raw = data.encode("utf-8") if isinstance(data, str) else data
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
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise InputError("JSON is nested too deeply") from None
    if not isinstance(document, dict):
        raise InputError(f"expected a JSON object, found a JSON {type(document).__name__}")
    if _depth(document) > _MAX_DEPTH:
        raise InputError(f"JSON is nested more than {_MAX_DEPTH} levels deep")
    return document


def _depth(value: Any, level: int = 0) -> int:
    if level > _MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


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
    types = _types(doc)
    if "VerifiablePresentation" in types:
        report.kind = "presentation"
    elif "VerifiableCredential" in types:
        report.kind = "credential"
    else:
        report.kind = "credential" if "credentialSubject" in doc else "unknown"
    _check_context(report, doc, world)
    _check_schema(report, doc)
    _check_type(report, doc)
    controllers = _check_proof(report, doc, world, jwt)
    if report.kind == "presentation":
        report.add("issuer", "skipped", "a presentation has a holder, not an issuer")
        report.add("validity", *_validity(doc, world.at))
        report.add("status", "skipped", "a presentation has no status of its own")
        report.add("trust", "skipped", "no trust registry was supplied")
        _check_holder(report, doc, world, controllers)
        count = len(report.credentials)
        report.description = (
            f"presentation by {_id_of(doc.get('holder'))} of {count} credential"
            + ("" if count == 1 else "s")
        )
        return
    _check_issuer(report, doc, controllers)
    report.add("validity", *_validity(doc, world.at, jwt))
    if "credentialStatus" in doc:
        report.add(
            "status",
            "skipped",
            "the credential has a credentialStatus, but status lists are not checked by this "
            "version of openler",
        )
    else:
        report.add("status", "skipped", "the credential has no credentialStatus")
    report.add("trust", "skipped", "no trust registry was supplied")
    report.add("holder", "skipped", "holder binding applies to presentations")
    report.description = _describe(doc)


def _check_context(report: VerificationReport, doc: dict[str, Any], world: Verifier) -> None:
    ctx = doc.get("@context")
    contexts = ctx if isinstance(ctx, list) else [ctx] if ctx is not None else []
    if not contexts:
        report.add("context", "failed", "the document has no @context")
        return
    if contexts[0] not in (VC_V1, VC_V2):
        report.add(
            "context",
            "failed",
            f"the first @context must be {VC_V2} (or {VC_V1}), not {contexts[0]!r}",
        )
        return
    for item in contexts:
        if isinstance(item, str) and not world.loader.knows(item):
            report.add("context", "failed", ContextError_message(item))
            return
        if not isinstance(item, str | dict):
            report.add("context", "failed", "@context entries must be URLs or objects")
            return
    try:
        jsonld.expand(doc, world.loader)
    except ContextError as exc:
        report.add("context", "failed", exc.message)
        return
    except RecursionError:
        report.add("context", "failed", "the document is nested too deeply to process")
        return
    version = "VC 2.0" if contexts[0] == VC_V2 else "VC 1.1"
    report.add("context", "passed", f"{version} document; every term is defined by its contexts")


def ContextError_message(url: str) -> str:  # noqa: N802 - mirrors the error it describes
    from openler.vc.errors import UnknownContextError

    return UnknownContextError(url).message


def _check_schema(report: VerificationReport, doc: dict[str, Any]) -> None:
    if report.kind == "presentation":
        problems = _presentation_shape(doc)
        label = "VC 2.0 presentation"
    else:
        model = model_for(doc)
        problems = schema_errors(doc, model) if model else _credential_shape(doc)
        label = {
            "ClrCredential": "CLR 2.0 ClrCredential schema",
            "AchievementCredential": "Open Badges 3.0 AchievementCredential schema",
            "EndorsementCredential": "Open Badges 3.0 EndorsementCredential schema",
        }.get(model.__name__ if model else "", "VC data model")
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        report.add("schema", "failed", f"does not conform to the {label}: {shown}")
    else:
        report.add("schema", "passed", f"conforms to the {label}")


def _credential_shape(doc: dict[str, Any]) -> list[str]:
    problems = []
    if "credentialSubject" not in doc:
        problems.append("credentialSubject: Field required")
    elif not isinstance(doc["credentialSubject"], dict | list):
        problems.append("credentialSubject: must be an object or an array of objects")
    if _id_of(doc.get("issuer")) is None:
        problems.append("issuer: must be a URL or an object with an id")
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
        issuer_id = _id_of(doc.get("issuer"))
        if issuer_id is not None and ":" not in issuer_id:
            problems.append(f"issuer id {issuer_id!r} is not a URI")
        v2 = isinstance(doc.get("@context"), list) and doc["@context"][:1] == [VC_V2]
        if v2 and "validFrom" not in doc:
            problems.append("validFrom is missing")
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
    purpose = "authentication" if report.kind == "presentation" else "assertionMethod"
    if jwt is not None:
        return _check_jwt_proof(report, jwt, world, purpose)
    if "proof" not in doc:
        report.add("proof", "failed", "the document has no proof")
        return []
    challenge = world.challenge if report.kind == "presentation" else None
    domain = world.domain if report.kind == "presentation" else None
    results = check_proofs(
        doc,
        resolver=world.resolver,
        purpose=purpose,
        at=world.at,
        challenge=challenge,
        domain=domain,
        loader=world.loader,
    )
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


def _check_issuer(report: VerificationReport, doc: dict[str, Any], controllers: list[str]) -> None:
    issuer = _id_of(doc.get("issuer"))
    if issuer is None:
        report.add("issuer", "failed", "the credential names no issuer")
        return
    if report.status_of("proof") != "passed":
        report.add("issuer", "failed", f"no valid proof, so nothing shows that {issuer} issued it")
        return
    if issuer in controllers:
        name = doc["issuer"].get("name") if isinstance(doc.get("issuer"), Mapping) else None
        label = f"{name} ({issuer})" if name else issuer
        report.add("issuer", "passed", f"signed with a key controlled by the issuer, {label}")
    elif controllers:
        report.add(
            "issuer",
            "failed",
            f"signed by {controllers[0]}, which is not the issuer {issuer}",
        )
    else:
        report.add("issuer", "failed", f"the signing key is not bound to the issuer {issuer}")


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
    for i, item in enumerate(embedded):
        name = f"{report.input}#verifiableCredential[{i}]"
        if isinstance(item, Mapping) and "EnvelopedVerifiableCredential" in _types(item):
            item = str(item.get("id", "")).split(",", 1)[-1]
        report.credentials.append(
            _verify_input(
                item if isinstance(item, str | Mapping) else json.dumps(item),
                _credential_world(world),
                name,
            )
        )
    if holder is None:
        report.add("holder", "failed", "the presentation names no holder")
        return
    if report.status_of("proof") != "passed":
        report.add(
            "holder", "failed", f"no valid proof, so nothing shows that {holder} presented it"
        )
        return
    if holder not in controllers:
        report.add(
            "holder",
            "failed",
            f"signed by {', '.join(controllers) or 'an unknown key'}, not by the holder {holder}",
        )
        return
    report.add("holder", "passed", f"presented and signed by the holder {holder}")


def _credential_world(world: Verifier) -> Verifier:
    return Verifier(at=world.at, resolver=world.resolver, loader=world.loader, policy=world.policy)


def _describe(doc: dict[str, Any]) -> str:
    subject = doc.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    issuer = doc.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, Mapping) else None
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
    parts.append(f"issued by {issuer_name or _id_of(issuer)}")
    subject_id = _id_of(subject) if isinstance(subject, Mapping) else None
    if subject_id:
        parts.append(f"to {subject_id}")
    return " ".join(parts)
