"""Maria's journey, the one issue 12 names as done, in Chromium on a phone-sized screen.

She sees her record grouped, with her FEMA renewal as one entry; imports a baked PNG badge,
a JWT credential and a CLR transcript (each signed for real, each labelled with what its
check found); adds a self-reported job; reads her skills chart; shares two credentials by
QR code; sees the hospital's view in the share's log; withdraws the share; exports her
LER-RS résumé and a PDF; and switches the pages to Spanish. Every page on the way passes
``page_is_good`` (no sideways scrolling, no broken words, axe-core's WCAG 2.1 A/AA rules,
nothing blocked by the Content-Security-Policy).

The steps wait for a page's address or heading before reading it, never for a time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from openler.vc import Multikey, bake_png, encode_jwt_credential, sign_credential
from openler.vc.baking import blank_png
from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    browser,
    own_demo,
    page_is_good,
    phone,
    sign_in,
    watch_csp,
)
from tests.conftest import NOW

FEMA = "IS-100.C: Introduction to the Incident Command System"
OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CLR_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
#: the shape of HR Open's LER-RS 4.4 document, as services/holders/exports.py makes it
LER_RS_TYPE = "http://schema.hropenstandards.org/4.4/recruiting/json/ler-rs/LER-RSType.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo of its own: the journey changes Maria's record."""
    with own_demo(tmp_path_factory, "journey") as (base, _workdir):
        yield base


# -- what Maria brings from elsewhere: real credentials, really signed ------------------


def _issuer(seed: int, name: str) -> tuple[Multikey, dict[str, Any]]:
    key = Multikey.from_seed(bytes([seed]) * 32)
    return key, {"id": key.controller, "type": ["Profile"], "name": name}


def _badge(number: int, name: str, issuer: dict[str, Any]) -> dict[str, Any]:
    """An Open Badges 3.0 credential of an achievement ``name`` from ``issuer``."""
    return {
        "@context": OB_CONTEXT,
        "id": f"urn:uuid:6d1e2c70-0000-4000-8000-{number:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": issuer,
        "validFrom": "2025-03-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://credentials.example/achievements/{number}",
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": name,
                "description": f"{name}, completed.",
                "criteria": {"narrative": "Attend every session and pass the assessment."},
            },
        },
    }


def baked_badge(folder: Path) -> Path:
    """A PNG badge from the Red Cross chapter with its signed credential baked in."""
    key, issuer = _issuer(61, "Buckeye Red Cross Chapter")
    signed = sign_credential(_badge(1, "Basic Life Support", issuer), key, created=NOW)
    path = folder / "bls-badge.png"
    path.write_bytes(bake_png(blank_png(16, 16), json.dumps(signed)))
    return path


def jwt_credential(folder: Path) -> Path:
    """A compact JWT (VC-JOSE) from a continuing-education provider."""
    key, issuer = _issuer(62, "Midwest Nursing CE")
    path = folder / "wound-care.jwt"
    path.write_text(encode_jwt_credential(_badge(2, "Wound Care Basics", issuer), key, at=NOW))
    return path


def clr_transcript(folder: Path) -> Path:
    """A CLR 2.0 transcript from a community college bundling two signed course badges."""
    key, issuer = _issuer(63, "Lakeside Community College")
    courses = [
        sign_credential(_badge(number, name, issuer), key, created=NOW)
        for number, name in ((3, "Anatomy and Physiology I"), (4, "Medical Spanish"))
    ]
    transcript = {
        "@context": CLR_CONTEXT,
        "id": "urn:uuid:6d1e2c70-0000-4000-8000-000000000099",
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": "Lakeside Community College transcript",
        "description": "2 courses Lakeside Community College issued to Maria Alvarez.",
        "issuer": issuer,
        "validFrom": "2025-06-01T00:00:00Z",
        "credentialSubject": {
            "type": ["ClrSubject"],
            "name": "Maria Alvarez",
            "verifiableCredential": courses,
        },
    }
    path = folder / "lakeside-transcript.json"
    path.write_text(json.dumps(sign_credential(transcript, key, created=NOW)))
    return path


# -- the journey ----------------------------------------------------------------------


