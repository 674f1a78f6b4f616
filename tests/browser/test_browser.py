"""The web app in a real browser (Debian's Chromium driven by Playwright): sign in as each
role, see that role's page work on a phone-sized screen, with the keyboard, and pass
axe-core's WCAG 2.1 A/AA rules."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from playwright.sync_api import expect

from openler.services.demo import DEMO_PASSWORD, LOGINS
from tests.oidc_idp import FakeProvider, running_provider

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_browser() -> None:
    if os.path.exists(CHROMIUM):
        try:
            import playwright  # noqa: F401
        except ImportError:
            pass
        else:
            return
    reason = f"{CHROMIUM} or the playwright package is missing (CI installs both)"
    if os.environ.get("OPENLER_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    """A free port on 127.0.0.1: the first free one of ``OPENLER_TEST_PORTS`` ("8150-8159")
    when it is set (machines where each run keeps to its own ports), else any."""
    wanted = os.environ.get("OPENLER_TEST_PORTS", "")
    first, _, last = wanted.partition("-")
    candidates = range(int(first), int(last or first) + 1) if first.isdigit() else [0]
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError(f"no free port in OPENLER_TEST_PORTS={wanted}")


@pytest.fixture(scope="module")
def identity_provider() -> Iterator[FakeProvider]:
    with running_provider() as provider:
        provider.user = {
            "sub": "idp-maria",
            "email": LOGINS[0].email,
            "email_verified": True,
            "name": LOGINS[0].name,
        }
        yield provider


@contextlib.contextmanager
def demo_server(workdir: Path, port: int, env: dict[str, str]) -> Iterator[str]:
    """``openler demo`` serving on ``port`` with its database in ``workdir``: its base URL
    once it answers ``/healthz``; stopped afterwards."""
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from openler.cli import main; main()",
            "demo",
            "--port",
            str(port),
            "--database",
            str(workdir / "demo.db"),
        ],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.kill()
        log.close()
        pytest.fail(f"the demo server did not start; see {workdir / 'server.log'}")
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def own_demo(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[str, Path]]:
    """A demo server of a test module's own (for journeys that change the demo's people),
    with fast password hashing; yields its address and its working folder."""
    _require_browser()
    port = _free_port()
    workdir = tmp_path_factory.mktemp(name)
    env = {
        **os.environ,
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
    }
    with demo_server(workdir, port, env) as base:
        yield base, workdir


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, identity_provider: FakeProvider
) -> Iterator[str]:
    _require_browser()
    port = _free_port()
    workdir = tmp_path_factory.mktemp("web")
    identity_provider.redirect_uris.append(f"http://127.0.0.1:{port}/login/oidc/callback")
    env = {
        **os.environ,
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
        "OPENLER_OIDC_ISSUER": identity_provider.issuer,
        "OPENLER_OIDC_CLIENT_ID": identity_provider.client_id,
        "OPENLER_OIDC_CLIENT_SECRET": identity_provider.client_secret,
        "OPENLER_OIDC_NAME": "Test ID",
    }
    with demo_server(workdir, port, env) as base:
        yield base


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def watch_csp(page: Any) -> Any:
    """Record what the page's Content-Security-Policy blocks (it should block nothing)."""
    page.csp_errors = []
    page.on(
        "console",
        lambda message: (
            page.csp_errors.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2)
    page = watch_csp(context.new_page())
    yield page
    context.close()


def accessibility_violations(page: Any) -> list[str]:
    # evaluated through the DevTools protocol, so the page's CSP (no inline scripts) holds
    page.evaluate(AXE.read_text("utf-8") + "\n;true")
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} element(s))" for v in result["violations"]]


def fits_the_screen(page: Any) -> bool:
    return bool(
        page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    )


