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

from openler.vc import Multikey, Resolver, check_proofs, sign_credential, verify
from openler.vc.jsonld import canonicalize_reference

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
    full_ms = median_ms(lambda: verify(signed, at=NOW, resolver=resolver), rounds)
    print(
        f"{suite:16}  sign {sign_ms:7.3f} ms  verify(proof) {proof_ms:7.3f} ms  "
        f"verify(all checks) {full_ms:7.3f} ms  "
        f"proof/pyld-canon {proof_ms / pyld:5.2f}x  proof/ed25519 {proof_ms / floor:6.1f}x"
    )


if __name__ == "__main__":
    main()
