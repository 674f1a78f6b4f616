"""Verification as a use case: read inputs, build the world, run ``vc.verify``."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from openler.services.errors import UsageError
from openler.services.files.documents import context_loader, fetcher_for, read_json_file
from openler.services.files.outbound import FetchLimits, fetch_budget
from openler.services.files.parallel import MIN_PARALLEL, parallel_map
from openler.settings import DEFAULT_FETCH_SECONDS, DEFAULT_MAX_FETCHES
from openler.vc import (
    MAX_INPUT_BYTES,
    Check,
    Policy,
    Resolvers,
    VCError,
    VerificationReport,
    load_trust_snapshot,
    verify,
)


@dataclass(frozen=True)
class VerifyOptions:
    at: datetime
    contexts: Sequence[str] = ()
    docs: Sequence[str] = ()
    online: bool = False
    challenge: str | None = None
    domain: str | None = None
    trust_snapshot: str | None = None
    trust_authority: str | None = None
    jurisdiction: str | None = None
    #: how much each verification may fetch when ``online``
    max_fetches: int = DEFAULT_MAX_FETCHES
    fetch_seconds: float = DEFAULT_FETCH_SECONDS

    @property
    def limits(self) -> FetchLimits:
        hint = "raise them with --max-fetches, --fetch-seconds"
        return FetchLimits(self.max_fetches, self.fetch_seconds, hint=hint)

    #: a presentation's holder must have signed it and be the subject of its credentials
    bind_holder: bool = False


def read_input(name: str) -> bytes:
    """The bytes of a file or of standard input (``-``), reading at most one byte past the
    size limit so that a huge input is refused without being held in memory."""
    if name == "-":
        return sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    with Path(name).open("rb") as handle:
        return handle.read(MAX_INPUT_BYTES + 1)


class _Verification:
    """The world built once per process from the options: resolvers, registry, policy."""

    def __init__(self, options: VerifyOptions) -> None:
        self.options = options
        self.resolvers = Resolvers(
            fetcher_for(options.docs, online=options.online),
            contexts=context_loader(options.contexts),
        )
        if options.trust_snapshot is not None:
            snapshot = read_json_file(options.trust_snapshot, "trust snapshot")
            if not isinstance(snapshot, dict):
                raise UsageError(f"trust snapshot {options.trust_snapshot} must hold a JSON object")
            try:
                with fetch_budget(options.limits):
                    self.resolvers.trust = load_trust_snapshot(
                        snapshot,
                        at=options.at,
                        resolvers=self.resolvers,
                        authority=options.trust_authority,
                    )
            except VCError as exc:
                raise UsageError(exc.message) from None
        self.policy = Policy(
            jurisdiction=options.jurisdiction, require_holder_binding=options.bind_holder
        )

    def one(self, name: str) -> VerificationReport:
        try:
            data = read_input(name)
        except OSError as exc:
            report = VerificationReport(input=name)
            report.checks.append(
                Check("parse", "failed", f"cannot read {name}: {exc.strerror or exc}")
            )
            return report
        with fetch_budget(self.options.limits):
            return verify(
                data,
                at=self.options.at,
                resolvers=self.resolvers,
                policy=self.policy,
                challenge=self.options.challenge,
                domain=self.options.domain,
                name=name,
            )


def verify_inputs(
    names: Sequence[str], options: VerifyOptions, *, jobs: int = 1
) -> Iterator[VerificationReport]:
    """Verify each named input, in order; unreadable files give a report with ``parse``
    failed. With ``jobs`` > 1 a long batch is spread over that many processes."""
    verification = _Verification(options)  # option errors surface here, before any worker
    if jobs <= 1 or len(names) < MIN_PARALLEL or "-" in names:
        yield from map(verification.one, names)
        return
    yield from parallel_map(
        _Verification.one, list(names), jobs=jobs, setup=_Verification, setup_args=(options,)
    )
