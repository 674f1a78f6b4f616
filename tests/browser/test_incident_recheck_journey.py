"""Checking everyone again, in Chromium on a phone-sized screen: nurses check in at
Piedmont's incident from wallet apps; the Ohio board revokes a licence afterwards. The
commander's open roster page checks everyone again by itself once its rows are old enough
and turns the row refused, with the board's reason, without a reload; later, with more
responders than are checked within a request, the commander presses "Check everyone again"
and the page follows the job's progress until the counts change. Every state passes axe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from openler.services.context import Platform
from openler.services.issuers import issuing
from openler.services.verifiers import incidents
from openler.settings import Settings
from openler.store.models import IncidentCheckin
from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    browser,
    own_demo,
    phone,
    sign_in,
)
from tests.browser.test_incident_journey import Wallet, page_is_good, wait_for_counts
from tests.conftest import SETUP
from tests.services.incident_world import VERIFIER, holder, issue_to, principal, roles


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with own_demo(tmp_path_factory, "incident-recheck") as (base, workdir):
        yield base, workdir


class Scene:
    """The demo server's database, reached from the test as the board and the wallets'
    issuers would: an incident opened, nurses' licences issued, one revoked, time passing."""

    def __init__(self, base: str, workdir: Path) -> None:
        settings = Settings(
            database_url=f"sqlite:///{workdir / 'demo.db'}", public_url=base, data_dir=workdir
        )
        self.platform = Platform.from_settings(settings)
        self.base = base
        self.licences: dict[int, str] = {}

    def open_incident(self) -> tuple[str, str]:
        """Piedmont's incident: its roster page's path and the wallet apps' link."""
        with self.platform.db.session() as s:
            incident = incidents.open_incident(
                s,
                self.platform,
                principal(s, VERIFIER),
                organization_slug="piedmont-hospital",
                name="Hurricane shelter",
                roles=roles(self.platform, s),
            )
            s.flush()
            organization = incidents.incident_by_token(
                s, incidents.checkin_token(self.platform, incident)
            )[1]
            link = incidents.wallet_link(self.platform, incident, organization)
            return f"/verifier/piedmont-hospital/incidents/{incident.id}", unquote(link)

    def nurse(self, n: int) -> Wallet:
        key = holder(700 + n)
        with self.platform.db.session() as s:
            licence = issue_to(
                s, self.platform, "registered-nurse", key, 700 + n, licenseNumber=f"RN.7{n:02d}"
            )
            self.licences[n] = licence.id
            return Wallet(self.base, key, [licence.document])

    def revoke(self, n: int) -> None:
        with self.platform.db.session() as s:
            issuing.set_status(
                s, self.platform, SETUP, self.licences[n], action="revoke", reason="Board order"
            )

    def an_hour_passes(self) -> None:
        """Every verdict on the roster becomes an hour old."""
        with self.platform.db.session() as s:
            for row in s.execute(select(IncidentCheckin)).scalars():
                row.verified_at -= timedelta(hours=1)

    def close(self) -> None:
        self.platform.db.dispose()


def test_the_roster_is_checked_again_live(
    server: tuple[str, Path],
    phone: Any,  # noqa: F811
) -> None:
    base, workdir = server
    scene = Scene(base, workdir)
    try:
        path, wallet_link = scene.open_incident()
        wallets = {n: scene.nurse(n) for n in range(1, 4)}
        for n, wallet in wallets.items():
            assert wallet.check_in(wallet_link).status_code == 200, n

        sign_in(phone, base, "hr@demo.openler.org")
        phone.wait_for_url(f"{base}/home")
        phone.goto(base + path)
        assert "RN: 3 verified, 0 refused" in " ".join(
            phone.locator("#roster-counts").inner_text().split()
        )
        expect(phone.get_by_role("heading", name="Check everyone again")).to_be_visible()
        assert "Nobody has been checked again yet" in phone.locator("#recheck-words").inner_text()
        page_is_good(phone)
        phone.evaluate("() => { window.stillTheSamePage = true; }")
        phone.get_by_label("Check-in link").focus()

        # the board revokes a licence; an hour on, the open page checks everyone again
        scene.revoke(1)
        scene.an_hour_passes()
        wait_for_counts(phone, "RN: 2 verified, 1 refused")
        phone.wait_for_function(
            "() => document.getElementById('recheck-words').textContent"
            ".includes('by this page while Sam Patel had it open')"
        )
        refused = phone.get_by_role("region", name="Refused", exact=True).inner_text()
        assert "RN.701" in refused and "Board order" in refused and "checked again" in refused
        assert phone.evaluate("() => window.stillTheSamePage === true")
        assert phone.evaluate("() => document.activeElement.id") == "checkin-link"
        page_is_good(phone)

        # more responders than are checked within a request: a job, followed live
        for n in range(4, 22):
            assert scene.nurse(n).check_in(wallet_link).status_code == 200, n
        wait_for_counts(phone, "RN: 20 verified, 1 refused")
        scene.revoke(2)
        phone.get_by_role("button", name="Check everyone again").click()
        phone.wait_for_url(f"{base}{path}#recheck")
        wait_for_counts(phone, "RN: 19 verified, 2 refused")
        phone.wait_for_function(
            "() => document.getElementById('recheck-words').textContent"
            ".includes('21 responders checked, 1 changed')"
        )
        expect(phone.get_by_role("button", name="Check everyone again")).to_be_visible()
        assert "RN.702" in phone.get_by_role("region", name="Refused", exact=True).inner_text()
        page_is_good(phone)
    finally:
        scene.close()