def sign_in(page: Any, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


ROLE_TEXT = {
    "learner": "Your record",
    "issuer admin": "Ohio Board of Nursing — issuing",
    "issuer staff": "Piedmont Regional Hospital — issuing",
    "verifier": "Verifying for Piedmont Regional Hospital",
    "registry admin": "Trust registry",
    "platform admin": "Organizations on this platform",
    "career navigator": "Career navigation",
}


def test_landing_and_sign_in_pages(server: str, phone: Any) -> None:
    phone.goto(server)
    expect(phone.get_by_role("heading", name="Learning and Employment Records")).to_be_visible()
    assert accessibility_violations(phone) == []
    phone.get_by_role("link", name="Sign in").click()
    expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()
    assert accessibility_violations(phone) == []
    assert fits_the_screen(phone)


@pytest.mark.parametrize("login", LOGINS, ids=[login.role for login in LOGINS])
def test_each_role_signs_in_on_a_phone(server: str, phone: Any, login: Any) -> None:
    sign_in(phone, server, login.email)
    phone.wait_for_url(f"{server}/home")
    expect(phone.get_by_role("heading", name=ROLE_TEXT[login.role])).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url(f"{server}/")


def _tab_to(page: Any, element_id: str) -> None:
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"the keyboard never reached #{element_id}")


def test_keyboard_only_sign_in(server: str, phone: Any) -> None:
    phone.goto(f"{server}/login")
    phone.locator("body").focus()
    _tab_to(phone, "email")
    phone.keyboard.type("maria@demo.openler.org")
    _tab_to(phone, "password")
    phone.keyboard.type(DEMO_PASSWORD)
    assert phone.get_by_label("Email").input_value() == "maria@demo.openler.org"
    assert phone.get_by_label("Password").input_value() == DEMO_PASSWORD
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{server}/home")
    expect(phone.get_by_role("heading", name="Your record")).to_be_visible()


def test_wrong_password_is_announced(server: str, phone: Any) -> None:
    sign_in(phone, server, "maria@demo.openler.org", "not the password at all")
    alert = phone.get_by_role("alert")
    assert "wrong email or password" in alert.inner_text()
    assert accessibility_violations(phone) == []


def test_verifier_verifies_a_pasted_credential(server: str, phone: Any) -> None:
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    wallet = phone.request.get(f"{server}/api/me/credentials").json()["credentials"]
    license_ = next(c["document"] for c in wallet if c["document"]["name"] == "Registered Nurse")
    phone.get_by_role("button", name="Sign out").click()
    sign_in(phone, server, "hr@demo.openler.org")
    phone.get_by_role("link", name="Verify a credential", exact=True).click()
    phone.get_by_label("Or paste a credential, or a share link").fill(json.dumps(license_))
    phone.get_by_role("button", name="Verify", exact=True).click()
    expect(phone.get_by_role("heading", name="Verification result")).to_be_visible()
    answer = phone.locator("h2.answer-said").inner_text()
    assert answer.startswith("Registered Nurse, a licence from Ohio Board of Nursing: Active")
    assert "Ohio Board of Nursing (US-OH) is authorised" in phone.content()
    assert accessibility_violations(phone) == []
    assert fits_the_screen(phone)


def test_screenshot_of_the_learner_home(server: str, phone: Any, tmp_path: Path) -> None:
    sign_in(phone, server, "maria@demo.openler.org")
    path = tmp_path / "learner-home.png"
    phone.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    if os.environ.get("OPENLER_SCREENSHOTS"):
        shutil.copy(path, os.environ["OPENLER_SCREENSHOTS"])


