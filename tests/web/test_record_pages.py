"""The learner's record pages: the whole record by group (a renewal is one entry with its
history), an entry's facts before its checks, entries written by the person (always marked
self-reported), and nobody else's — by page or API, signed in or not."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from openler.store.models import AuditEvent, Person, ReceivedCredential, SelfReported
from tests.conftest import NOW
from tests.web.conftest import csrf_of, login
from tests.web.test_portal_pages import credential_id

HTML = {"Accept": "text/html"}
FEMA = "IS-100.C: Introduction to the Incident Command System"


def person_id(platform: Any, email: str) -> str:
    with platform.db.session() as s:
        return str(s.execute(select(Person.id).where(Person.email == email)).scalar_one())


def imported(
    platform: Any,
    email: str,
    *,
    verified: bool,
    name: str = "Forklift Operator",
    types: tuple[str, ...] = ("OpenBadgeCredential",),
    kind: str = "Badge",
    parent_id: str | None = None,
) -> str:
    """A credential ``email`` imported from a file (as the import pages keep one); with
    ``parent_id``, one a transcript bundled."""
    with platform.db.session() as s:
        row = ReceivedCredential(
            person_id=person_id(platform, email),
            issuer="did:web:college.example",
            issuer_name="Elsewhere College",
            credential_issuer="file",
            format="ldp_vc",
            name=name,
            document={
                "type": ["VerifiableCredential", *types],
                "issuer": {"id": "did:web:college.example", "name": "Elsewhere College"},
                "validFrom": "2025-01-10T00:00:00Z",
                "credentialSubject": {"achievement": {"name": name, "achievementType": kind}},
            },
            jwt=None,
            received_at=NOW,
            source="import",
            verified=verified,
            verification_note=None if verified else "the signature does not match the document",
            parent_id=parent_id,
        )
        s.add(row)
        s.flush()
        return str(row.id)


def written(platform: Any, email: str, title: str = "Night-shift charge nurse") -> str:
    with platform.db.session() as s:
        row = SelfReported(
            person_id=person_id(platform, email), kind="job", title=title, started="2019"
        )
        s.add(row)
        s.flush()
        return str(row.id)


def address(ref: str) -> str:
    where, _, ident = ref.partition(":")
    return f"/record/{where}:{quote(ident, safe='')}"


def fema_refs(client: TestClient) -> tuple[str, str]:
    """The current FEMA credential's page and its earlier one's (Maria signed in)."""
    page = client.get("/record").text
    entry = page.split(f">{FEMA}</a></h3>", 1)
    current = re.findall(r'href="(/record/issued:[^"]+)"', entry[0])[-1]
    earlier = re.search(r'href="(/record/issued:[^"]+)"', entry[1])
    assert earlier is not None
    return current, earlier.group(1)


# --- the record ------------------------------------------------------------------------


def test_marias_record_lists_the_fema_course_once_with_one_earlier(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "maria@demo.openler.org")
    page = client.get("/record")
    assert page.status_code == 200
    text = page.text
    assert text.count(f">{FEMA}</a></h3>") == 1
    fema = text.split(f">{FEMA}</a></h3>", 1)[1].split("</li>\n    \n", 1)[0]
    assert "1 earlier credential<" in fema and "expired" in fema
    headings = re.findall(r"<h2 id=\"[^\"]+\">([^<]+)</h2>", text)
    assert headings == ["Licences and certifications", "Training", "Self-reported"]
    assert "Ohio Board of Nursing" in text and "valid until" in text
    for link in ("/record/import", "/record/skills", "/record/export", "/record/self/new"):
        assert f'href="{link}"' in text, link
    # a credential of someone else is not in it
    assert "Welding Technology Certificate" not in text


def test_an_entry_page_puts_the_facts_before_the_checks(
    client: TestClient, demo_platform: Any
) -> None:
    rn = credential_id(demo_platform, "maria@demo.openler.org", "Registered Nurse")
    login(client, "maria@demo.openler.org")
    page = client.get(f"/record/issued:{quote(rn, safe='')}")
    assert page.status_code == 200
    text = page.text
    sentence = re.search(
        r"Registered Nurse, a licence from Ohio Board of Nursing, active, "
        r"valid until \d{4}-\d\d-\d\d\.",
        text,
    )
    assert sentence is not None
    checks = text.index("<h2>Checked just now</h2>")
    assert sentence.start() < text.index("Skills and occupations") < checks
    assert 'href="https://www.onetonline.org/link/summary/29-1141.00"' in text
    assert "O*NET-SOC 2019 29-1141.00" in text
    assert "How it is earned:</strong> Approved nursing program" in text
    # the checks are there, collapsed, after everything a person reads first
    assert "Verified: License" in text[checks:]
    assert f'href="/download/{quote(rn, safe="")}"' in text
    assert f'href="/shares?credential={quote(rn, safe="")}"' in text


def test_the_fema_entry_shows_its_history_and_the_earlier_one_opens(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "maria@demo.openler.org")
    current, earlier = fema_refs(client)
    page = client.get(current).text
    history = page.split("<h2>History</h2>", 1)[1].split("</ul>", 1)[0]
    assert f'href="{earlier}"' in history and "expired" in history
    assert page.index("<h2>History</h2>") < page.index("<h2>Checked just now</h2>")
    old = client.get(earlier)
    assert old.status_code == 200
    assert "This is an earlier credential" in old.text and f'href="{current}"' in old.text
    # its state said once: the reason opens with it
    assert '<dt>Status</dt><dd><strong class="state-expired">Expired on 20' in old.text


def test_a_credential_that_did_not_verify_never_looks_verified(
    client: TestClient, demo_platform: Any
) -> None:
    held = imported(demo_platform, "maria@demo.openler.org", verified=False)
    login(client, "maria@demo.openler.org")
    record = client.get("/record").text
    card = record.split(">Forklift Operator</a></h3>", 1)[1].split("</li>", 1)[0]
    assert "Imported" in card and "Not verified" in card
    assert "state-active" not in card
    entry = client.get(f"/record/held:{held}")
    assert entry.status_code == 200
    top = entry.text.split("<h2>Checked just now</h2>", 1)[0]
    assert "Forklift Operator, a badge from Elsewhere College, not verified." in top
    assert "Not verified.</strong> It did not verify when it was added" in top
    assert "state-active" not in top
    assert "Imported from a file" in top
    download = client.get(f"/record/held:{held}/download")
    assert download.status_code == 200 and download.json()["issuer"]["name"] == "Elsewhere College"


def transcript_with_parts(platform: Any, email: str) -> tuple[str, list[str]]:
    """A CLR ``email`` imported, kept with the two courses it bundled under it (as the
    import unpacks one): the transcript's row id and its parts'."""
    clr = imported(
        platform,
        email,
        verified=False,
        name="Nursing transcript 2024",
        types=("ClrCredential",),
        kind="Diploma",
    )
    parts = [
        imported(platform, email, verified=False, name=n, kind="Course", parent_id=clr)
        for n in ("Pharmacology", "Anatomy")
    ]
    return clr, parts


def test_the_parts_of_a_transcript_say_which_transcript_they_belong_to(
    client: TestClient, demo_platform: Any
) -> None:
    clr, (pharmacology, anatomy) = transcript_with_parts(demo_platform, "maria@demo.openler.org")
    login(client, "maria@demo.openler.org")
    part_of = f'Part of <a href="/record/held:{clr}">Nursing transcript 2024</a>'
    record = client.get("/record").text
    for name in ("Pharmacology", "Anatomy"):
        card = record.split(f">{name}</a></h3>", 1)[1].split("</li>", 1)[0]
        assert part_of in card, name
    transcript = record.split(">Nursing transcript 2024</a></h3>", 1)[1].split("</li>", 1)[0]
    assert "Part of" not in transcript
    entry = client.get(f"/record/held:{pharmacology}").text
    assert part_of in entry.split("<h2>", 1)[0]
    whole = client.get(f"/record/held:{clr}").text
    held = whole.split("<h2>What this transcript holds</h2>", 1)[1].split("</ul>", 1)[0]
    assert "2 credentials came bundled in it" in held
    assert held.index(f'href="/record/held:{anatomy}">Anatomy</a>') < held.index(
        f'href="/record/held:{pharmacology}">Pharmacology</a>'
    )
    assert "Part of" not in whole and "What this transcript holds" not in entry
    # anyone else sees neither the parts nor the transcript
    login(client, "james@demo.openler.org")
    assert client.get(f"/record/held:{clr}").status_code == 404
    assert "Nursing transcript 2024" not in client.get("/record").text


def test_the_old_addresses_lead_to_the_record(client: TestClient, demo_platform: Any) -> None:
    rn = credential_id(demo_platform, "maria@demo.openler.org", "Registered Nurse")
    held = imported(demo_platform, "maria@demo.openler.org", verified=True)
    login(client, "maria@demo.openler.org")
    wallet = client.get(f"/wallet/{rn}", follow_redirects=False)
    assert wallet.status_code == 303
    assert wallet.headers["location"] == f"/record/issued:{quote(rn, safe='')}"
    received = client.get(f"/received/{held}", follow_redirects=False)
    assert received.status_code == 303 and received.headers["location"] == f"/record/held:{held}"
    client.cookies.clear()
    login(client, "james@demo.openler.org")
    for path in (f"/wallet/{rn}", f"/received/{held}"):
        assert client.get(path, headers=HTML, follow_redirects=False).status_code == 404, path


def test_the_home_page_sums_the_record_up(client: TestClient, demo_platform: Any) -> None:
    login(client, "maria@demo.openler.org")
    home = client.get("/home").text
    assert f"Licences and certifications: 2 — {FEMA}, Registered Nurse" in home
    assert "Training: 1 — IV Therapy and Infusion Safety" in home
    assert 'href="/record">Open your record</a>' in home
    assert "Needs your attention" not in home
    client.cookies.clear()
    login(client, "kevin@demo.openler.org")  # the Board suspended his licence
    home = client.get("/home").text
    attention = home.split("Needs your attention", 1)[1].split("</ul>", 1)[0]
    assert "Registered Nurse</a>: Suspended on 20" in attention
    assert "Pending a Board investigation" in attention


def test_a_deep_link_to_an_entry_survives_sign_in(client: TestClient, demo_platform: Any) -> None:
    rn = credential_id(demo_platform, "maria@demo.openler.org", "Registered Nurse")
    path = f"/record/issued:{quote(rn, safe='')}"
    opened = client.get(path, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/login"
    signed_in = login(client, "maria@demo.openler.org")
    back = signed_in.headers["location"]
    assert back == f"/record/issued:{quote(rn, safe=':')}"
    assert "Registered Nurse, a licence" in client.get(back).text


# --- nobody else's ------------------------------------------------------------------------


def maria_addresses(platform: Any) -> dict[str, str]:
    rn = credential_id(platform, "maria@demo.openler.org", "Registered Nurse")
    held = imported(platform, "maria@demo.openler.org", verified=True)
    mine = written(platform, "maria@demo.openler.org")
    return {
        "issued": f"/record/issued:{quote(rn, safe='')}",
        "held": f"/record/held:{held}",
        "download": f"/record/held:{held}/download",
        "edit": f"/record/self/{mine}/edit",
        "api": f"/api/me/self-reported/{mine}",
        "id": mine,
    }


@pytest.mark.parametrize("who", ["james", "olivia"])
def test_another_person_cannot_open_or_change_marias_record(
    client: TestClient, demo_platform: Any, who: str
) -> None:
    paths = maria_addresses(demo_platform)
    login(client, f"{who}@demo.openler.org")
    token = csrf_of(client.get("/home").text)
    for name in ("issued", "held", "download", "edit"):
        response = client.get(paths[name], headers=HTML, follow_redirects=False)
        assert response.status_code == 404, name
        assert "Forklift" not in response.text and "Night-shift" not in response.text
    assert "Night-shift" not in client.get("/record").text
    assert client.get("/api/me/self-reported").json() == {"entries": []}
    delete = client.post(
        f"/record/self/{paths['id']}/delete",
        data={"csrf_token": token, "confirm": "yes"},
        headers=HTML,
        follow_redirects=False,
    )
    edit = client.post(
        paths["edit"],
        data={"csrf_token": token, "kind": "job", "title": "Taken over"},
        headers=HTML,
        follow_redirects=False,
    )
    assert (delete.status_code, edit.status_code) == (404, 404)
    headers = {"X-CSRF-Token": token}
    body = {"kind": "job", "title": "Taken over"}
    assert client.put(paths["api"], json=body, headers=headers).status_code == 404
    assert client.patch(paths["api"], json=body, headers=headers).status_code == 404
    assert client.delete(paths["api"], headers=headers).status_code == 404
    with demo_platform.db.session() as s:
        row = s.get(SelfReported, paths["id"])
        assert row is not None and row.title == "Night-shift charge nurse"
    # and the owner, the other way round, may
    client.cookies.clear()
    login(client, "maria@demo.openler.org")
    for name in ("issued", "held", "download", "edit"):
        assert client.get(paths[name]).status_code == 200, name
    listed = client.get("/api/me/self-reported").json()["entries"]
    assert [e["title"] for e in listed] == ["Night-shift charge nurse"]


def test_signed_out_visitors_are_sent_to_sign_in_and_the_api_refuses(
    client: TestClient, demo_platform: Any
) -> None:
    paths = maria_addresses(demo_platform)
    for name in ("issued", "held", "download", "edit"):
        response = client.get(paths[name], follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login", name
    assert client.get("/record", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/me/self-reported").status_code == 401
    assert client.delete(paths["api"]).status_code == 401
    body = {"kind": "job", "title": "x"}
    assert client.post("/api/me/self-reported", json=body).status_code == 401


# --- what a person writes themselves --------------------------------------------------


def test_adding_editing_and_deleting_a_self_reported_entry_from_the_pages(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "maria@demo.openler.org")
    form = client.get("/record/self/new")
    assert form.status_code == 200
    token = csrf_of(form.text)
    typed = {
        "csrf_token": token,
        "kind": "volunteering",
        "title": "",
        "organization": "Red Cross, Columbus chapter",
        "started": "2021-03",
        "ended": "2020-13",
        "description": "Blood drives, twice a month.",
    }
    refused = client.post("/record/self/new", data=typed)
    assert refused.status_code == 400
    assert "Please correct these 2 things" in refused.text
    assert "Give it a title" in refused.text and "There is no month 13" in refused.text
    # nothing typed is lost
    assert 'value="Red Cross, Columbus chapter"' in refused.text
    assert 'value="2021-03"' in refused.text and 'value="2020-13"' in refused.text
    assert "Blood drives, twice a month.</textarea>" in refused.text
    assert 'id="kind-volunteering" name="kind" value="volunteering" checked' in refused.text
    before = client.post("/record/self/new", data={**typed, "title": "Volunteer", "ended": "2020"})
    assert before.status_code == 400 and "The end cannot be before the start" in before.text

    added = client.post(
        "/record/self/new",
        data={**typed, "title": "Blood drive volunteer", "ended": ""},
        follow_redirects=False,
    )
    assert added.status_code == 303
    record = client.get(added.headers["location"]).text
    assert "Added to your record, marked self-reported." in record
    mine = record.split('<h2 id="self-reported">', 1)[1]
    card = mine.split("<h3>Blood drive volunteer</h3>", 1)[1].split("</li>", 1)[0]
    assert '<span class="marker">Self-reported</span> · Volunteering' in card
    assert "since 2021-03" in card
    entry_id = re.search(r'href="/record/self/([^/"]+)/edit"', card).group(1)  # type: ignore[union-attr]

    edited = client.post(
        f"/record/self/{entry_id}/edit",
        data={**typed, "title": "Blood drive lead volunteer", "ended": "2024-06-30"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    assert "2021-03 to 2024-06-30" in client.get("/record").text

    asked = client.post(f"/record/self/{entry_id}/delete", data={"csrf_token": token})
    assert asked.status_code == 200
    assert "Delete “Blood drive lead volunteer” from your record?" in asked.text
    assert "Blood drive lead volunteer" in client.get("/record").text  # nothing changed yet
    deleted = client.post(
        f"/record/self/{entry_id}/delete",
        data={"csrf_token": token, "confirm": "yes"},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert "Blood drive lead volunteer" not in client.get("/record").text

    with demo_platform.db.session() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.subject == f"self_reported:{entry_id}")
        ).all()
    assert [e.action for e in events] == [
        "self_reported.add",
        "self_reported.edit",
        "self_reported.delete",
    ]
    for event in events:
        assert event.data == {"kind": "volunteering"}  # never the words themselves


def test_the_self_reported_api(client: TestClient, demo_platform: Any) -> None:
    login(client, "maria@demo.openler.org")
    headers = {"X-CSRF-Token": csrf_of(client.get("/home").text)}
    refused = client.post(
        "/api/me/self-reported",
        json={"kind": "hobby", "title": " ", "started": "2019-02-30"},
        headers=headers,
    )
    assert refused.status_code == 400
    assert [p["field"] for p in refused.json()["problems"]] == ["kind", "title", "started"]
    made = client.post(
        "/api/me/self-reported",
        json={"kind": "skill", "title": "Spanish (fluent)", "started": "2010"},
        headers=headers,
    )
    assert made.status_code == 201
    entry = made.json()
    assert entry["selfReported"] is True and entry["kind"] == "skill"
    path = f"/api/me/self-reported/{entry['id']}"
    patched = client.patch(path, json={"ended": None, "organization": "Home"}, headers=headers)
    assert patched.status_code == 200
    assert (patched.json()["title"], patched.json()["organization"]) == ("Spanish (fluent)", "Home")
    replaced = client.put(
        path, json={"kind": "learning", "title": "Sign language"}, headers=headers
    )
    assert replaced.status_code == 200
    assert replaced.json()["organization"] is None and replaced.json()["started"] is None
    bad = client.patch(path, json={"ended": "2009"}, headers={**headers})
    assert bad.status_code == 200  # no start any more: any end will do
    bad = client.patch(path, json={"started": "2010"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["problems"][0]["field"] == "ended"
    listed = client.get("/api/me/self-reported").json()["entries"]
    assert [e["title"] for e in listed] == ["Sign language"]
    assert client.delete(path, headers=headers).status_code == 204
    assert client.get("/api/me/self-reported").json() == {"entries": []}
    assert client.delete(path, headers=headers).status_code == 404
