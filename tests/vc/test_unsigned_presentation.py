"""A presentation without a proof: refused by default; accepted — its credentials verified
each, its holder unproven — only by a verifier whose policy does not require the
presentation's proof (a VC API exchange that asked QueryByExample alone)."""

from __future__ import annotations

import json
from typing import Any

from openler.vc import Multikey, Policy, build_presentation, verify
from tests.conftest import NOW

UNSIGNED = Policy(presentation=frozenset({"parse", "context", "schema", "type"}))


def test_refused_by_default(signed_license: dict[str, Any], holder_key: Multikey) -> None:
    vp = build_presentation([signed_license], holder=holder_key.controller)
    report = verify(json.dumps(vp), at=NOW)
    assert not report.verified
    assert report.status_of("proof") == "failed"


def test_accepted_where_the_proof_is_not_required(
    signed_license: dict[str, Any], holder_key: Multikey
) -> None:
    vp = build_presentation([signed_license], holder=holder_key.controller)
    report = verify(json.dumps(vp), at=NOW, policy=UNSIGNED)
    assert report.verified, report.errors()
    assert report.status_of("proof") == "skipped"
    assert report.status_of("holder") == "skipped"
    assert "nothing shows" in str(report.check("holder"))
    assert [c.verified for c in report.credentials] == [True]


def test_a_bad_credential_inside_still_fails(
    signed_license: dict[str, Any], holder_key: Multikey
) -> None:
    altered = {**signed_license, "name": "Chief Surgeon"}
    vp = build_presentation([altered], holder=holder_key.controller)
    report = verify(json.dumps(vp), at=NOW, policy=UNSIGNED)
    assert not report.verified
    assert report.credentials[0].status_of("proof") == "failed"


def test_holder_binding_still_fails_closed(
    signed_license: dict[str, Any], holder_key: Multikey
) -> None:
    vp = build_presentation([signed_license], holder=holder_key.controller)
    bound = Policy(presentation=UNSIGNED.presentation, require_holder_binding=True)
    report = verify(json.dumps(vp), at=NOW, policy=bound)
    assert not report.verified
    assert report.status_of("holder") == "failed"
