"""The verification report: every check with a status and a message a person understands.

A report never reduces to a bare bool: ``verified`` is derived from the checks and the
policy, and every check that did not run says so (``skipped``) with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CheckId = Literal[
    "parse", "context", "schema", "type", "proof", "issuer", "validity", "status", "trust", "holder"
]
CHECK_IDS: tuple[CheckId, ...] = (
    "parse",
    "context",
    "schema",
    "type",
    "proof",
    "issuer",
    "validity",
    "status",
    "trust",
    "holder",
)
Status = Literal["passed", "failed", "warning", "skipped"]
Format = Literal["json", "jwt", "png", "svg", "unknown"]
Kind = Literal["credential", "presentation", "unknown"]


@dataclass(frozen=True)
class Check:
    id: CheckId
    status: Status
    message: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "message": self.message}


@dataclass(frozen=True)
class Policy:
    """Which checks must pass for a document to count as verified.

    A required check that was skipped makes the document unverified (fail closed).
    ``status`` is always required of a credential that has a ``credentialStatus``;
    ``trust`` is required when a trust registry is supplied (``require_trust=None``) or
    always/never when set. ``jurisdiction`` (such as ``US-NC``) is where the verifier
    stands: the trust check then asks "recognised here", not only "authorised there".

    ``require_holder_binding`` is a verifier's own policy, not the data model's: VC Data
    Model 2.0 makes a presentation's ``holder`` optional (§4.13) and lets a holder present
    credentials about someone else (§1.2). With it, the ``holder`` check is required and
    fails unless the presentation names a holder who signed it and who is the subject of
    every credential in it (openler's share links and presentation requests ask this).
    """

    credential: frozenset[str] = frozenset(
        {"parse", "context", "schema", "type", "proof", "issuer", "validity"}
    )
    presentation: frozenset[str] = frozenset({"parse", "context", "schema", "type", "proof"})
    jurisdiction: str | None = None
    require_trust: bool | None = None
    #: When False, a status list that cannot be fetched gives a warning instead of a
    #: failure (for verifiers that accept the risk while a status server is down).
    fail_closed: bool = True
    require_holder_binding: bool = False

    def requires(self, check: str, kind: Kind) -> bool:
        if kind == "presentation":
            return check in self.presentation or (check == "holder" and self.require_holder_binding)
        return check in self.credential


DEFAULT_POLICY = Policy()


@dataclass
class VerificationReport:
    """The outcome of verifying one input (and, for a presentation, its credentials)."""

    input: str
    format: Format = "unknown"
    kind: Kind = "unknown"
    checks: list[Check] = field(default_factory=list)
    credentials: list[VerificationReport] = field(default_factory=list)
    policy: Policy = DEFAULT_POLICY
    description: str = ""
    #: Checks required beyond the policy's, decided by the document (status, trust).
    also_required: set[str] = field(default_factory=set)
    endorsements: list[VerificationReport] = field(default_factory=list)
    #: The document the checks read, as it came (its signature is what the checks say of
    #: it): for a JWT its claims' credential or presentation, for an enveloped credential
    #: inside a presentation the one in its envelope. None when nothing could be read as a
    #: JSON object. Whatever says what a report verified reads it here, never the input
    #: again: a second reading can differ from the verifier's (an envelope's own properties
    #: instead of the credential inside it).
    document: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    def required(self, check_id: str) -> bool:
        return check_id in self.also_required or self.policy.requires(check_id, self.kind)

    def add(self, id: CheckId, status: Status, message: str) -> Check:
        check = Check(id, status, message)
        self.checks.append(check)
        return check

    def check(self, id: str) -> Check | None:
        return next((c for c in self.checks if c.id == id), None)

    def status_of(self, id: str) -> Status | None:
        """The status of check ``id``, or None when it has not run."""
        found = self.check(id)
        return found.status if found else None

    @property
    def verified(self) -> bool:
        by_id: dict[str, Check] = {c.id: c for c in self.checks}
        if any(c.status == "failed" for c in self.checks):
            return False
        for check_id in CHECK_IDS:
            if self.required(check_id):
                found = by_id.get(check_id)
                if found is None or found.status not in ("passed", "warning"):
                    return False
        return all(r.verified for r in self.credentials)

    def errors(self) -> list[str]:
        """Why the input is not verified, one reason a line: each failed check, then the
        reasons of each embedded credential, prefixed by where it is and what it is (or,
        when nothing failed, each required check that did not run). Empty when verified.

        >>> report = VerificationReport(input="-", kind="presentation")
        >>> _ = report.add("proof", "passed", "eddsa-rdfc-2022 proof by did:key:z6Mk… is valid")
        >>> inner = VerificationReport(input="-#verifiableCredential[0]", kind="credential")
        >>> inner.description = "License 'RN' issued by Board"
        >>> _ = inner.add("status", "failed", "Revoked by Board")
        >>> report.credentials.append(inner)
        >>> report.errors()
        ["verifiableCredential[0] (License 'RN' issued by Board): status: Revoked by Board"]
        """
        if self.verified:
            return []
        found = [f"{c.id}: {c.message}" for c in self.checks if c.status == "failed"]
        for inner in self.credentials:
            where = inner.input.rsplit("#", 1)[-1]
            label = f"{where} ({inner.description})" if inner.description else where
            found += [f"{label}: {reason}" for reason in inner.errors()]
        if not found:
            found = [
                f"required check {c} did not run"
                for c in CHECK_IDS
                if self.required(c) and self.status_of(c) in (None, "skipped")
            ]
        return found

    @property
    def summary(self) -> str:
        if self.verified:
            warnings = [c for c in self.checks if c.status == "warning"]
            text = f"Verified: {self.description}" if self.description else "Verified"
            if self.endorsements:
                good = sum(1 for e in self.endorsements if e.verified)
                text += f"; endorsements: {good} of {len(self.endorsements)} verified"
            return text + (f" ({len(warnings)} warning(s))" if warnings else "")
        failed = [c for c in self.checks if c.status == "failed"]
        if failed:
            first = failed[0]
            return f"Not verified: {first.id} failed: {first.message}"
        bad = [r for r in self.credentials if not r.verified]
        if bad:
            return f"Not verified: an embedded credential did not verify: {bad[0].summary}"
        missing = [
            c
            for c in CHECK_IDS
            if self.policy.requires(c, self.kind) and self.status_of(c) in (None, "skipped")
        ]
        return (
            f"Not verified: required check {missing[0]} could not run"
            if missing
            else "Not verified"
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "input": self.input,
            "verified": self.verified,
            "format": self.format,
            "kind": self.kind,
            "checks": [c.to_json() for c in self.checks],
            "summary": self.summary,
        }
        if not self.verified:
            data["errors"] = self.errors()
        if self.credentials:
            data["credentials"] = [r.to_json() for r in self.credentials]
        if self.endorsements:
            data["endorsements"] = [r.to_json() for r in self.endorsements]
        return data
