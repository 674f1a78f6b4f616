"""``openler demo``: a scripted end-to-end demonstration in the terminal.

Story 1 of ARCHITECTURE.md: the Ohio Board of Nursing signs Maria's RN license (Open
Badges 3.0) with revocation and suspension entries; the state LER office publishes a signed
trust registry in which North Carolina recognises Ohio nursing licenses under the Nurse
Licensure Compact; an NC employer verifies Maria's presentation; a tampered copy fails;
Ohio suspends the license and the same presentation now verifies as suspended. Everything
runs offline: the "web" is a dictionary of published documents.
"""

from __future__ import annotations

import copy
import json
import secrets
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from rich.console import Console
from rich.panel import Panel

from openler.cli.render import print_report
from openler.vc import (
    Bitstring,
    IndexAllocator,
    Multikey,
    Policy,
    Recognition,
    Resolvers,
    Scope,
    TrustEntry,
    TrustRegistry,
    add_proof,
    build_presentation,
    format_datetime,
    load_trust_snapshot,
    sign_credential,
    sign_presentation,
    status_entry,
    status_list_credential,
    verify,
)

console = Console(highlight=False, emoji=False)
BOARD_LISTS = "https://nursing.ohio.example/status"


def _license_template() -> dict[str, Any]:
    text = resources.files("openler.demo").joinpath("rn-license.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


class _Web:
    """Published documents, as a verifier would fetch them (no network involved)."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def __call__(self, url: str) -> dict[str, Any]:
        if url not in self.documents:
            raise LookupError(f"404 Not Found: {url}")
        return self.documents[url]


def run() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    web = _Web()

    def step(title: str) -> None:
        console.rule(f"[bold]{title}")

    console.print(
        Panel.fit("openler demo — Maria's RN license: issued in Ohio, verified in North Carolina")
    )
    step("1. Keys: the Ohio Board of Nursing, the NC state LER office, Maria")
    board, office, maria = Multikey.generate(), Multikey.generate(), Multikey.generate()
    for who, key in (("Ohio Board of Nursing", board), ("NC LER office", office), ("Maria", maria)):
        console.print(f"{who:22} {key.controller}")

    step("2. The board publishes revocation and suspension lists (131,072 entries each)")
    bits = {purpose: Bitstring.empty() for purpose in ("revocation", "suspension")}

    def publish(purpose: str, at: datetime) -> None:
        url = f"{BOARD_LISTS}/{purpose}"
        unsigned = status_list_credential(
            list_url=url,
            issuer={"id": board.controller, "name": "Ohio Board of Nursing"},
            purpose=purpose,  # type: ignore[arg-type]
            bits=bits[purpose],
            valid_from=format_datetime(at),
            ttl_ms=300_000,
        )
        web.documents[url] = add_proof(unsigned, board, created=at)

    for purpose in bits:
        publish(purpose, now)
    allocation = IndexAllocator(lambda: BOARD_LISTS).allocate()
    console.print(
        f"Maria's license gets status index {allocation.index} (random, so it reveals nothing)"
    )

    step("3. The board signs Maria's RN license (Open Badges 3.0, eddsa-rdfc-2022)")
    template = _license_template()
    template["credentialSubject"]["id"] = maria.controller
    template["credentialStatus"] = [
        status_entry(list_url=f"{BOARD_LISTS}/{p}", index=allocation.index, purpose=p)
        for p in ("revocation", "suspension")
    ]
    license_ = sign_credential(template, board, created=now)
    console.print_json(json.dumps(license_["proof"]))

    step("4. The NC LER office signs its trust registry snapshot")
    registry = TrustRegistry(name="North Carolina LER trust registry", jurisdiction="US-NC")
    rn = Scope(achievement_types=("License",), occupations=("29-1141.00",))
    registry.add(
        TrustEntry(
            issuer=board.controller,
            name="Ohio Board of Nursing",
            jurisdiction="US-OH",
            authorized=(rn,),
            registered_by="Ohio Department of Higher Education",
        )
    )
    registry.recognise(Recognition("the Nurse Licensure Compact", "US-NC", ("US-OH", "US-VA"), rn))
    snapshot = add_proof(
        registry.snapshot(
            registry_id="https://ler.nc.example/trust", authority=office.controller, at=now
        ),
        office,
        created=now,
    )
    trusted = load_trust_snapshot(snapshot, at=now, authority=office.controller)
    rules = len(trusted.recognitions)
    console.print(
        f"snapshot verified: {len(trusted.entries)} issuer(s), {rules} recognition rule(s)"
    )

    step("5. Maria shares her license with an NC hospital, which sent a challenge")
    challenge = secrets.token_urlsafe(16)
    share = sign_presentation(
        build_presentation([license_], holder=maria.controller),
        maria,
        challenge=challenge,
        domain="careers.nc-hospital.example",
        created=now,
        expires=now + timedelta(days=30),
    )
    employer = Resolvers(web, trust=trusted)
    here = Policy(jurisdiction="US-NC")

    def check(
        document: Any, name: str, at: datetime = now, resolvers: Resolvers = employer
    ) -> None:
        print_report(
            verify(
                document,
                at=at,
                resolvers=resolvers,
                policy=here,
                challenge=challenge,
                domain="careers.nc-hospital.example",
                name=name,
            )
        )

    check(share, "maria-share.json")

    step("6. Someone edits the license number inside the share")
    tampered = copy.deepcopy(share)
    tampered["verifiableCredential"][0]["credentialSubject"]["licenseNumber"] = "RN.999999"
    check(tampered, "tampered-share.json")

    step("7. Ohio suspends the license; the same share, checked a week later")
    later = now + timedelta(days=7)
    bits["suspension"].set(allocation.index, 1)
    publish("suspension", later)
    check(share, "maria-share.json", at=later, resolvers=Resolvers(web, trust=trusted))

    console.print(
        "[bold]Done.[/bold] Try it yourself: openler key generate --out issuer.json; "
        "openler sign FILE --key issuer.json > signed.json; openler verify signed.json "
        "(see docs/cli.md for status lists and the trust registry)"
    )
