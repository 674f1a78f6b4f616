"""Sign and verify timings for the sample OB 3.0 license (``make bench``).

Prints medians per credential for both cryptosuites, with ratios against baselines
measured in the same run: pyld's own URDNA2015 canonicalization of the credential, and a
bare Ed25519 signature check (the floor no verifier can go under).
"""

from __future__ import annotations

import copy
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from openler.vc import Multikey, Resolver, add_proof, check_proofs, sign_credential, verify
from openler.vc.jsonld import canonicalize_reference
from openler.vc.report import Policy
from openler.vc.statuslist import Bitstring, status_entry, status_list_credential
from openler.vc.trust import Scope, TrustEntry, TrustRegistry
from openler.vc.verify import Resolvers

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    for _ in range(min(20, rounds)):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    template: dict[str, Any] = json.loads(
        resources.files("openler.demo").joinpath("rn-license.json").read_text("utf-8")
    )
    key = Multikey.from_seed(bytes(32))
    resolver = Resolver()
    payload = b"x" * 64
    signature = key.sign(payload)
    floor = median_ms(lambda: key.verify(signature, payload), rounds)
    pyld = median_ms(lambda: canonicalize_reference(template), rounds)
    print(f"baseline  Ed25519 verify alone            {floor:8.3f} ms")
    print(f"baseline  pyld URDNA2015 canonicalize     {pyld:8.3f} ms")
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        bench_suite(suite, template, key, resolver, rounds, floor=floor, pyld=pyld)
    bench_status_and_trust(template, key, rounds)


def bench_status_and_trust(template: dict[str, Any], key: Multikey, rounds: int) -> None:
    """Full verification of the same license without and with a (cached) status check and a
    trust registry decision."""
    url = "https://nursing.ohio.example/status/1"
    status_list = add_proof(
        status_list_credential(
            list_url=url,
            issuer=key.controller,
            purpose="revocation",
            bits=Bitstring.empty(),
            valid_from="2026-11-01T00:00:00Z",
            ttl_ms=3_600_000,
        ),
        key,
        created=NOW,
    )
    plain = sign_credential(template, key, created=NOW)
    with_status = sign_credential(
        {**template, "credentialStatus": status_entry(list_url=url, index=7, purpose="revocation")},
        key,
        created=NOW,
    )
    registry = TrustRegistry()
    registry.add(TrustEntry(key.controller, "Board", "US-OH", (Scope(("License",)),), "Authority"))
    resolvers = Resolvers(lambda u: status_list, trust=registry)
    policy = Policy(jurisdiction="US-OH")
    without = median_ms(lambda: verify(plain, at=NOW, resolvers=Resolvers()), rounds)
    full = median_ms(
        lambda: verify(with_status, at=NOW, resolvers=resolvers, policy=policy), rounds
    )
    report = verify(with_status, at=NOW, resolvers=resolvers, policy=policy)
    assert report.verified, report.summary
    print(
        f"full verify (rdfc), no status, no trust      {without:7.3f} ms\n"
        f"full verify (rdfc), cached status + trust    {full:7.3f} ms  "
        f"ratio {full / without:4.2f}x"
    )


def bench_suite(
    suite: Any,
    template: dict[str, Any],
    key: Multikey,
    resolver: Resolver,
    rounds: int,
    *,
    floor: float,
    pyld: float,
) -> None:
    doc = copy.deepcopy(template)
    sign_ms = median_ms(lambda: sign_credential(doc, key, cryptosuite=suite, created=NOW), rounds)
    signed = sign_credential(doc, key, cryptosuite=suite, created=NOW)
    proof_ms = median_ms(
        lambda: check_proofs(signed, resolver=resolver, purpose="assertionMethod", at=NOW), rounds
    )
    shared = Resolvers()
    full_ms = median_ms(lambda: verify(signed, at=NOW, resolvers=shared), rounds)
    print(
        f"{suite:16}  sign {sign_ms:7.3f} ms  verify(proof) {proof_ms:7.3f} ms  "
        f"verify(all checks) {full_ms:7.3f} ms  "
        f"proof/pyld-canon {proof_ms / pyld:5.2f}x  proof/ed25519 {proof_ms / floor:6.1f}x"
    )


if __name__ == "__main__":
    main()
