"""Sign and verify timings for the sample OB 3.0 license, and batch throughput (``make bench``).

Every figure is measured in this run, next to the baselines it is compared with:

* per credential, both cryptosuites, with openler's fast path and with pyld alone;
* a bare Ed25519 verification (the floor no verifier goes under) and pyld's own
  canonicalization of the credential;
* the compact-form rule (read what was signed) against the full verification;
* a full verification with a cached status list and a trust registry decision;
* verification inside the platform (documents read from SQLite) with the per-process
  cache and with it cleared before every call;
* a learner's record of up to 300 imported credentials: import, reading it with every
  state computed, LER-RS and PDF exports, each per credential against one verification;
* batch throughput for COUNT distinct credentials: signing and verifying files, in one
  process and in two.

Usage: ``python benchmarks/bench.py [ROUNDS] [COUNT]`` (defaults 300 and 10000).
"""

from __future__ import annotations

import copy
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from openler.services.files.documents import write_key
from openler.services.files.signing import SignOptions, sign_files
from openler.services.files.verify_inputs import VerifyOptions, verify_inputs
from openler.vc import DocumentLoader, Multikey, add_proof, check_proofs, sign_credential, verify
from openler.vc.compactform import reading_view
from openler.vc.did import Resolver
from openler.vc.jsonld import canonicalize_reference
from openler.vc.report import Policy
from openler.vc.statuslist import Bitstring, status_entry, status_list_credential
from openler.vc.trust import Scope, TrustEntry, TrustRegistry
from openler.vc.verify import Resolvers

