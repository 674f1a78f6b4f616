"""A roster in a real browser on a phone-sized screen: the Ohio Board of Nursing's admin
uploads a CSV file with bad rows, maps its columns, previews it, tries a dry run, issues
it, watches the job's progress finish without reloading the page, and downloads the
per-row results; every page passes axe-core's WCAG 2.1 A/AA rules."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    browser,
    identity_provider,
    page_is_good,
    phone,
    server,
    sign_in,
)

ROWS = 400
BAD = {17: "nurse17@", 220: "", 399: "nurse399@example"}


def roster() -> bytes:
    """A roster of ``ROWS`` nurses in the semicolon-separated CSV a European Excel saves,
    with a byte order mark, CRLF line ends and three rows that cannot be issued."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Email", "Name", "Licence", "Expires"])
    for n in range(1, ROWS + 1):
        email = BAD.get(n, f"nurse{n}@example.org")
        writer.writerow([email, f"Nurse {n}", f"RN.{n:06d}", "11/25/2028"])
    return "\ufeff".encode() + out.getvalue().encode()


def test_a_roster_with_bad_rows_is_issued_from_the_pages(
    server: str,  # noqa: F811
    phone: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/issuer/ohio-nursing")
    phone.get_by_role("link", name="Issue from a roster (CSV or Excel)").click()
    expect(phone.get_by_role("heading", name="Issue from a roster")).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Achievement").select_option(label="Registered Nurse")
    phone.get_by_label("Roster file").set_input_files(
        {"name": "ohio-nurses.csv", "mimeType": "text/csv", "buffer": roster()}
    )
    phone.get_by_role("button", name="Upload and map the columns").click()

    expect(phone.get_by_role("heading", name="Which column holds what?")).to_be_visible()
    page_is_good(phone)
    assert phone.get_by_label("Email address").input_value() == "Email"  # recognised
    assert phone.get_by_label("Licence number (shown in the credential)").input_value() == "Licence"
    phone.get_by_label("Valid until").select_option("Expires")
    phone.get_by_role("button", name="Preview the rows").click()

    status = phone.get_by_role("status").inner_text()
    assert "397 will be issued, 3 have problems." in status
    text = phone.locator("main").inner_text()
    assert "row 17: 'nurse17@' is not an email address" in text
    assert "row 220: no email address or identifier" in text
    assert "row 399: 'nurse399@example' is not an email address" in text
    page_is_good(phone)

    phone.get_by_role("button", name="Dry run: who would be issued").click()
    phone.wait_for_url("**/jobs/**")
    finished_words(phone)
    assert "397 would be issued, 3 not issued" in phone.get_by_role("status").inner_text()
    page_is_good(phone)

    phone.get_by_role("button", name="Issue them now").click()
    expect(
        phone.get_by_role("heading", name="Issue Registered Nurse to 397 recipients?")
    ).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Issue the credentials").click()
    phone.wait_for_url("**/jobs/**")
    job_url = phone.url
    started_unfinished = phone.locator("#job-progress").get_attribute("data-finished") == "false"
    phone.evaluate("() => { window.stillTheSamePage = true; }")
    words = finished_words(phone)
    assert "397 issued, 3 not issued" in words
    # the progress finished on the page as it was loaded: no reload, no navigation
    assert phone.evaluate("() => window.stillTheSamePage === true")
    assert phone.url == job_url
    if started_unfinished:  # the script updated the bar and brought the rows in
        assert phone.locator("#job-bar").get_attribute("max") == str(ROWS)
    assert phone.evaluate("() => document.getElementById('job-bar').value") == ROWS
    expect(phone.get_by_role("region", name="Row results")).to_be_visible()
    page_is_good(phone)

    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download the results (CSV)").click()
    saved = tmp_path / "results.csv"
    download.value.save_as(saved)
    rows = list(csv.reader(saved.read_text("utf-8-sig").splitlines()))
    assert rows[0] == ["row", "recipient", "outcome", "credential id", "message"]
    assert len(rows) == ROWS + 1
    failed = {int(r[0]): r[4] for r in rows[1:] if r[2] == "failed"}
    assert failed == {
        17: "'nurse17@' is not an email address",
        220: "no email address or identifier",
        399: "'nurse399@example' is not an email address",
    }
    assert all(r[3].startswith("urn:uuid:") for r in rows[1:] if r[2] == "issued")

    phone.get_by_role("link", name="Past jobs").click()
    jobs_text = phone.get_by_role("region", name="Jobs").inner_text()
    assert jobs_text.count("ohio-nurses.csv") == 2 and "397 issued, 3 not issued" in jobs_text
    page_is_good(phone)


def finished_words(page: Any) -> str:
    """Wait (without reloading) until the job's status says it finished; its words."""
    page.wait_for_function(
        "() => /^(Done|Finished)/.test(document.getElementById('job-words').textContent.trim())"
        " && document.getElementById('job-detail').querySelector('a[download]')",
        timeout=180_000,
    )
    return str(page.get_by_role("status").inner_text())
