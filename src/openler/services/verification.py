"""Verification as a use case: read inputs, build the world, run ``vc.verify``."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from openler.services.documents import context_loader, resolver_for
from openler.vc import MAX_INPUT_BYTES, VerificationReport, verify
from openler.vc.report import Check


@dataclass(frozen=True)
class VerifyOptions:
    at: datetime
    contexts: Sequence[str] = ()
    docs: Sequence[str] = ()
    online: bool = False
    challenge: str | None = None
    domain: str | None = None


def read_input(name: str) -> bytes:
    """The bytes of a file or of standard input (``-``), reading at most one byte past the
    size limit so that a huge input is refused without being held in memory."""
    if name == "-":
        return sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    with Path(name).open("rb") as handle:
        return handle.read(MAX_INPUT_BYTES + 1)


def verify_inputs(names: Sequence[str], options: VerifyOptions) -> Iterator[VerificationReport]:
    """Verify each named input in turn; unreadable files give a report with ``parse`` failed."""
    loader = context_loader(options.contexts)
    resolver = resolver_for(options.docs, online=options.online)
    for name in names:
        try:
            data = read_input(name)
        except OSError as exc:
            report = VerificationReport(input=name)
            report.checks.append(
                Check("parse", "failed", f"cannot read {name}: {exc.strerror or exc}")
            )
            yield report
            continue
        yield verify(
            data,
            at=options.at,
            resolver=resolver,
            loader=loader,
            challenge=options.challenge,
            domain=options.domain,
            name=name,
        )
