"""A roster of 1,000 in a real browser on a phone-sized screen: the Ohio Board of Nursing
issues 997 licences and revokes 9 of them; 6 are forged by altering a field after signing;
3 files are no credentials. Piedmont's verifier uploads them all as one ZIP, watches the
job finish without reloading the page, reads the counts in words, filters the verdicts (by the counts' links, and by keyboard with the
form), and downloads every verdict as CSV — every page axe-clean; on a desktop screen the
files' names break only after their slashes, dots and hyphens."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    _free_port,
    _require_browser,
    browser,
    demo_server,
    page_is_good,
    phone,
    sign_in,
    watch_csp,
)

ISSUED, REVOKED, FORGED, NOT_CREDENTIALS = 997, 9, 6, 3
#: the ports this journey's server may use
PORTS = range(8110, 8120)


def _port() -> int:
    if os.environ.get("OPENLER_TEST_PORTS"):  # the run's own ports, as the other journeys
        return _free_port()
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip(f"no free port in {PORTS.start}–{PORTS.stop - 1}")


def _licences(base: str, workdir: Path) -> bytes:
    """The roster's ZIP: the board's licences issued through its roster job (as fast as a
    board issues them), nine revoked with a reason, six altered after signing, and three
    files that are no credentials."""
    from openler.services import jobs
    from openler.services.context import Platform
    from openler.services.issuers import bulk, issuing, orgs
    from openler.services.issuers.recipients import Award, Recipient
    from openler.services.people.accounts import Principal
    from openler.settings import Settings
    from openler.store.models import IssuedCredential, JobRow

    board = Principal.system("test-setup")
    settings = Settings(
        database_url=f"sqlite:///{workdir / 'demo.db'}", public_url=base, data_dir=workdir
    )
    platform = Platform.from_settings(settings)

    class Held:
        def submit(self, job_id: str) -> None:
            pass

    awards = [
        Award(
            Recipient(identifier=f"RN.{700000 + n}", name=f"Nurse {n}"),
            row=n,
            subject={"licenseNumber": f"RN.{700000 + n}"},
        )
        for n in range(1, ISSUED + 1)
    ]
    job_id = bulk.submit_roster(
        platform,
        Held(),
        board,
        organization_slug="ohio-nursing",
        achievement_slug="registered-nurse",
        awards=awards,
        source="ohio-licences.csv",
    )
    assert jobs.run_job(platform, job_id) == "done"
    with platform.db.session() as s:
        ids = [
            str(r.credential_id)
            for r in s.execute(select(JobRow).where(JobRow.job_id == job_id).order_by(JobRow.row))
            .scalars()
            .all()
        ]
        assert len(ids) == ISSUED
        lists: set[str] = set()
        for credential_id in ids[100 : 100 + REVOKED]:
            issuing.set_status(
                s,
                platform,
                board,
                credential_id,
                action="revoke",
                reason="Licence surrendered (Board order 2026-114)",
                deferred=lists,
            )
        issuing.publish_lists(s, platform, orgs.organization_by_slug(s, "ohio-nursing"), lists)
        documents = {
            r.id: r.document
            for r in s.execute(select(IssuedCredential).where(IssuedCredential.id.in_(ids)))
            .scalars()
            .all()
        }
    platform.db.dispose()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, credential_id in enumerate(ids, start=1):
            document = documents[credential_id]
            if n > ISSUED - FORGED:  # altered after signing: another licence number
                document = copy.deepcopy(document)
                document["credentialSubject"]["licenseNumber"] = "RN.000001"
            archive.writestr(f"licences/rn-{n:04d}.json", json.dumps(document))
        archive.writestr("notes.txt", "Re-check every licence before the audit.")
        archive.writestr("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        archive.writestr("contacts.json", json.dumps({"board": "Ohio", "phone": "555-0100"}))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, bytes]]:
    _require_browser()
    workdir = tmp_path_factory.mktemp("verification-roster")
    env = {
        **os.environ,
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
        # a ZIP of 1,000 credentials is larger than the 1 MB a request may be by default
        "OPENLER_MAX_REQUEST_BYTES": "20000000",
    }
    with demo_server(workdir, _port(), env) as base:
        yield base, _licences(base, workdir)


#: every time the page's progress bar, words or status change: the bar's value, the words
#: and the status a screen reader hears
WATCH_PROGRESS = """() => {
  window.progressSeen = [];
  const [bar, words, news] = ['job-bar', 'job-words', 'job-news'].map(id => document.getElementById(id));
  const watch = new MutationObserver(
    () => window.progressSeen.push([bar.value, words.textContent, news.textContent]));
  for (const watched of [words, news]) {
    watch.observe(watched, {childList: true, characterData: true, subtree: true});
  }
  watch.observe(bar, {attributes: true});
}"""

#: the parts of the files' names (between the break opportunities the page gives them) that
#: a line break cuts in two
BROKEN_NAMES = """() => {
  const broken = [];
  for (const name of document.querySelectorAll('td.roster-item .id')) {
    for (const node of name.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.data.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(node.data);
    }
  }
  return broken;
}"""


def finished_words(page: Any) -> str:
    """Wait (without reloading) until the roster's status says it finished; its words."""
    page.wait_for_function(
        "() => /^Done/.test(document.getElementById('job-words').textContent.trim())"
        " && document.getElementById('job-detail').querySelector('a[download]')",
        timeout=300_000,
    )
    return str(page.get_by_role("status").inner_text())