NOW = datetime(2026, 11, 24, tzinfo=UTC)
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    for _ in range(min(20, rounds)):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def license_template() -> dict[str, Any]:
    text = resources.files("openler.demo").joinpath("rn-license.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def per_credential(template: dict[str, Any], key: Multikey, rounds: int) -> None:
    payload = b"x" * 64
    signature = key.sign(payload)
    floor = median_ms(lambda: key.verify(signature, payload), rounds)
    pyld_canon = median_ms(lambda: canonicalize_reference(template), max(20, rounds // 10))
    print(f"baseline  Ed25519 verify alone                      {floor:8.3f} ms")
    print(f"baseline  pyld canonicalization of the credential    {pyld_canon:8.3f} ms")
    print()
    print(f"{'suite':16} {'path':5} {'sign':>9} {'verify(proof)':>14} {'verify(all)':>12}")
    for suite in SUITES:
        fast_row = measure(template, key, suite, fast=True, rounds=rounds)
        pyld_row = measure(template, key, suite, fast=False, rounds=max(20, rounds // 10))
        print(
            f"{suite:16} ratio pyld/fast: sign {pyld_row[0] / fast_row[0]:5.1f}x, "
            f"verify(proof) {pyld_row[1] / fast_row[1]:5.1f}x, "
            f"verify(all) {pyld_row[2] / fast_row[2]:5.1f}x; "
            f"verify(proof)/Ed25519 floor {fast_row[1] / floor:4.1f}x"
        )


def measure(
    template: dict[str, Any], key: Multikey, suite: Any, *, fast: bool, rounds: int
) -> tuple[float, float, float]:
    """Median sign, proof-verify and full-verify times with or without the fast path."""
    loader = DocumentLoader(fast=fast)
    signed = sign_credential(template, key, cryptosuite=suite, created=NOW, loader=loader)
    resolver, resolvers = Resolver(), Resolvers(contexts=loader)
    sign_ms = median_ms(
        lambda: sign_credential(template, key, cryptosuite=suite, created=NOW, loader=loader),
        rounds,
    )
    proof_ms = median_ms(
        lambda: check_proofs(
            signed, resolver=resolver, purpose="assertionMethod", at=NOW, loader=loader
        ),
        rounds,
    )
    full_ms = median_ms(lambda: verify(signed, at=NOW, resolvers=resolvers), rounds)
    label = "fast" if fast else "pyld"
    print(f"{suite:16} {label:5} {sign_ms:7.3f} ms {proof_ms:11.3f} ms {full_ms:9.3f} ms")
    return sign_ms, proof_ms, full_ms


def compact_form(template: dict[str, Any], key: Multikey, rounds: int) -> None:
    """The "read what was signed" rule (the document in compact form, read merged) for a
    shape already learnt, next to the full verification it is part of."""
    signed = sign_credential(template, key, created=NOW)
    resolvers = Resolvers()
    rule = median_ms(lambda: reading_view(signed), rounds)
    full = median_ms(lambda: verify(signed, at=NOW, resolvers=resolvers), rounds)
    print()
    print(
        f"compact form + reading view (learnt shape)       {rule:7.3f} ms  "
        f"{rule / full:5.1%} of a full verify ({full:.3f} ms)"
    )


def status_and_trust(template: dict[str, Any], key: Multikey, rounds: int) -> None:
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
    entry = status_entry(list_url=url, index=7, purpose="revocation")
    with_status = sign_credential({**template, "credentialStatus": entry}, key, created=NOW)
    registry = TrustRegistry()
    registry.add(TrustEntry(key.controller, "Board", "US-OH", (Scope(("License",)),), "Authority"))
    resolvers = Resolvers(lambda u: status_list, trust=registry)
    policy = Policy(jurisdiction="US-OH")
    report = verify(with_status, at=NOW, resolvers=resolvers, policy=policy)
    assert report.verified, report.summary
    shared = Resolvers()
    without = median_ms(lambda: verify(plain, at=NOW, resolvers=shared), rounds)
    full = median_ms(
        lambda: verify(with_status, at=NOW, resolvers=resolvers, policy=policy), rounds
    )
    print()
    print(f"full verify (rdfc), no status, no trust          {without:7.3f} ms")
    print(
        f"full verify (rdfc), cached status + trust        {full:7.3f} ms  "
        f"ratio {full / without:4.2f}x"
    )


def batch(template: dict[str, Any], count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        key_file = root / "issuer.json"
        write_key(Multikey.from_seed(bytes([3]) * 32), key_file)
        (root / "in").mkdir()
        names = []
        for n in range(count):
            doc = copy.deepcopy(template)
            doc["id"] = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
            doc["credentialSubject"]["id"] = f"did:example:learner-{n}"
            doc["credentialSubject"]["licenseNumber"] = f"RN.{n:06d}"
            path = root / "in" / f"{n:05d}.json"
            path.write_text(json.dumps(doc))
            names.append(str(path))
        print()
        signed_names: list[str] = []
        for jobs in (1, 2):
            out = root / f"signed-{jobs}"
            out.mkdir()
            options = SignOptions(str(key_file), str(out), "eddsa-rdfc-2022", NOW)
            start = time.perf_counter()
            results = list(sign_files(names, options, jobs=jobs))
            elapsed = time.perf_counter() - start
            assert all(r.error is None for r in results)
            signed_names = [r.output for r in results if r.output]
            rate = count / elapsed
            print(f"batch sign   {count} files, {jobs} process(es): {rate:8.0f} credentials/s")
        for jobs in (1, 2):
            start = time.perf_counter()
            reports = list(verify_inputs(signed_names, VerifyOptions(at=NOW), jobs=jobs))
            elapsed = time.perf_counter() - start
            assert all(r.verified for r in reports)
            rate = count / elapsed
            print(f"batch verify {count} files, {jobs} process(es): {rate:8.0f} credentials/s")


@contextmanager
def demo_platform() -> Iterator[Any]:
    """The demo world in a fresh SQLite database, with fast password hashing."""
    import base64

    from pydantic import SecretStr

    from openler.services import demo
    from openler.services.context import Platform
    from openler.settings import Settings
    from openler.store import Database

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        database = Database(url)
        database.upgrade()
        settings = Settings(
            database_url=url,
            key_encryption_key=SecretStr(base64.b64encode(bytes(32)).decode()),
            data_dir=Path(tmp),
            password_hash_time_cost=1,
            password_hash_memory_kib=1024,
        )
        platform = Platform(settings, database)
        with database.session() as session:
            demo.load(session, platform)
        try:
            yield platform
        finally:
            database.dispose()


def platform_verification(rounds: int) -> None:
    """``verify_document`` on the demo world (SQLite): with the per-process cache of DID
    documents, status lists and trust registry, and rebuilding them for every call (the
    baseline: what each verification cost before the cache)."""
    from openler.services.issuers import issuing
    from openler.services.verifiers.verifying import verify_document
    from openler.store.models import Person

    with demo_platform() as platform, platform.db.session() as session:
        maria = session.query(Person).filter_by(email="maria@demo.openler.org").one()
        document = next(
            c.document
            for c in issuing.credentials_of(session, maria.id)
            if c.document["name"] == "Registered Nurse"
        )

        def cached() -> None:
            assert verify_document(session, platform, document).verified

        def uncached() -> None:
            platform.memo.clear()
            assert verify_document(session, platform, document).verified

        warm = median_ms(cached, rounds)
        cold = median_ms(uncached, rounds)
    print(
        f"platform verify (SQLite), cached documents: {warm:7.3f} ms   "
        f"rebuilt per call: {cold:7.3f} ms   ({cold / warm:4.1f}x)"
    )


def verify_page(rounds: int) -> None:
    """The public verify page's work for one baked PNG badge (the demo licence), against
    one platform verification of the same credential: reading and verifying the file and
    answering it (``anyone.check``), sealing the result for the page, and the PDF report."""
    from openler.services.issuers import issuing
    from openler.services.people.accounts import Principal
    from openler.services.verifiers import anyone, report_pdf, sealed_results
    from openler.services.verifiers.verifying import verify_document
    from openler.store.models import Person
    from openler.vc import bake_png
    from openler.vc.baking import blank_png

    with demo_platform() as platform, platform.db.session() as session:
        maria = session.query(Person).filter_by(email="maria@demo.openler.org").one()
        document = next(
            c.document
            for c in issuing.credentials_of(session, maria.id)
            if c.document["name"] == "Registered Nurse"
        )
        badge = anyone.Given(bake_png(blank_png(64, 64), json.dumps(document)), "badge.png")

        def check() -> anyone.Checked:
            visitor = Principal.system("verify page")
            return anyone.check(
                session, platform, badge, principal=visitor, hosts=(), viewer="bench"
            )

        baseline = median_ms(lambda: verify_document(session, platform, document), rounds)
        answered = median_ms(check, rounds)
        record = sealed_results.record_of(platform, check())
        sealing = median_ms(lambda: sealed_results.sealed(platform, record), rounds)
        printing = median_ms(lambda: report_pdf.render(record), max(2, rounds // 10))
        size = len(sealed_results.sealed(platform, record))
    print(
        f"verify page, a baked PNG: {answered:7.3f} ms ({answered / baseline:4.1f}x a platform "
        f"verify)   sealing its result: {sealing:6.3f} ms ({size} characters)   "
        f"PDF report: {printing:6.1f} ms"
    )


def foreign_credentials(count: int) -> list[dict[str, Any]]:
    """``count`` distinct signed licences from a board that is not on this platform, naming
    no subject (so that anyone may import them)."""
    key = Multikey.from_seed(bytes([7]) * 32)
    signed = []
    for number in range(count):
        document = license_template()
        document["id"] = f"urn:uuid:00000000-0000-4000-8000-{number:012d}"
        document["issuer"] = {**document["issuer"], "id": key.controller}
        subject = document["credentialSubject"]
        del subject["id"], subject["identifier"]
        subject["achievement"] = {
            **subject["achievement"],
            "id": f"https://board.example/achievements/{number}",
            "name": f"Licence {number:04d}",
        }
        signed.append(sign_credential(document, key, created=NOW))
    return signed


def learner_record(count: int) -> None:
    """A learner's record of ``count`` imported credentials plus the demo's own: importing
    them (one presentation in a JSON file), reading the whole record with every entry's
    state computed now, and exporting it as an LER-RS résumé and a PDF — each per
    credential, next to the baseline of one ``verify_document`` (what computing one
    entry's state must at least cost)."""
    from openler.services.holders import exports, imports, record, resume_pdf
    from openler.services.people import accounts
    from openler.services.verifiers.verifying import verify_document
    from openler.store.models import Person

    count = min(count, imports.MAX_CREDENTIALS)
    documents = foreign_credentials(count)
    data = json.dumps(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": documents,
        }
    ).encode()
    with demo_platform() as platform, platform.db.session() as session:
        person = session.query(Person).filter_by(email="maria@demo.openler.org").one()
        maria = accounts.principal_for(session, person)
        start = time.perf_counter()
        report = imports.import_file(session, platform, maria, data, filename="bench.json")
        imported = time.perf_counter() - start
        assert [row.outcome for row in report.rows].count("refused") == 0, report.rows[:3]
        baseline = median_ms(lambda: verify_document(session, platform, documents[0]), 50)
        entries = sum(
            len(items) for _c, _h, items in record.record_of(session, platform, maria).groups
        )
        reading = median_ms(lambda: record.record_of(session, platform, maria), 5)
        ler_rs = median_ms(lambda: exports.ler_rs(session, platform, maria), 3)
        pdf = median_ms(lambda: resume_pdf.render(exports.resume(session, platform, maria)), 3)
    per = {
        "import": imported * 1000 / count,
        "read the record": reading / entries,
        "LER-RS export": ler_rs / entries,
        "PDF résumé": pdf / entries,
    }
    print(
        f"learner record, {count} imported + {entries - count} demo entries "
        f"(baseline: one platform verify {baseline:6.3f} ms)"
    )
    for what, ms in per.items():
        print(f"  {what:16s} {ms:7.3f} ms per credential   ({ms / baseline:4.1f}x a verify)")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    template = license_template()
    key = Multikey.from_seed(bytes(32))
    per_credential(template, key, rounds)
    compact_form(template, key, rounds)
    status_and_trust(template, key, rounds)
    platform_verification(rounds)
    verify_page(rounds)
    learner_record(min(count, 300))
    batch(template, count)


if __name__ == "__main__":
    main()