def test_marias_journey(server: str, browser: Any, phone: Any, tmp_path: Path) -> None:  # noqa: F811
    # 1. her record, grouped, the FEMA renewal one entry with its earlier credential
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    page_is_good(phone)
    phone.get_by_role("link", name="Open your record").click()
    phone.wait_for_url(f"{server}/record")
    expect(phone.get_by_role("heading", name="Your record", level=1)).to_be_visible()
    for group in ("Licences and certifications", "Training"):
        expect(phone.get_by_role("heading", name=group, level=2)).to_be_visible()
    assert phone.get_by_role("link", name=FEMA).count() == 1
    fema = phone.locator("li.entry", has=phone.get_by_role("link", name=FEMA))
    assert "1 earlier credential" in fema.inner_text()
    page_is_good(phone)

    # 2. a baked PNG badge, a JWT and a CLR, each labelled with what its check found
    badge, token, clr = baked_badge(tmp_path), jwt_credential(tmp_path), clr_transcript(tmp_path)
    phone.get_by_role("link", name="Import a credential").click()
    phone.wait_for_url(f"{server}/record/import")
    expect(phone.get_by_role("heading", name="Import credentials you already have")).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Files").set_input_files([str(badge), str(token), str(clr)])
    phone.get_by_role("button", name="Import").click()
    phone.wait_for_url(re.compile(r".*/record/import/[^/]+$"))
    expect(phone.get_by_role("heading", name="What was imported")).to_be_visible()
    # the badge, the token, the transcript and the two courses it bundles
    assert phone.get_by_role("status").inner_text() == "5 added and verified."
    for name, source, issuer in (
        ("Basic Life Support", "bls-badge.png", "Buckeye Red Cross Chapter"),
        ("Wound Care Basics", "wound-care.jwt", "Midwest Nursing CE"),
        ("Lakeside Community College transcript", "lakeside-transcript.json", None),
        ("Anatomy and Physiology I", "lakeside-transcript.json", None),
        ("Medical Spanish", "lakeside-transcript.json", None),
    ):
        card = phone.locator("li.card", has=phone.get_by_role("link", name=name, exact=True))
        text = card.inner_text()
        assert "Added, verified" in text, text
        assert f"Verified: signed by {issuer or 'Lakeside Community College'}" in text, text
        assert f"From {source}" in text, text
    page_is_good(phone)
    phone.get_by_role("link", name="See your record").click()
    phone.wait_for_url(f"{server}/record")
    education = phone.get_by_role("region", name="Education")
    expect(
        education.get_by_role("link", name="Lakeside Community College transcript")
    ).to_be_visible()
    imported = phone.locator("li.entry", has=phone.get_by_role("link", name="Basic Life Support"))
    assert "Imported" in imported.inner_text()
    # each course says which transcript it came in, and leads to it
    course = phone.locator(
        "li.entry", has=phone.get_by_role("link", name="Medical Spanish", exact=True)
    )
    assert "Part of Lakeside Community College transcript" in course.inner_text()
    page_is_good(phone)
    course.get_by_role("link", name="Lakeside Community College transcript").click()
    expect(
        phone.get_by_role("heading", name="Lakeside Community College transcript")
    ).to_be_visible()
    holds = phone.locator("ul.parts").inner_text()
    assert holds.splitlines() == ["Anatomy and Physiology I", "Medical Spanish"], holds
    page_is_good(phone)
    phone.get_by_role("link", name="Medical Spanish", exact=True).click()
    expect(phone.get_by_role("heading", name="Medical Spanish", level=1)).to_be_visible()
    expect(phone.get_by_text("Part of Lakeside Community College transcript")).to_be_visible()
    page_is_good(phone)
    phone.goto(f"{server}/record")

    # 3. a job of her own, marked self-reported
    phone.get_by_role("link", name="Add something yourself").first.click()
    phone.wait_for_url(f"{server}/record/self/new")
    page_is_good(phone)
    phone.get_by_role("radio", name="Job").check()
    phone.get_by_label("Title").fill("Charge nurse, night shift")
    phone.get_by_label("Where").fill("Mercy Hospital, Toledo")
    phone.get_by_role("textbox", name=re.compile("^From")).fill("2018-03")
    phone.get_by_role("textbox", name=re.compile("^To")).fill("2023-06")
    phone.get_by_role("button", name="Add to my record").click()
    phone.wait_for_url(re.compile(r".*/record\?done=added#self-reported$"))
    assert phone.get_by_role("status").inner_text() == "Added to your record, marked self-reported."
    mine = phone.get_by_role("region", name="Self-reported")
    job = mine.locator("li.entry", has_text="Charge nurse, night shift")
    assert "Self-reported" in job.inner_text() and "2018-03 to 2023-06" in job.inner_text()
    page_is_good(phone)

    # 4. her skills chart, drawn, with the table of the same figures beside it
    phone.get_by_role("link", name="Your skills").first.click()
    phone.wait_for_url(f"{server}/record/skills")
    expect(phone.get_by_role("heading", name="Your skills", level=1)).to_be_visible()
    phone.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('skills-chart'))"
    )
    chart = phone.get_by_role("img", name="Bar chart of your skills")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["x"] + box["width"] <= 375 + 1
    expect(phone.get_by_role("rowheader", name="infection control")).to_be_visible()
    page_is_good(phone)

    # 5. two credentials shared by QR code
    phone.goto(f"{server}/record")
    phone.get_by_role("link", name="Share from your record").click()
    phone.wait_for_url(f"{server}/shares")
    expect(phone.get_by_role("heading", name="Sharing", level=1)).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Only the ones I tick below").check()
    phone.get_by_label(re.compile("^Registered Nurse")).check()
    phone.get_by_label(re.compile("^IV Therapy and Infusion Safety")).check()
    phone.get_by_label("Who will see them").fill("Piedmont Regional Hospital")
    phone.get_by_label("Why").fill("RN position")
    phone.get_by_label(re.compile("^I agree that this audience")).check()
    phone.get_by_role("button", name="Create share link").click()
    expect(phone.get_by_role("heading", name="Your new share link")).to_be_visible()
    qr = phone.get_by_role("img", name="QR code of the share link")
    assert qr.is_visible() and qr.get_attribute("src").startswith("data:image/svg+xml")
    link = phone.get_by_role("textbox", name="Share link").input_value()
    assert link.startswith(f"{server}/s/")
    page_is_good(phone)

    # ... and the hospital's verifier opens the link, signed in, in a browser of their own
    hospital = browser.new_context(viewport={"width": 375, "height": 740})
    sam = watch_csp(hospital.new_page())
    sign_in(sam, server, "hr@demo.openler.org")
    sam.wait_for_url(f"{server}/home")
    sam.goto(link)
    expect(sam.get_by_role("heading", name="Shared credentials")).to_be_visible()
    answer = sam.locator("main").inner_text()
    assert "Shared by Maria Alvarez for RN position with Piedmont Regional Hospital" in answer
    # the verifier's question answered first, one sentence a credential, by name
    said = sam.locator(".answer-said").all_inner_texts()
    assert re.fullmatch(
        r"Maria Alvarez holds Registered Nurse, a licence from Ohio Board of Nursing, "
        r"active and valid until \d{4}-\d\d-\d\d\.",
        said[0],
    ), said
    assert said[1].startswith("Maria Alvarez holds IV Therapy and Infusion Safety, "), said
    # then its standing where the hospital is, how it is bound to her, and what to rely on
    licence = sam.locator("section.answer").first.inner_text()
    assert re.search(r"Active — valid until \d{4}-\d\d-\d\d, recognised in North Carolina", licence)
    assert "Maria Alvarez signed what they shared with the key" in licence
    assert "Ohio Board of Nursing — registered in the trust registry here" in licence
    assert "Registered Nurses (O*NET-SOC" in licence
    assert "You may rely on it: Ohio Board of Nursing issued it" in licence
    assert "did:" not in licence  # names, not identifiers
    assert not sam.get_by_text("Every credential verified.").is_visible()  # collapsed below
    sam.locator("summary", has_text="How it was checked").click()
    expect(sam.get_by_text("Every credential verified.")).to_be_visible()
    for name in ("Registered Nurse", "IV Therapy and Infusion Safety"):
        card = sam.locator("li.card", has=sam.get_by_role("heading", name=re.compile(name)))
        assert "Verified" in card.inner_text()
    page_is_good(sam)

    # 6. Maria reads the hospital's view in the share's log
    phone.goto(f"{server}/shares")
    shared = phone.locator(
        "li.card", has=phone.get_by_role("link", name="Piedmont Regional Hospital")
    )
    assert "opened 1 time" in shared.inner_text()
    shared.get_by_role("link", name="Piedmont Regional Hospital", exact=True).click()
    phone.wait_for_url(re.compile(r".*/shares/[^/]+$"))
    expect(phone.get_by_role("heading", name="Who opened it")).to_be_visible()
    row = phone.get_by_role("row", name=re.compile("Piedmont Regional Hospital"))
    text = row.inner_text()
    assert "Piedmont Regional Hospital (Sam Patel)" in text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", text), text  # when
    page_is_good(phone)

    # 7. she withdraws it, after a confirmation page; the link no longer opens
    phone.get_by_role("button", name="Withdraw this share").click()
    expect(
        phone.get_by_role("heading", name="Withdraw the share with Piedmont Regional Hospital?")
    ).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Withdraw the share").click()
    phone.wait_for_url(f"{server}/shares")
    assert (
        "withdrawn"
        in phone.locator(
            "li.card", has=phone.get_by_role("link", name="Piedmont Regional Hospital")
        ).inner_text()
    )
    page_is_good(phone)
    sam.goto(link)
    withdrawn = sam.get_by_role("alert")
    assert (
        withdrawn.inner_text().lower() == "the learner withdrew this share: ask them for a new link"
    )
    assert not sam.get_by_text("Every credential verified.").is_visible()
    page_is_good(sam)
    hospital.close()

    # 8. her LER-RS résumé and a PDF, downloaded
    phone.goto(f"{server}/record")
    phone.get_by_role("link", name="Download or export your record").click()
    phone.wait_for_url(f"{server}/record/export")
    expect(phone.get_by_role("heading", name="Export your record")).to_be_visible()
    page_is_good(phone)
    with phone.expect_download() as ler_rs:
        phone.get_by_role("link", name="Résumé for employers (HR Open LER-RS)").click()
    resume = json.loads(Path(ler_rs.value.path()).read_text("utf-8"))
    assert resume["type"] == LER_RS_TYPE
    assert resume["person"]["name"]["formattedName"] == "Maria Alvarez"
    assert resume["communication"]["email"][0]["address"] == "maria@demo.openler.org"
    licence = next(item for item in resume["licenses"] if item["name"] == "Registered Nurse")
    assert licence["verifications"][0]["type"][0] == "VerifiableCredential"
    jobs = resume["employmentHistories"]
    assert any(
        "Mercy Hospital, Toledo" in json.dumps(job) and "Charge nurse" in json.dumps(job)
        for job in jobs
    )
    with phone.expect_download() as pdf:
        phone.get_by_role("button", name="Download the PDF").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")
    assert pdf.value.suggested_filename.endswith(".pdf")

    # 9. the pages in Spanish, chosen in the footer; the choice stays on the next pages
    phone.goto(f"{server}/record")
    phone.get_by_label("Language · Idioma").select_option("es")
    phone.get_by_role("button", name="Change language").click()
    phone.wait_for_function("() => document.documentElement.lang === 'es'")
    expect(phone.get_by_role("button", name="Cambiar idioma")).to_be_visible()
    page_is_good(phone)
    phone.goto(f"{server}/record/import")
    assert phone.evaluate("() => document.documentElement.lang") == "es"
    expect(phone.get_by_role("button", name="Cambiar idioma")).to_be_visible()
    page_is_good(phone)

    # 10. THE RECORD PAGE'S OWN WORDS IN SPANISH. record.html is translated on the i18n
    # branch, merged after this one: this step fails until that is merged, and only here.
    phone.goto(f"{server}/record")
    expect(phone.get_by_role("heading", name="Su historial", level=1)).to_be_visible()