def test_a_roster_of_1000_with_revoked_and_forged_ones(
    server: tuple[str, bytes],
    phone: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    base, roster = server
    sign_in(phone, base, "hr@demo.openler.org")
    phone.wait_for_url(f"{base}/home")
    phone.get_by_role("link", name="Check a roster").click()
    expect(phone.get_by_role("heading", name="Check many credentials at once")).to_be_visible()
    page_is_good(phone)

    phone.get_by_label("Roster file").set_input_files(
        {"name": "ohio-licences.zip", "mimeType": "application/zip", "buffer": roster}
    )
    phone.get_by_role("button", name="Upload and check").click()
    phone.wait_for_url("**/rosters/*")
    roster_url = phone.url
    started_unfinished = phone.locator("#job-progress").get_attribute("data-finished") == "false"
    phone.evaluate("() => { window.stillTheSamePage = true; }")
    words = finished_words(phone)
    assert words == (
        "Done: 982 of 1,000 verified and active; 9 revoked; 6 forged or altered; 3 not credentials."
    )
    # the progress finished on the page as it was loaded: no reload, no navigation
    assert phone.evaluate("() => window.stillTheSamePage === true")
    assert phone.url == roster_url
    assert phone.evaluate("() => document.getElementById('job-bar').value") == 1000
    if started_unfinished:  # the script moved the bar and brought the verdicts in
        assert phone.locator("#job-count").inner_text() == "1,000 of 1,000 items"
    page_is_good(phone)

    # the counts are links to the table filtered by that verdict
    phone.get_by_role("link", name="9 revoked").click()
    assert "show=revoked" in phone.url
    table = phone.get_by_role("region", name="Verdicts").inner_text()
    assert "Items 1 to 9 of 9" in table
    assert table.count("revoked on ") == REVOKED
    assert "by Ohio Board of Nursing: Licence surrendered (Board order 2026-114)" in table
    assert "licence RN.700101" in table
    page_is_good(phone)

    # the filter form, by keyboard alone: it works without scripts (a query parameter)
    phone.get_by_label("Show").focus()
    phone.get_by_label("Show").select_option("forged")
    phone.keyboard.press("Tab")
    assert phone.evaluate("() => document.activeElement.textContent") == "Show them"
    phone.keyboard.press("Enter")
    phone.wait_for_url("**show=forged**")
    table = phone.get_by_role("region", name="Verdicts").inner_text()
    assert "Items 1 to 6 of 6" in table and table.count("signature does not match") == FORGED
    assert "licences/rn-0997.json" in table
    # a forgery's issuer only said, its licence number and holder no facts, no identifier
    assert table.count("said to be from Ohio Board of Nursing") == FORGED
    assert "RN.000001" not in table and "did:" not in table
    page_is_good(phone)

    phone.get_by_label("Show").select_option("not-credential")
    phone.get_by_role("button", name="Show them").click()
    phone.wait_for_url("**show=not-credential**")
    table = phone.get_by_role("region", name="Verdicts").inner_text()
    assert "Items 1 to 3 of 3" in table
    for name in ("notes.txt", "logo.png", "contacts.json"):
        assert name in table

    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download every verdict (CSV)").click()
    saved = tmp_path / "verdicts.csv"
    download.value.save_as(saved)
    rows = list(csv.reader(saved.read_text("utf-8-sig").splitlines()))
    assert len(rows) == 1001
    verdicts = [r[rows[0].index("verdict")] for r in rows[1:]]
    assert {v: verdicts.count(v) for v in set(verdicts)} == {
        "active": 982,
        "revoked": REVOKED,
        "forged": FORGED,
        "not-credential": NOT_CREDENTIALS,
    }

    phone.get_by_role("link", name="Check many credentials at once").click()
    listed = phone.get_by_role("region", name="Past rosters").inner_text()
    assert "ohio-licences.zip" in listed and "982 of 1,000 verified and active" in listed
    assert "files up to 50 MB here" in phone.locator("#file-help").inner_text()
    page_is_good(phone)


def test_the_verdicts_on_a_desktop_screen_break_names_at_their_separators(
    server: tuple[str, bytes],
    browser: Any,  # noqa: F811
) -> None:
    """The table of verdicts on a desktop screen, its long reasons beside the files' names:
    the names break after their slashes, dots and hyphens, never inside a part."""
    base, roster = server
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    desk = watch_csp(context.new_page())
    sign_in(desk, base, "hr@demo.openler.org")
    desk.wait_for_url(f"{base}/home")
    desk.goto(f"{base}/verifier/piedmont-hospital/rosters")
    desk.get_by_label("Roster file").set_input_files(
        {"name": "ohio-licences.zip", "mimeType": "application/zip", "buffer": roster}
    )
    desk.get_by_role("button", name="Upload and check").click()
    desk.wait_for_url("**/rosters/*")
    finished_words(desk)
    for show in ("forged", "all"):
        desk.goto(f"{desk.url.split('?')[0]}?show={show}")
        assert "licences/rn-" in desk.get_by_role("region", name="Verdicts").inner_text()
        assert desk.evaluate(BROKEN_NAMES) == []
        page_is_good(desk)
    context.close()


#: a page with a job's progress as the pages show it, for scripted answers of its endpoint
PROBE = """<!doctype html><html lang="en"><head><title>Progress</title></head><body><main>
{progress}<div id="job-detail"></div>
<script src="/static/job-progress.js" defer></script></main></body></html>"""


def test_the_progress_words_say_the_bars_figure_as_it_moves(
    server: tuple[str, bytes],
    browser: Any,  # noqa: F811
) -> None:
    """The live progress, answered 800, 1,400, 2,100 and 3,000 of 3,000 in turn: whenever
    the bar moves, the words beside it say the same figure (the status a screen reader
    hears each quarter is emptied in between, so it keeps no older figure either); at the
    end, both say the outcome."""
    from datetime import UTC, datetime

    from openler.services.issuers.job_reports import JobView
    from openler.web.render import templates

    base, _roster = server

    def said(done: int) -> str:
        if done == 3000:
            return "Done: 3,000 of 3,000 verified and active."
        return f"The roster is checking: {done:,} of 3,000 items done ({done * 100 // 3000}%)."

    job = JobView(
        "probe",
        "verification_roster",
        "Roster",
        "running",
        "Sam",
        datetime.now(UTC),
        None,
        0,
        3000,
        {},
    )
    macros = templates.env.get_template("_macros.html").make_module({})
    macro = getattr(macros, "job_progress")  # noqa: B009 - a template's macro is not typed
    page_html = PROBE.format(progress=macro(job, "/probe/progress", "/probe", said(0), "items"))
    answers = iter([800, 1400, 2100, 3000])

    def progress(route: Any) -> None:
        done = next(answers, 3000)
        route.fulfill(
            json={
                "state": "done" if done == 3000 else "running",
                "done": done,
                "total": 3000,
                "percent": done * 100 // 3000,
                "finished": done == 3000,
                "counts": {},
                "words": said(done),
            }
        )

    context = browser.new_context()
    page = context.new_page()
    page.route(f"{base}/probe/progress", progress)
    page.route(
        f"{base}/probe", lambda route: route.fulfill(content_type="text/html", body=page_html)
    )
    page.goto(f"{base}/probe")
    page.evaluate(WATCH_PROGRESS)
    page.wait_for_function(
        "() => document.getElementById('job-words').textContent.startsWith('Done')"
    )
    seen = page.evaluate("() => window.progressSeen")
    context.close()
    assert seen[0][0] == 800  # the first answer moved the bar
    for bar, words, news in seen:
        assert words == said(bar), seen
        assert news in ("", said(bar)), seen
    assert [1400, said(1400), ""] in seen  # the same quarter as 800: nothing said again
    assert seen[-1] == [3000, said(3000), said(3000)]
