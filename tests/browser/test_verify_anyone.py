"""Verifying signed out, in Chromium: an employer who has no account opens the verify page
from the start page, uploads a baked badge (by keyboard alone on a phone; by dropping it on
a desktop), reads the answer first, and downloads the JSON and PDF reports; another scans a
share link's QR code with the phone's camera. Every page axe-clean at both widths."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from openler.store import Database
from openler.store.models import IssuedCredential, Person
from openler.vc import bake_png
from openler.vc.baking import blank_png
from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    ARGS,
    CHROMIUM,
    _tab_to,
    browser,
    own_demo,
    page_is_good,
    phone,
    sign_in,
    watch_csp,
)
from tests.browser.test_qr_scan import qr_video

ANSWER = "Registered Nurse, a licence from Ohio Board of Nursing: Active — valid until"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with own_demo(tmp_path_factory, "verify-anyone") as found:
        yield found


@pytest.fixture(scope="module")
def server(demo: tuple[str, Path]) -> str:
    return demo[0]


@pytest.fixture(scope="module")
def badge(demo: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Maria's RN licence from the demo's database, baked into a PNG badge."""
    db = Database(f"sqlite:///{demo[1] / 'demo.db'}")
    try:
        with db.session() as s:
            document = s.execute(
                select(IssuedCredential.document)
                .join(Person, Person.id == IssuedCredential.person_id)
                .where(
                    Person.email == "maria@demo.openler.org",
                    IssuedCredential.replaced_by.is_(None),
                    IssuedCredential.state == "active",
                )
            ).scalars()
            licence = next(d for d in document if d["name"] == "Registered Nurse")
    finally:
        db.dispose()
    path = tmp_path_factory.mktemp("badge") / "maria-rn.png"
    path.write_bytes(bake_png(blank_png(64, 64), json.dumps(licence)))
    return path


def reads_the_answer(page: Any) -> None:
    expect(page.get_by_role("heading", name="Verification result")).to_be_visible()
    answer = page.locator("h2.answer-said").first
    assert answer.inner_text().startswith(ANSWER), answer.inner_text()
    assert "the file maria-rn.png, a badge image (PNG)" in page.locator("main").inner_text()
    checks = page.locator("details.checks")
    assert checks.get_attribute("open") is None  # the checks wait, collapsed
    page_is_good(page)


def downloads_both_reports(page: Any, tmp_path: Path) -> None:
    with page.expect_download() as made:
        page.get_by_role("button", name="Download the JSON report").click()
    saved = tmp_path / made.value.suggested_filename
    made.value.save_as(saved)
    report = json.loads(saved.read_text("utf-8"))
    assert report["answers"][0]["answer"].startswith(ANSWER)
    assert report["verified"] is True and report["report"]["format"] == "png"
    with page.expect_download() as made:
        page.get_by_role("button", name="Download the PDF report").click()
    assert made.value.suggested_filename == "verification-report.pdf"
    pdf = tmp_path / "report.pdf"
    made.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_it_verifies_an_uploaded_baked_badge_signed_out_by_keyboard_on_a_phone(
    server: str,
    phone: Any,  # noqa: F811
    badge: Path,
    tmp_path: Path,
) -> None:
    phone.goto(server)
    phone.get_by_role("link", name="Verify a credential").click()
    expect(phone.get_by_role("heading", name="Verify a credential")).to_be_visible()
    page_is_good(phone)
    # the keyboard alone: Tab to the file field, Space opens the chooser, Tab on to Verify
    phone.locator("body").focus()
    _tab_to(phone, "file")
    with phone.expect_file_chooser() as chooser:
        phone.keyboard.press("Space")
    chooser.value.set_files(str(badge))
    expect(phone.locator(".drop-status")).to_have_text("Chosen: maria-rn.png")
    for _ in range(6):
        phone.keyboard.press("Tab")
        if phone.evaluate("() => document.activeElement.textContent.trim()") == "Verify":
            break
    phone.keyboard.press("Enter")
    reads_the_answer(phone)
    downloads_both_reports(phone, tmp_path)


def test_a_badge_dropped_on_the_page_verifies_on_a_desktop(
    server: str,
    browser: Any,  # noqa: F811
    badge: Path,
    tmp_path: Path,
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = watch_csp(context.new_page())
    try:
        page.goto(f"{server}/verify")
        page_is_good(page)
        dropped = page.evaluate_handle(
            """(data) => {
                const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
                const moved = new DataTransfer();
                moved.items.add(new File([bytes], "maria-rn.png", { type: "image/png" }));
                return moved;
            }""",
            base64.b64encode(badge.read_bytes()).decode(),
        )
        zone = page.locator("[data-drop-zone]")
        zone.dispatch_event("dragenter", {"dataTransfer": dropped})
        assert "drop-over" in (zone.get_attribute("class") or "")
        zone.dispatch_event("drop", {"dataTransfer": dropped})
        expect(page.locator(".drop-status")).to_have_text("Chosen: maria-rn.png")
        page.get_by_role("button", name="Verify", exact=True).click()
        reads_the_answer(page)
        page.locator("details.checks summary").click()
        expect(page.get_by_role("region", name="Checks")).to_be_visible()
        page_is_good(page)
        downloads_both_reports(page, tmp_path)
    finally:
        context.close()


def test_a_share_links_qr_code_scanned_with_the_camera(
    server: str,
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    # Maria makes a share link (as her sharing page does, through the same API)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, "maria@demo.openler.org")
    page.wait_for_url(f"{server}/home")
    mine = page.request.get(f"{server}/api/me/credentials").json()["credentials"]
    licence = next(
        c["id"]
        for c in mine
        if c["document"]["name"] == "Registered Nurse" and c["state"] == "active"
    )
    created = page.request.post(
        f"{server}/api/me/shares",
        data={
            "credentials": [licence],
            "audience": "Piedmont Regional Hospital",
            "purpose": "RN position",
            "days": 30,
        },
    )
    assert created.status == 201, created.text()
    link = created.json()["link"]
    context.close()
    # the employer's phone films its QR code (a browser of its own, with a fake camera)
    film = qr_video(tmp_path / "share.y4m", link)
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={film}",
    ]
    filming = browser.browser_type.launch(executable_path=CHROMIUM, args=[*ARGS, *camera])
    try:
        context = filming.new_context(viewport={"width": 375, "height": 740})
        context.grant_permissions(["camera"], origin=server)
        phone = watch_csp(context.new_page())
        phone.goto(f"{server}/verify")
        phone.get_by_role("button", name="Scan a QR code").click()
        expect(phone.get_by_label("Or paste a credential, or a share link")).to_have_value(
            link, timeout=15000
        )
        page_is_good(phone)
        phone.get_by_role("button", name="Verify", exact=True).click()
        expect(phone.get_by_role("heading", name="Verification result")).to_be_visible()
        answer = phone.locator("h2.answer-said").first.inner_text()
        assert answer.startswith("Maria Alvarez holds Registered Nurse"), answer
        assert "shared by Maria Alvarez for RN position" in phone.locator("main").inner_text()
        page_is_good(phone)
    finally:
        filming.close()
