"""A wallet page's "Scan a QR code" in Chromium with a camera that films a QR code: the
link lands in the field, the camera stops, the page stays accessible. (Chromium's fake
camera plays a Y4M file; the file is made here from a QR code segno draws.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
from playwright.sync_api import expect

from tests.browser.test_browser import (
    ARGS,
    CHROMIUM,
    _free_port,
    _require_browser,
    demo_server,
    page_is_good,
    sign_in,
    watch_csp,
)

OFFER = (
    "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2Foffers%2Fabc"
)
WIDTH, HEIGHT, SCALE = 640, 480, 8


def qr_video(path: Path, text: str) -> Path:
    """A one-frame YUV4MPEG2 (4:2:0) film of ``text``'s QR code, black on white."""
    matrix = segno.make(text, error="m").matrix
    size = len(matrix) * SCALE
    left, top = (WIDTH - size) // 2, (HEIGHT - size) // 2
    luma = bytearray([235]) * (WIDTH * HEIGHT)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(SCALE):
                    start = (top + y * SCALE + dy) * WIDTH + left + x * SCALE
                    luma[start : start + SCALE] = bytes([16]) * SCALE
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_browser()
    workdir = tmp_path_factory.mktemp("qr-scan")
    env = {
        **os.environ,
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
    }
    with demo_server(workdir, _free_port(), env) as url:
        yield url


@pytest.fixture(scope="module")
def filming(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    film = qr_video(tmp_path_factory.mktemp("film") / "qr.y4m", OFFER)
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={film}",
    ]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *camera])
        yield chromium
        chromium.close()


def test_a_scanned_offer_fills_the_field(base: str, filming: Any) -> None:
    context = filming.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2)
    context.grant_permissions(["camera"], origin=base)
    phone = watch_csp(context.new_page())
    try:
        sign_in(phone, base, "maria@demo.openler.org")
        phone.wait_for_url(f"{base}/home")
        phone.goto(f"{base}/receive")
        scan = phone.get_by_role("button", name="Scan a QR code")
        expect(scan).to_be_visible()  # shown only where a camera may be used
        page_is_good(phone)
        scan.click()
        field = phone.get_by_label("The offer link")
        expect(field).to_have_value(OFFER, timeout=15000)
        assert "QR code read" in phone.get_by_role("status").first.inner_text()
        expect(phone.get_by_role("button", name="Scan a QR code")).to_be_visible()  # camera off
        page_is_good(phone)
    finally:
        context.close()
