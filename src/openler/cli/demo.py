"""``openler demo``: a scripted end-to-end demonstration in the terminal.

Story 1 of ARCHITECTURE.md in miniature: the Ohio Board of Nursing creates a key, signs
Maria's RN license (Open Badges 3.0), the license verifies, a tampered copy does not, and
Maria presents it to an employer with a challenge. Everything runs offline.
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
from openler.vc import Multikey, build_presentation, sign_credential, sign_presentation, verify

console = Console(highlight=False, emoji=False)


def _license_template() -> dict[str, Any]:
    text = resources.files("openler.demo").joinpath("rn-license.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def run() -> None:
    now = datetime.now(UTC).replace(microsecond=0)

    def step(title: str) -> None:
        console.rule(f"[bold]{title}")

    console.print(
        Panel.fit("openler demo — a nurse's license, signed, verified, tampered with, presented")
    )
    step("1. The Ohio Board of Nursing creates its signing key")
    board = Multikey.generate()
    console.print(f"issuer DID: {board.controller}")

    step("2. Maria creates her own key (her wallet would do this)")
    maria = Multikey.generate()
    console.print(f"Maria's DID: {maria.controller}")

    step("3. The board signs Maria's RN license (Open Badges 3.0, eddsa-rdfc-2022)")
    template = _license_template()
    template["credentialSubject"]["id"] = maria.controller
    license_ = sign_credential(template, board, created=now)
    console.print_json(json.dumps(license_["proof"]))

    step("4. An employer verifies the license")
    report = verify(license_, at=now, name="maria-rn-license.json")
    print_report(report)

    step("5. Someone edits the license number and verifies again")
    tampered = copy.deepcopy(license_)
    tampered["credentialSubject"]["licenseNumber"] = "RN.999999"
    print_report(verify(tampered, at=now, name="tampered-license.json"))

    step("6. The same license checked as of 2029, after it expires")
    print_report(
        verify(license_, at=datetime(2029, 1, 1, tzinfo=UTC), name="maria-rn-license.json")
    )

    step("7. Maria presents the license to an NC employer who sent a challenge")
    challenge = secrets.token_urlsafe(16)
    presentation = sign_presentation(
        build_presentation([license_], holder=maria.controller),
        maria,
        challenge=challenge,
        domain="careers.nc-hospital.example",
        created=now,
        expires=now + timedelta(minutes=10),
    )
    print_report(
        verify(
            presentation,
            at=now,
            challenge=challenge,
            domain="careers.nc-hospital.example",
            name="maria-presentation.json",
        )
    )
    step("8. A replay of that presentation against a new challenge is refused")
    print_report(
        verify(
            presentation,
            at=now,
            challenge=secrets.token_urlsafe(16),
            name="replayed-presentation.json",
        )
    )
    console.print(
        "[bold]Done.[/bold] Try it yourself: openler key generate --out issuer.json; "
        "openler sign FILE --key issuer.json > signed.json; openler verify signed.json"
    )