def test_api_documentation_page_works_without_a_cdn(server: str, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    page.goto(f"{server}/docs")
    page.get_by_text("/credentials/verify").first.wait_for()
    assert outside == []
    context.close()


def test_employer_opens_a_share_link_on_a_phone(server: str, browser: Any, phone: Any) -> None:
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    wallet = phone.request.get(f"{server}/api/me/credentials").json()["credentials"]
    license_id = next(c["id"] for c in wallet if c["document"]["name"] == "Registered Nurse")
    created = phone.request.post(
        f"{server}/api/me/shares",
        data={
            "credentials": [license_id],
            "audience": "Piedmont Regional Hospital",
            "purpose": "RN position",
        },
    ).json()
    employer = browser.new_context(viewport={"width": 375, "height": 740})
    page = employer.new_page()
    page.goto(created["link"])
    expect(page.get_by_role("heading", name="Shared credentials")).to_be_visible()
    assert "Every credential verified." in page.content()
    assert fits_the_screen(page)
    assert accessibility_violations(page) == []
    employer.close()


def test_learner_signs_in_through_the_identity_provider(server: str, phone: Any) -> None:
    phone.goto(f"{server}/login")
    assert accessibility_violations(phone) == []
    phone.get_by_role("link", name="Sign in with Test ID").click()
    phone.wait_for_url("**/authorize?**")
    assert "Test identity provider" in phone.title()
    phone.get_by_role("button", name="Continue").click()
    phone.wait_for_url(f"{server}/home")
    expect(phone.get_by_role("heading", name=f"Welcome, {LOGINS[0].name}")).to_be_visible()
    assert fits_the_screen(phone)


#: words of ordinary text (not identifiers, not check details) drawn over two lines; a
#: line may end after a hyphen or a slash (Unicode line breaking allows it), so "words"
#: here are the runs between spaces, hyphens and slashes
BROKEN_WORDS = """() => {
  const broken = [];
  const cells = document.querySelectorAll(
    "main th, main td, main dt, main dd, main h1, main h2, main h3, main label, main button");
  for (const cell of cells) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest(".id, .detail, pre, .visually-hidden")) continue;
      for (const match of node.data.matchAll(/[^\\s\\/\\u002d\\u2010-\\u2014]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""

#: identifiers that stick out of their box
OVERFLOWING_IDS = """() => [...document.querySelectorAll("main .id")]
  .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right >
               document.documentElement.clientWidth + 1)
  .map(e => e.textContent.trim())"""


def test_a_request_link_opened_signed_out_comes_back_after_sign_in(
    server: str, browser: Any, phone: Any
) -> None:
    sign_in(phone, server, "hr@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Ask for credentials").click()
    phone.get_by_label("What you ask for, and why").fill("Your RN license")
    phone.get_by_role("button", name="Create the request").click()
    link = phone.get_by_role("textbox", name="Request link").input_value()

    learner = browser.new_context(viewport={"width": 375, "height": 740})
    maria = watch_csp(learner.new_page())
    maria.goto(link)
    maria.wait_for_url(f"{server}/login")
    maria.get_by_label("Email").fill("maria@demo.openler.org")
    maria.get_by_label("Password").fill(DEMO_PASSWORD)
    maria.get_by_role("button", name="Sign in").click()
    maria.wait_for_url(link)
    expect(
        maria.get_by_role("heading", name="Piedmont Regional Hospital asks for credentials")
    ).to_be_visible()
    page_is_good(maria)
    learner.close()


def test_a_credential_link_comes_back_through_the_identity_provider(
    server: str, phone: Any
) -> None:
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Open your record").click()
    phone.get_by_role("link", name="Registered Nurse").click()
    credential_page = phone.url
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_url(f"{server}/")
    phone.goto(credential_page)
    phone.wait_for_url(f"{server}/login")
    phone.get_by_role("link", name="Sign in with Test ID").click()
    phone.wait_for_url("**/authorize?**")
    phone.get_by_role("button", name="Continue").click()
    phone.wait_for_url(lambda url: unquote(url) == unquote(credential_page))
    expect(phone.get_by_role("heading", name="Checked just now")).to_be_visible()


def page_is_good(page: Any) -> None:
    """What every page must be on a phone: no sideways scrolling, no word of ordinary text
    cut in two, long identifiers wrapped inside their box, no WCAG 2.1 AA faults, nothing
    blocked by the Content-Security-Policy."""
    page.wait_for_load_state()  # a click that navigates returns before the new page is there
    assert fits_the_screen(page)
    assert page.evaluate(BROKEN_WORDS) == []
    assert page.evaluate(OVERFLOWING_IDS) == []
    assert accessibility_violations(page) == []
    assert getattr(page, "csp_errors", []) == []


def test_learner_opens_a_credential_and_shares_it_from_the_pages(
    server: str, browser: Any, phone: Any
) -> None:
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Open your record").click()
    phone.get_by_role("link", name="Registered Nurse").click()
    expect(phone.get_by_role("heading", name="Registered Nurse")).to_be_visible()
    expect(phone.get_by_role("heading", name="Checked just now")).to_be_visible()
    assert "It verifies" in phone.get_by_role("status").inner_text()
    assert "Verified: License" in (phone.locator("details.checks").text_content() or "")
    page_is_good(phone)

    phone.get_by_role("link", name="Share this").click()
    chosen = phone.get_by_role(
        "checkbox", name="Registered Nurse from Ohio Board of Nursing (active)"
    )
    assert chosen.is_checked()
    page_is_good(phone)
    phone.get_by_label("Who will see them").fill("Wake County EMS")
    phone.get_by_label("Why").fill("Paramedic application")
    phone.get_by_role("button", name="Create share link").click()  # the browser stops it:
    assert phone.evaluate("() => document.getElementById('consent').validity.valueMissing")
    assert phone.get_by_label("Who will see them").input_value() == "Wake County EMS"
    phone.get_by_label("I agree that this audience may see").check()
    phone.get_by_role("button", name="Create share link").click()
    link = phone.get_by_role("textbox", name="Share link").input_value()
    assert "/s/" in link
    page_is_good(phone)

    employer = browser.new_context(viewport={"width": 375, "height": 740})
    viewer = employer.new_page()
    viewer.goto(link)
    assert "Every credential verified." in viewer.content()
    employer.close()

    phone.reload()
    card = phone.get_by_role("listitem").filter(has_text="Wake County EMS")
    assert "opened 1 time" in card.inner_text()
    card.get_by_role("button", name="Withdraw the share with Wake County EMS").click()
    expect(
        phone.get_by_role("heading", name="Withdraw the share with Wake County EMS?")
    ).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("link", name="Cancel").click()
    card = phone.get_by_role("listitem").filter(has_text="Wake County EMS")
    assert "withdrawn" not in card.inner_text()  # cancelled: still shared
    card.get_by_role("button", name="Withdraw the share with Wake County EMS").click()
    phone.get_by_role("button", name="Withdraw the share").click()
    card = phone.get_by_role("listitem").filter(has_text="Wake County EMS")
    assert "withdrawn" in card.inner_text()


def test_issuer_staff_issue_and_suspend_from_the_pages(server: str, phone: Any) -> None:
    sign_in(phone, server, "trainer@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Issue and manage credentials").click()
    expect(
        phone.get_by_role("heading", name="Piedmont Regional Hospital — issuing")
    ).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Achievement").select_option(label="IV Therapy and Infusion Safety")
    phone.get_by_label("Recipient's email").fill("dana@demo.openler.org")
    phone.get_by_role("button", name="Issue", exact=True).click()
    assert "Issued and signed just now" in phone.get_by_role("status").inner_text()
    assert "Dana Brooks" in phone.content()
    page_is_good(phone)
    phone.get_by_role("button", name="Suspend").click()
    expect(phone.get_by_role("heading", name=re.compile("^Suspend IV Therapy"))).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Reason").fill("Practice under review")
    phone.get_by_role("button", name="Suspend it").click()
    assert "now suspended" in phone.get_by_role("status").inner_text()
    assert "by Piedmont Regional Hospital: Practice under review" in phone.content()
    phone.get_by_role("button", name="Reinstate").click()
    phone.get_by_role("button", name="Reinstate it").click()
    assert "now reinstated" in phone.get_by_role("status").inner_text()

    phone.get_by_role("link", name="Piedmont Regional Hospital — issuing").click()
    phone.get_by_label("Find by recipient, credential or id").fill("dana")
    phone.get_by_role("button", name="Find").click()
    assert "Dana Brooks" in phone.get_by_role("region", name="Credentials found").inner_text()


def test_issuer_staff_run_a_batch_from_the_pages(server: str, phone: Any) -> None:
    sign_in(phone, server, "trainer@demo.openler.org")
    phone.goto(f"{server}/issuer/piedmont-hospital/batch")
    expect(phone.get_by_role("heading", name="Issue to many people")).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Recipients' emails, one per line").fill(
        "luis@demo.openler.org\nnobody@demo.openler.org"
    )
    phone.get_by_role("button", name="Start the batch").click()
    phone.wait_for_url("**/jobs/**")
    for _ in range(50):
        if "The job is" not in phone.locator("#job-words").inner_text():
            break
        phone.wait_for_timeout(100)
        phone.reload()
    status = phone.locator("#job-words").inner_text()
    assert "Done: 2 issued" in status  # nobody@ has no account: issued to the address
    page_is_good(phone)


def test_a_file_too_large_shows_a_page_with_the_way_back(server: str, phone: Any) -> None:
    sign_in(phone, server, "trainer@demo.openler.org")
    phone.goto(f"{server}/issuer/piedmont-hospital/batch")
    big = b"email\n" + b"someone@example.org\n" * 60_000  # 1.2 MB, over the 1 MB limit
    phone.get_by_label("CSV file (optional)").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": big}
    )
    phone.get_by_role("button", name="Start the batch").click()
    expect(phone.get_by_role("heading", name="Too large to accept")).to_be_visible()
    assert (
        "send a smaller file or split a batch into parts" in phone.get_by_role("alert").inner_text()
    )
    page_is_good(phone)
    phone.get_by_role("link", name="Back to the form").click()
    expect(phone.get_by_role("heading", name="Issue to many people")).to_be_visible()


def test_a_page_the_role_may_not_see_explains_itself(server: str, phone: Any) -> None:
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    response = phone.goto(f"{server}/issuer/piedmont-hospital")
    assert response is not None and response.status == 403
    expect(phone.get_by_role("heading", name="Not allowed")).to_be_visible()
    assert "issuer_admin or issuer_staff role" in phone.get_by_role("alert").inner_text()
    page_is_good(phone)
    missing = phone.goto(f"{server}/no/such/page")
    assert missing is not None and missing.status == 404
    expect(phone.get_by_role("heading", name="Not found")).to_be_visible()


def test_issuer_admin_manages_people_from_the_pages(server: str, phone: Any) -> None:
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="People of Ohio Board of Nursing").click()
    expect(phone.get_by_role("heading", name="People — Ohio Board of Nursing")).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Their email").fill("kevin@demo.openler.org")
    phone.get_by_label("Role", exact=True).select_option("issuer_staff")
    phone.get_by_role("button", name="Grant the role").click()
    assert "The role was granted." in phone.get_by_role("status").inner_text()
    phone.get_by_role("button", name="Remove issuer staff from Kevin Nguyen").click()
    expect(
        phone.get_by_role("heading", name="Remove the issuer staff role from Kevin Nguyen?")
    ).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Remove the role").click()
    assert "The role was removed." in phone.get_by_role("status").inner_text()
    assert "Kevin Nguyen" not in phone.content()
    page_is_good(phone)


def test_registry_admin_suspends_and_reinstates_an_issuer_from_the_pages(
    server: str, phone: Any
) -> None:
    sign_in(phone, server, "renee@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Manage the trust registry").click()
    expect(
        phone.get_by_role("heading", name="Trust registry — North Carolina LER Office")
    ).to_be_visible()
    page_is_good(phone)
    card = phone.get_by_role("listitem").filter(has_text="Ohio Board of Nursing").first
    card.get_by_label("New state for Ohio Board of Nursing").select_option("suspended")
    card.get_by_label("Reason (shown to verifiers)").fill("Audit pending")
    card.get_by_role("button", name="Change state of Ohio Board of Nursing").click()
    expect(phone.get_by_role("heading", name="Suspend Ohio Board of Nursing?")).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Suspend Ohio Board of Nursing").click()
    assert "verifiers see it at once" in phone.get_by_role("status").inner_text()
    card = phone.get_by_role("listitem").filter(has_text="Ohio Board of Nursing").first
    assert "suspended" in card.inner_text() and "Audit pending" in card.inner_text()
    card.get_by_label("New state for Ohio Board of Nursing").select_option("active")
    card.get_by_role("button", name="Change state of Ohio Board of Nursing").click()
    phone.get_by_role("button", name="Reinstate Ohio Board of Nursing").click()
    card = phone.get_by_role("listitem").filter(has_text="Ohio Board of Nursing").first
    assert "active" in card.inner_text()
    page_is_good(phone)


def test_registry_admin_edits_and_removes_with_old_and_new_shown(server: str, phone: Any) -> None:
    sign_in(phone, server, "renee@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/registry")
    # a second registration of a DID is refused, with what to do instead
    card = phone.get_by_role("listitem").filter(has_text="U.S. Army").first
    army = card.locator("small.id").inner_text()
    phone.get_by_label("Issuer's DID").fill(army)
    phone.get_by_label("Name", exact=True).fill("U.S. Army")
    phone.get_by_label("Jurisdiction where it is authorised (ISO 3166 code)").fill("US")
    phone.get_by_role("button", name="Register the issuer").click()
    assert "already registered as U.S. Army" in phone.get_by_role("alert").inner_text()
    page_is_good(phone)
    # an edit shows the old and the new before it is made
    phone.get_by_role("link", name="Edit the entry of U.S. Army").click()
    expect(phone.get_by_role("heading", name="Edit the entry of U.S. Army")).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Achievement types it may issue").fill("Certification, Badge")
    phone.get_by_role("button", name="Review the change").click()
    expect(phone.get_by_role("heading", name="Change the entry of U.S. Army?")).to_be_visible()
    changes = phone.get_by_role("region", name="What changes").inner_text()
    assert "Certification" in changes and "Certification, Badge" in changes
    page_is_good(phone)
    phone.get_by_role("button", name="Confirm the change").click()
    assert "entry was changed" in phone.get_by_role("status").inner_text()
    card = phone.get_by_role("listitem").filter(has_text="U.S. Army").first
    assert "Certification, Badge" in card.inner_text()
    # a bad jurisdiction is refused on the page
    phone.get_by_label("Jurisdiction where it is authorised (ISO 3166 code)").fill("Carolina")
    phone.get_by_label("Issuer's DID").fill("did:web:new.example")
    phone.get_by_label("Name", exact=True).fill("New issuer")
    phone.get_by_role("button", name="Register the issuer").click()
    assert "ISO 3166" in phone.get_by_role("alert").inner_text()
    # removing a rule and an issuer is asked first
    phone.get_by_role("button", name="Remove the rule national credentials in US-NC").click()
    expect(
        phone.get_by_role("heading", name="Remove the rule national credentials?")
    ).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Remove the rule").click()
    assert "The recognition rule was removed." in phone.get_by_role("status").inner_text()
    phone.get_by_role("button", name="Remove U.S. Army from the registry").click()
    expect(phone.get_by_role("heading", name="Remove U.S. Army from the registry?")).to_be_visible()
    phone.get_by_role("button", name="Remove U.S. Army").click()
    assert "removed from the registry" in phone.get_by_role("status").inner_text()
    assert phone.get_by_role("listitem").filter(has_text="U.S. Army").count() == 0
    page_is_good(phone)


def test_a_verifier_asks_and_a_learner_answers_from_the_pages(
    server: str, browser: Any, phone: Any
) -> None:
    sign_in(phone, server, "hr@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Ask for credentials").click()
    expect(
        phone.get_by_role("heading", name="Verifying for Piedmont Regional Hospital")
    ).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("What you ask for, and why").fill("Your IV therapy training")
    phone.get_by_role("button", name="Create the request").click()
    link = phone.get_by_role("textbox", name="Request link").input_value()
    page_is_good(phone)

    learner = browser.new_context(viewport={"width": 375, "height": 740})
    maria = watch_csp(learner.new_page())
    sign_in(maria, server, "maria@demo.openler.org")
    maria.wait_for_url(f"{server}/home")
    maria.goto(link)
    expect(
        maria.get_by_role("heading", name="Piedmont Regional Hospital asks for credentials")
    ).to_be_visible()
    page_is_good(maria)
    maria.get_by_role("checkbox", name=re.compile("IV Therapy")).check()
    maria.get_by_label("I agree that Piedmont Regional Hospital may see").check()
    maria.get_by_role("button", name="Send to Piedmont Regional Hospital").click()
    assert "received your credentials, verified" in maria.get_by_role("status").inner_text()
    page_is_good(maria)
    learner.close()

    phone.reload()
    # who answered, then the answer in words; the checks are there for those who open them
    expect(
        phone.get_by_role(
            "heading", name=re.compile(r"^Answered by Maria Alvarez \(maria@demo\.openler\.org\)")
        )
    ).to_be_visible()
    said = phone.locator(".answer-said").all_inner_texts()
    assert (
        said
        == [s for s in said if s.startswith("Maria Alvarez holds IV Therapy and Infusion Safety")]
        and said
    ), said
    page_is_good(phone)
    phone.get_by_text("How the presentation was checked").first.click()
    assert "Every credential verified." in phone.get_by_role("status").inner_text()
    assert "open until" not in phone.locator("main").inner_text()
    assert re.search(r"answered · answered on \d{4}-", phone.locator("main").inner_text())

    # the home page opens with the work: what waits, who answered, and the ways in
    phone.goto(f"{server}/home")
    work = phone.get_by_role("region", name="Verifying for Piedmont Regional Hospital")
    expect(work.get_by_role("heading", name="Waiting for an answer")).to_be_visible()
    answered = work.get_by_role("list", name="Answered recently").inner_text()
    assert re.search(r"Your IV therapy training — answered by Maria Alvarez on \d{4}-", answered)
    actions = work.get_by_role("navigation", name="What to do for Piedmont Regional Hospital")
    for action in ("Verify a credential", "Ask for credentials", "Check a roster"):
        expect(actions.get_by_role("link", name=action)).to_be_visible()
    expect(phone.get_by_text("Your own record is empty.")).to_be_visible()
    page_is_good(phone)
    # by keyboard: the first way in is the first link after the heading
    phone.get_by_role("heading", name="Verifying for Piedmont Regional Hospital").click()
    phone.keyboard.press("Tab")
    assert phone.evaluate("() => document.activeElement.textContent") == "Verify a credential"
    work.get_by_role("link", name="Your IV therapy training").click()
    expect(
        phone.get_by_role("link", name="Verifying for Piedmont Regional Hospital")
    ).to_be_visible()
    page_is_good(phone)


# Runs last: it revokes the Ohio board's first key (the other tests verify what it signed).
def test_issuer_admin_recovers_from_a_stolen_key_from_the_pages(server: str, phone: Any) -> None:
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Issue and manage credentials").click()
    phone.get_by_role("link", name="Signing keys").click()
    expect(phone.get_by_role("heading", name="Signing keys")).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Rotate: make a new signing key").click()
    expect(
        phone.get_by_role("heading", name="Make a new signing key for Ohio Board of Nursing?")
    ).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Make a new signing key").click()
    assert "A new key signs from now on" in phone.get_by_role("status").inner_text()
    phone.get_by_role("button", name="Revoke this key").click()
    expect(phone.get_by_role("heading", name="Revoke this signing key?")).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Revoke the key").click()
    assert "everything it signed now fails" in phone.get_by_role("status").inner_text()
    page_is_good(phone)
    reissue = phone.get_by_role("button", name=re.compile(r"^Re-issue its \d+ credentials?"))
    n = int(reissue.inner_text().split()[2])  # the demo's licences and its November roster's
    reissue.click()
    phone.get_by_role("button", name="Re-issue them").click()
    phone.wait_for_url("**/jobs/**")
    for _ in range(100):
        if "The job is" not in phone.locator("#job-words").inner_text():
            break
        phone.wait_for_timeout(100)
        phone.reload()
    assert f"Done: {n} re-issued." in phone.locator("#job-words").inner_text()
    page_is_good(phone)


def test_an_issuer_admin_creates_uses_and_revokes_an_api_token(
    server: str, browser: Any, phone: Any
) -> None:
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="People of Ohio Board of Nursing").click()
    phone.get_by_role("link", name="API tokens").click()
    expect(phone.get_by_role("heading", name="API tokens — Ohio Board of Nursing")).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("What it is for").fill("Licensing system")
    assert phone.get_by_label("Whose role it acts with (their email)").input_value() == (
        "olivia@demo.openler.org"
    )
    phone.get_by_label("Role", exact=True).select_option(label="issuer admin")
    phone.get_by_label("Expires after (days; leave empty for never)").fill("30")
    phone.get_by_role("button", name="Create the token").click()
    assert "shown only this once" in phone.get_by_role("status").first.inner_text()
    token = phone.get_by_role("textbox", name="Token (issuer admin for olivia@demo.openler.org)")
    secret = token.input_value()
    assert secret.startswith("olr_")
    page_is_good(phone)

    client = browser.new_context()  # a program with the token alone, no session
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.request.get(f"{server}/api/jobs/none", headers=bearer).status == 404

    phone.goto(f"{server}/manage/ohio-nursing/tokens")  # the secret is not shown again
    assert secret not in phone.content()
    card = phone.get_by_role("listitem").filter(has_text="Licensing system")
    card.get_by_role("button", name="Revoke Licensing system").click()  # the browser stops it:
    assert phone.evaluate("() => document.getElementById('confirm-1').validity.valueMissing")
    assert client.request.get(f"{server}/api/jobs/none", headers=bearer).status == 404
    card.get_by_label("Revoking “Licensing system” is final").check()
    card.get_by_role("button", name="Revoke Licensing system").click()
    assert "The token was revoked" in phone.get_by_role("status").inner_text()
    page_is_good(phone)
    assert client.request.get(f"{server}/api/jobs/none", headers=bearer).status == 401
    client.close()
