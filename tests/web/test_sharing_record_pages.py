"""The sharing pages of the learner's record: the whole record or a selection, a view limit,
the QR code shown once with the link, a share's page with who opened it (its owner only),
and an answer page that lists a suspended credential as such and refuses it when posted."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from openler.services.issuers import issuing
from openler.web.wallet_pages import NEW_SHARE_COOKIE
from tests.conftest import SETUP
from tests.web.conftest import csrf_of, login
from tests.web.test_portal_pages import credential_id
from tests.web.test_request_pages import as_, create_request, license_id


def make_share(client: TestClient, **fields: str) -> str:
    """Maria makes a share on /shares; the share link, read from the page it shows once."""
    token = as_(client, "maria")
    made = client.post(
        "/shares",
        data={
            "csrf_token": token,
            "audience": "Piedmont Regional Hospital",
            "purpose": "RN position",
            "days": "30",
            "consent": "yes",
            **fields,
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    page = client.get("/shares").text
    link = re.search(
        r'id="link" type="text" readonly value="http://127.0.0.1:8000(/s/[^"]+)"', page
    )
    assert link is not None
    assert 'alt="QR code of the share link"' in page and "data:image/svg+xml" in page
    audience = fields.get("audience", "Piedmont Regional Hospital")
    assert f"Send this link to {audience}, or let them scan the QR code." in page
    # a button to copy it, shown by its script (the link stays selectable without it)
    assert (
        '<p class="copy-link" hidden><button type="button" class="secondary" data-copy="link"'
        in page
    )
    assert '<script src="/static/copy-link.js" defer></script>' in page
    again = client.get("/shares").text
    assert link.group(1) not in again and "QR code of the share link" not in again  # once
    return link.group(1)


def share_id_of(client: TestClient) -> str:
    found = re.search(r'href="/shares/([0-9a-f]+)"', client.get("/shares").text)
    assert found is not None
    return found.group(1)


def test_share_the_whole_record_with_a_view_limit(client: TestClient, demo_platform: Any) -> None:
    login(client, "maria@demo.openler.org")
    form = client.get("/shares").text
    assert "My whole record" in form and "Registered Nurse" in form
    link = make_share(client, what="whole", views="2")
    client.cookies.clear()
    for _ in range(2):  # two browsers (a browser reading it again is not another opening)
        client.cookies.clear()
        opened = client.get(link)
        assert opened.status_code == 200 and "IV Therapy and Infusion Safety" in opened.text
    client.cookies.clear()
    refused = client.get(link)
    assert refused.status_code == 410 and "may be opened 2 times" in refused.text
    login(client, "maria@demo.openler.org")
    listing = client.get("/shares").text
    assert "used 2 of 2 views" in listing and "used up" in listing
    detail = client.get(f"/shares/{share_id_of(client)}").text
    assert detail.count("someone not signed in") == 2
    assert "Your whole record as it was on" in detail


def test_a_selection_and_bad_input_keeps_what_was_typed(
    client: TestClient, demo_platform: Any
) -> None:
    rn = license_id(demo_platform)
    token = as_(client, "maria")
    bad = client.post(
        "/shares",
        data={
            "csrf_token": token,
            "what": "selection",
            "credentials": [rn],
            "audience": "Piedmont Regional Hospital",
            "purpose": "RN position",
            "days": "30",
            "views": "lots",
            "consent": "yes",
        },
    )
    assert bad.status_code == 400 and "view limit must be a whole number" in bad.text
    assert 'value="Piedmont Regional Hospital"' in bad.text and 'value="lots"' in bad.text
    none = client.post(
        "/shares",
        data={
            "csrf_token": token,
            "what": "selection",
            "audience": "A",
            "purpose": "B",
            "days": "30",
            "consent": "yes",
        },
    )
    assert none.status_code == 400 and "Choose at least one credential" in none.text
    link = make_share(client, what="selection", credentials=rn)
    client.cookies.clear()
    shown = client.get(link).text
    assert "Registered Nurse" in shown and "IV Therapy and Infusion Safety" not in shown


def test_a_share_page_is_its_owners_alone(client: TestClient, demo_platform: Any) -> None:
    make_share(client, what="whole")
    share_id = share_id_of(client)
    assert client.get(f"/shares/{share_id}").status_code == 200
    james = as_(client, "james")
    assert client.get(f"/shares/{share_id}").status_code == 404
    withdraw = client.post(
        f"/shares/{share_id}/withdraw", data={"csrf_token": james, "confirm": "yes"}
    )
    assert withdraw.status_code == 404
    assert share_id not in client.get("/shares").text
    client.cookies.clear()
    assert client.get(f"/shares/{share_id}", follow_redirects=False).status_code in (302, 303)
    login(client, "maria@demo.openler.org")
    assert "withdrawn" not in client.get(f"/shares/{share_id}").text  # nothing changed
    # and the other way: Maria cannot open James's share's page
    make_james = as_(client, "james")
    made = client.post(
        "/shares",
        data={
            "csrf_token": make_james,
            "what": "whole",
            "audience": "A",
            "purpose": "B",
            "days": "3",
            "consent": "yes",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    james_share = share_id_of(client)
    as_(client, "maria")
    assert client.get(f"/shares/{james_share}").status_code == 404


def test_an_answer_page_does_not_offer_a_suspended_credential(
    client: TestClient, demo_platform: Any
) -> None:
    _detail, link = create_request(client)
    rn = license_id(demo_platform)
    with demo_platform.db.session() as s:
        issuing.set_status(s, demo_platform, SETUP, rn, action="suspend", reason="Under review")
    as_(client, "maria")
    form = client.get(link).text
    assert "Who asks" in form and "Piedmont Regional Hospital" in form
    assert "Your RN license, for the ICU post" in form
    assert f'value="{rn}"' not in form  # not selectable
    # listed within what was asked, with why it cannot go, not in a box apart
    asked = form.split("<legend>", 1)[1].split("</fieldset>", 1)[0]
    assert asked.startswith("Your credentials for “Your RN license, for the ICU post”</legend>")
    held = re.search(
        r"<li>Registered Nurse <span class=\"small\">from Ohio Board of Nursing</span>: "
        r"you hold it, but it cannot answer the request: "
        r"<strong class=\"state-suspended\">Suspended on [^<]*Under review</strong></li>",
        asked,
    )
    assert held is not None, asked
    assert "Not offered" not in form
    posted = client.post(
        link, data={"csrf_token": csrf_of(form), "credentials": [rn], "consent": "yes"}
    )
    assert posted.status_code == 400 and "Registered Nurse cannot be sent: suspended" in posted.text


def test_a_new_link_names_only_the_audience_of_ones_own_share(
    client: TestClient, demo_platform: Any
) -> None:
    """The words for a new link name the audience of the share it opens — the person's own
    only: a token of someone else's share (or of none) gets the plain words, never another
    person's audience."""
    as_(client, "james")
    welding = credential_id(
        demo_platform, "james@demo.openler.org", "Welding Technology Certificate"
    )
    body = {"credentials": [welding], "audience": "Capital Welding Shop", "purpose": "a job"}
    james = client.post("/api/me/shares", json=body)
    assert james.status_code == 201, james.text
    james_token = james.json()["link"].rsplit("/s/", 1)[1]
    make_share(
        client, audience="Mercy Hospital", what="whole"
    )  # Maria's: her words name her audience
    fallback = "Send this link to the person or organization you are sharing with, or"
    for token in ("not-a-token", james_token):
        client.cookies.set(NEW_SHARE_COOKIE, token, domain="127.0.0.1", path="/shares")
        page = client.get("/shares").text
        assert fallback in page and "Capital Welding Shop" not in page
