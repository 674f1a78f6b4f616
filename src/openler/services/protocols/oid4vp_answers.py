"""An OpenID4VP ``vp_token`` verified as of now, as one report: each presentation
verified for the request's ``nonce`` (challenge) and full ``client_id`` (domain) with the
holder bound, its credentials matched against the request's DCQL query, and the query's
credential sets satisfied. Used when a response arrives and whenever the answer is looked
at again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.verifiers.verifying import verify_document
from openler.store.models import Organization, PresentationRequest
from openler.vc import (
    CHECK_IDS,
    Candidate,
    Policy,
    VCError,
    VerificationReport,
    dcql_satisfied,
    expanded_types,
    match_dcql,
    unverified_jwt_document,
)

_STATUS_ORDER = {"failed": 3, "skipped": 2, "warning": 1, "passed": 0}


def answer_report(
    session: Session,
    platform: Platform,
    request: PresentationRequest,
    vp_token: Mapping[str, list[Any]],
) -> VerificationReport:
    """The ``vp_token`` verified as of now: each presentation for the request's nonce and
    client_id, its holder bound, its credentials matched against the request's DCQL query,
    and the query satisfied. One report: a check fails when it failed for any presentation
    (named), and the credentials of every presentation are listed in it."""
    organization = session.get(Organization, request.organization_id)
    combined = VerificationReport(
        input="vp_token",
        format="json",
        kind="presentation",
        policy=Policy(require_holder_binding=True),
    )
    inner: list[tuple[str, VerificationReport]] = []
    problems: list[str] = []
    answered: set[str] = set()
    queries = {q["id"]: q for q in request.query["credentials"]}
    for query_id, presentations in vp_token.items():
        matched = True
        for index, presentation in enumerate(presentations):
            where = f"{query_id}[{index}]"
            report = verify_document(
                session,
                platform,
                presentation,
                challenge=request.challenge,
                domain=request.domain,
                jurisdiction=organization.jurisdiction if organization else None,
                name=f"vp_token#{where}",
                require_holder_binding=True,
            )
            inner.append((where, report))
            reason = _query_mismatch(queries[query_id], presentation)
            if reason is not None:
                problems.append(f"{where}: {reason}")
                matched = False
        if matched:
            answered.add(query_id)
    if not problems and not dcql_satisfied(request.query, answered):
        problems.append("the credentials presented do not satisfy the query's credential sets")
    count = sum(len(p) for p in vp_token.values())
    combined.add(
        "parse", "passed", f"vp_token of {count} presentation(s) for {', '.join(vp_token)}"
    )
    for check_id in CHECK_IDS[1:]:
        worst: tuple[str, VerificationReport] | None = None
        for where, report in inner:
            found = report.check(check_id)
            status = found.status if found else "skipped"
            if (
                worst is None
                or _STATUS_ORDER[status] > _STATUS_ORDER[worst[1].status_of(check_id) or "skipped"]
            ):
                worst = (where, report)
        if check_id == "type" and problems:
            combined.add("type", "failed", "does not answer the query: " + "; ".join(problems))
            continue
        found = worst[1].check(check_id) if worst is not None else None
        if worst is None or found is None:
            combined.add(check_id, "skipped", "not checked")
        else:
            message = found.message if len(inner) == 1 else f"{worst[0]}: {found.message}"
            combined.add(check_id, found.status, message)
    for _where, report in inner:
        combined.credentials.extend(report.credentials)
    combined.description = (
        f"OpenID4VP answer of {count} presentation(s) of {len(combined.credentials)} credential(s)"
    )
    return combined


def candidates_of(documents: Sequence[Mapping[str, Any]], fmt: str) -> list[Candidate] | str:
    """Presented credentials as DCQL candidates (ids by position, types expanded by their
    own contexts), or why one cannot be read."""
    found = []
    for index, document in enumerate(documents):
        try:
            types = expanded_types(document)
        except VCError as exc:
            return f"credential {index}: {exc.message}"
        found.append(Candidate(str(index), fmt, document, types))
    return found


def _query_mismatch(credential_query: Mapping[str, Any], presentation: Any) -> str | None:
    """Why the credentials in ``presentation`` do not answer ``credential_query``: each must
    match it (read unverified here; the same presentation's report says whether it verified)."""
    try:
        documents = presented_credentials(presentation)
    except VCError as exc:
        return exc.message
    if not documents:
        return "the presentation holds no credential"
    found = candidates_of(documents, credential_query["format"])
    if isinstance(found, str):
        return found
    result = match_dcql({"credentials": [credential_query]}, found)
    reasons = result.reasons[credential_query["id"]]
    if reasons:
        which, reason = next(iter(reasons.items()))
        return f"credential {which} does not match: {reason}"
    return None


def raw_credentials(presentation: Any) -> list[Mapping[str, Any] | str]:
    """The credentials inside a presentation (a JSON object or a compact JWT) as they were
    sent — a JSON object, or a compact JWT (one in an ``EnvelopedVerifiableCredential``
    taken out of its data URL) — in its order, for verifying each again on its own."""
    if isinstance(presentation, str):
        presentation = unverified_jwt_document(presentation)
    items = presentation.get("verifiableCredential", [])
    found: list[Mapping[str, Any] | str] = []
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, Mapping) and "EnvelopedVerifiableCredential" in str(item.get("type")):
            item = str(item.get("id", "")).split(",", 1)[-1]
        if isinstance(item, str | Mapping):
            found.append(item)
    return found


def presented_credentials(presentation: Any) -> list[Mapping[str, Any]]:
    """The credentials inside a presentation (a JSON object or a compact JWT), read
    unverified — the presentation's report says whether they verified — in its order; a
    credential as a JWT or an ``EnvelopedVerifiableCredential`` is read from its JWT."""
    return [
        unverified_jwt_document(item) if isinstance(item, str) else item
        for item in raw_credentials(presentation)
    ]
