"""What a new user's tryout of the verifier's pages found (issue 13), fixed: the verifier's
home opens with their work (requests waiting and answered, open incidents, rosters, saved
verifications, four ways in) and an empty record in one line; the administrators' homes
lead with their own work, in words; the verifier's page has one name, and every page under
it leads back by it; places are named, kinds of credential said in words; a state is said
once; an answered request says when it was answered; the learner's errors start with a
capital; the pages' text is all marked for translation."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from gettext import NullTranslations
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from openler.services.errors import Forbidden
from openler.services.issuers import orgs
from openler.services.people import accounts, workspaces
from openler.services.verifiers import incidents, requests
from openler.services.verifiers.incidents import RoleInput
from openler.store.models import PresentationRequest
from openler.web import i18n
from tests.services.incident_world import check_in, holder, issue_to, ohio_verifier, principal
from tests.web.conftest import csrf_of, login
from tests.web.test_request_pages import license_id
from tests.web.test_verification_roster_pages import finished, roster_zip, upload
from tests.web.test_verify_pages import given, sealed_of

HOME_OF = "/verifier/piedmont-hospital"
ONE_NAME = "Verifying for Piedmont Regional Hospital"
HTML = {"Accept": "text/html"}


def as_(client: TestClient, who: str) -> str:
    client.cookies.clear()
    login(client, f"{who}@demo.openler.org")
    return csrf_of(client.get("/home").text)


def main_of(page: str) -> str:
    return page.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main_of(page)))).strip()


def ask(client: TestClient, token: str, reason: str) -> str:
    made = client.post(
        f"{HOME_OF}/requests",
        data={"csrf_token": token, "reason": reason, "hours": "2"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    return str(made.headers["location"])


def link_of(client: TestClient, detail: str) -> str:
    found = re.search(
        r'id="link" type="text" readonly value="http://127.0.0.1:8000(/requests/[^"]+)"',
        client.get(detail).text,
    )
    assert found is not None
    return found.group(1)


def open_florida_incident(platform: Any) -> str:
    """Piedmont's incident with two roles: an RN licence recognised in Florida, and any
    RN licence; the Ohio board's licence is recognised in North Carolina, not in Florida."""
    with platform.db.session() as s:
        sam = principal(s, "hr@demo.openler.org")
        incident = incidents.open_incident(
            s,
            platform,
            sam,
            organization_slug="piedmont-hospital",
            name="Hurricane shelter",
            roles=[
                RoleInput("RN Florida", "License", "Registered Nurse", (), "US-FL, US-GA"),
                RoleInput("RN", "License", "Registered Nurse"),
            ],
        )
        s.flush()
        return incidents.checkin_token(platform, incident)


@pytest.fixture
def busy(client: TestClient, demo_platform: Any) -> dict[str, str]:
    """Sam Patel's work for Piedmont Regional Hospital: two requests waiting, one answered
    by Maria, one expired unanswered; an open incident where one responder was verified
    for a role and refused for another, and another refused for every role; a roster
    checked; a verification saved."""
    token = as_(client, "hr")
    answered = ask(client, token, "Your RN license, for the ICU post")
    expired = ask(client, token, "Your CPR card")
    waiting = [ask(client, token, "Your BLS card"), ask(client, token, "Your IV therapy training")]
    link = link_of(client, answered)
    maria = as_(client, "maria")
    sent = client.post(
        link,
        data={"csrf_token": maria, "credentials": [license_id(demo_platform)], "consent": "yes"},
    )
    assert sent.status_code == 200
    with demo_platform.db.session() as s:
        row = s.get(PresentationRequest, expired.rsplit("/", 1)[1])
        assert row is not None
        row.expires_at = demo_platform.now() - timedelta(hours=1)

    checkin = open_florida_incident(demo_platform)
    nurse, trainee = holder(1), holder(2)
    with demo_platform.db.session() as s:
        licence = issue_to(s, demo_platform, "registered-nurse", nurse, 1).document
        training = issue_to(s, demo_platform, "iv-therapy", trainee, 2).document
    # each kept on the roster, verified for a role or not (a wallet hears 400 when refused)
    assert check_in(demo_platform, checkin, [licence], nurse).status == 200
    assert check_in(demo_platform, checkin, [training], trainee).status == 400

    token = as_(client, "hr")
    roster = upload(client, token, roster_zip(demo_platform))
    assert roster.status_code == 303
    finished(client, demo_platform, roster.headers["location"])
    shown = client.post("/verify", data={"csrf_token": token}, **given("json", demo_platform))
    saved = client.post(
        "/verify/save",
        data={"csrf_token": token, "result": sealed_of(shown), "organization": "piedmont-hospital"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    return {
        "answered": answered,
        "expired": expired,
        "waiting": waiting[-1],
        "roster": roster.headers["location"],
        "saved": saved.headers["location"],
        "checkin": checkin,
    }


# --- 1. the verifier's home leads with the verifier's work --------------------------------


def test_the_verifiers_home_opens_with_their_work(client: TestClient, busy: dict[str, str]) -> None:
    as_(client, "hr")
    page = client.get("/home").text
    main, text = main_of(page), text_of(page)
    assert f'<h2 id="verifying-piedmont-hospital">{ONE_NAME}</h2>' in main
    # four ways in, first
    for name, address in [
        ("Verify a credential", "/verify"),
        ("Ask for credentials", f"{HOME_OF}#ask"),
        ("Check a roster", f"{HOME_OF}/rosters"),
        ("Open an incident", f"{HOME_OF}/incidents/new"),
    ]:
        assert re.search(rf'<a class="button[^"]*" href="{re.escape(address)}">{name}</a>', main)
    # what waits, what was asked; the expired and the answered are not waiting
    assert "2 requests are waiting for an answer." in text
    assert f'href="{busy["waiting"]}">Your IV therapy training</a>' in main
    assert "Your BLS card" in text and "Your CPR card" not in text
    # who answered, and when
    answered = re.search(
        r"Your RN license, for the ICU post</a> — answered by Maria Alvarez on "
        r'<span class="nowrap">\d{4}-\d\d-\d\d \d\d:\d\d</span> UTC',
        main,
    )
    assert answered is not None
    # the open incident, its responders counted (one verified and refused, for two roles)
    assert re.search(
        r'href="/verifier/piedmont-hospital/incidents/[^"]+">Hurricane shelter</a>: '
        r"2 responders checked in — 1 verified, 2 refused",
        main,
    )
    # the roster's verdicts in words, linked
    assert f'href="{busy["roster"]}">licences.zip</a>: ' in main
    assert re.search(r"licences\.zip : \d+ of \d+ verified and active; ", text), text
    # the saved verification
    assert f'href="{busy["saved"]}">' in main and "saved by Sam Patel" in text
    # the work before the record, which is one line
    assert main.index("Waiting for an answer") < main.index("Your own record is empty.")
    assert 'id="record">Your own record is empty. <a href="/record">Open your record</a>' in main
    assert '<h2 id="record">' not in main and "Import credentials" not in main
    # nothing asks them to verify what "someone gave" them apart from their work
    assert "Verify a credential someone gave you" not in main


def test_a_verifier_with_nothing_yet_is_told_so(client: TestClient) -> None:
    as_(client, "hr")
    text = text_of(client.get("/home").text)
    assert "No request is waiting for an answer." in text
    assert "Answered recently" not in text and "Open incidents" not in text


def test_the_summary_is_its_verifiers_only(
    client: TestClient, demo_platform: Any, busy: dict[str, str]
) -> None:
    with demo_platform.db.session() as s:
        piedmont = orgs.organization_by_slug(s, "piedmont-hospital")
        sam = principal(s, "hr@demo.openler.org")
        summary = workspaces.verifier_summary(s, demo_platform, sam, piedmont)
        assert summary.requests.waiting == 2 and len(summary.requests.answered) == 1
        assert [(i.responders, i.verified, i.refused) for i in summary.incidents] == [(2, 1, 2)]
        for who in ("maria@demo.openler.org", "olivia@demo.openler.org"):
            with pytest.raises(Forbidden):
                workspaces.verifier_summary(s, demo_platform, principal(s, who), piedmont)
        # a verifier of another organization: their own summary, empty, and none of this
        omar = accounts.principal_for(s, ohio_verifier(s, demo_platform))
        with pytest.raises(Forbidden):
            workspaces.verifier_summary(s, demo_platform, omar, piedmont)
        found = workspaces.of(s, demo_platform, omar).verifying
        assert [v.organization.slug for v in found] == ["ohio-nursing"]
        assert found[0].requests.waiting == 0 and not found[0].incidents and not found[0].saved


def test_the_summary_costs_the_same_for_many_requests(
    client: TestClient, demo_platform: Any
) -> None:
    def statements(extra: int) -> int:
        with demo_platform.db.session() as s:
            sam = principal(s, "hr@demo.openler.org")
            for n in range(extra):
                requests.create_request(
                    s,
                    demo_platform,
                    sam,
                    organization_slug="piedmont-hospital",
                    query=requests.request_query(f"Licence {n}"),
                )
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(str(args[2]))

        engine = demo_platform.db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            with demo_platform.db.session() as s:
                sam = principal(s, "hr@demo.openler.org")
                piedmont = orgs.organization_by_slug(s, "piedmont-hospital")
                summary = workspaces.verifier_summary(s, demo_platform, sam, piedmont)
                assert len(summary.requests.newest_waiting) == min(3, summary.requests.waiting)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    few = statements(2)
    assert statements(40) == few


# --- the administrators' homes lead with their own work, in words ---------------------------


@pytest.mark.parametrize(
    ("who", "work"), [("renee", "Trust registry"), ("admin", "Organizations on this platform")]
)
def test_administrators_read_their_work_first_in_words(
    client: TestClient, who: str, work: str
) -> None:
    as_(client, who)
    main = main_of(client.get("/home").text)
    assert main.index(work) < main.index("Verify a credential someone gave you")
    assert "registry_authority" not in main and "US-NC" not in main
    assert "<td>North Carolina</td>" in main and "<td>United States</td>" in main
    if who == "admin":
        assert "North Carolina LER Office</a> (registry authority, North Carolina)" in main
        assert "Piedmont Regional Hospital</a> (employer, North Carolina)" in main


# --- 2. one name for the verifier's page -----------------------------------------------------


def test_the_verifiers_page_has_one_name_and_every_page_leads_back_by_it(
    client: TestClient, busy: dict[str, str]
) -> None:
    as_(client, "hr")
    page = client.get(HOME_OF).text
    assert f"<title>{ONE_NAME}" in page and f"<h1>{ONE_NAME}</h1>" in page
    back = f'<a href="{HOME_OF}">{ONE_NAME}</a>'
    incident = re.search(
        r'href="(/verifier/piedmont-hospital/incidents/[0-9a-f-]{36})"', client.get("/home").text
    )
    assert incident is not None
    under = [
        busy["answered"],
        busy["waiting"],
        f"{HOME_OF}/rosters",
        busy["roster"],
        f"{HOME_OF}/incidents",
        f"{HOME_OF}/incidents/new",
        incident.group(1),
        busy["saved"],
        f"{HOME_OF}/exchanges/new",
    ]
    for address in under:
        shown = client.get(address).text
        assert back in main_of(shown).split("<h1", 1)[0], address
    for old in (
        "Ask for credentials —",
        "Requests of",
        "— verifying",
        "Ask someone for credentials",
    ):
        for address in ["/home", HOME_OF, *under]:
            assert old not in client.get(address).text, (old, address)
    # a page two steps down names the one between
    roster = main_of(client.get(busy["roster"]).text)
    assert f'{back} › <a href="{HOME_OF}/rosters">Check many credentials at once</a>' in roster


# --- 3. places by name; 4. kinds of credential in words -------------------------------------


def test_places_and_kinds_are_said_in_words(
    client: TestClient, demo_platform: Any, busy: dict[str, str]
) -> None:
    as_(client, "hr")
    listed = client.get(f"{HOME_OF}/incidents").text
    address = re.search(r'href="(/verifier/piedmont-hospital/incidents/[0-9a-f-]{36})"', listed)
    assert address is not None
    roster = main_of(client.get(address.group(1)).text)
    assert "Licence · named Registered Nurse · recognised in Florida, Georgia" in roster
    assert "US-FL" not in roster and "US-GA" not in roster and ">License" not in roster
    assert "Ohio Board of Nursing is not recognised in Florida, Georgia for this credential" in (
        html.unescape(roster)
    )
    for form in (HOME_OF, f"{HOME_OF}/incidents/new"):
        page = client.get(form).text
        assert '<option value="GeneralEducationDevelopment">GED</option>' in page
        assert re.search(r'<option value="License"( selected)?>Licence</option>', page)
        assert ">GeneralEducationDevelopment<" not in page
    assert "Ohio Board of Nursing (Ohio)</option>" in client.get(f"{HOME_OF}/incidents/new").text
    # the responder's page too
    client.cookies.clear()
    checkin = client.get(f"/checkin/{busy['checkin']}").text
    assert (
        "<strong>RN Florida</strong>: Licence · named Registered Nurse · recognised in Florida"
        in (checkin)
    )


# --- 5. a state is said once -----------------------------------------------------------------


def test_a_state_whose_reason_opens_with_it_is_said_once(
    client: TestClient, busy: dict[str, str]
) -> None:
    as_(client, "kevin")
    home = main_of(client.get("/home").text)
    assert re.search(
        r"Registered Nurse</a>: Suspended on \d{4}-\d\d-\d\d by Ohio Board of Nursing: Pending",
        home,
    )
    assert "suspended: suspended" not in home.lower()
    checkin = main_of(client.get(f"/checkin/{busy['checkin']}").text)
    assert re.search(
        r'<strong class="state-suspended">Suspended on \d{4}-\d\d-\d\d by Ohio Board of Nursing: '
        r"Pending a Board investigation",
        checkin,
    )
    assert "suspended: suspended" not in checkin.lower()
    entry = main_of(client.get("/record").text)
    assert "suspended — suspended" not in entry.lower() and "Suspended on " in entry


# --- 6. a request says when it was answered, or expired; errors are sentences ---------------


def test_a_request_says_when_it_was_answered_or_expired(
    client: TestClient, busy: dict[str, str]
) -> None:
    as_(client, "hr")
    answered = text_of(client.get(busy["answered"]).text)
    assert re.search(r"answered · answered on \d{4}-\d\d-\d\d \d\d:\d\d UTC", answered)
    assert "open until" not in answered
    expired = text_of(client.get(busy["expired"]).text)
    assert re.search(r"expired · expired on \d{4}-\d\d-\d\d \d\d:\d\d UTC", expired)
    assert "open until" not in expired and "The request expired unanswered." in expired
    waiting = text_of(client.get(busy["waiting"]).text)
    assert re.search(r"waiting · open until \d{4}-\d\d-\d\d \d\d:\d\d UTC", waiting)
    listed = text_of(client.get(HOME_OF).text)
    assert "Your CPR card" in listed and "expired unanswered" in listed
    assert "waiting until " in listed


def test_the_learners_errors_start_with_a_capital(client: TestClient, demo_platform: Any) -> None:
    token = as_(client, "hr")
    link = link_of(client, ask(client, token, "Your RN license"))
    token = as_(client, "maria")
    nothing = client.post(link, data={"csrf_token": token, "consent": "yes"})
    assert nothing.status_code == 400
    assert '<p class="error" role="alert">Choose at least one credential</p>' in nothing.text
    token = as_(client, "hr")
    empty = client.post(f"{HOME_OF}/requests", data={"csrf_token": token, "reason": " "})
    assert '<p class="error" role="alert">Say what you ask for and why' in empty.text


# --- 7. every text of the verifier's pages is marked for translation -------------------------


class Marked(NullTranslations):
    """A language that shows each message it translates between ⟪ and ⟫: text outside
    them on a page was not marked."""

    def gettext(self, message: str) -> str:
        return f"⟪{message}⟫"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟪{singular if n == 1 else plural}⟫"


@pytest.fixture
def marked(monkeypatch: pytest.MonkeyPatch) -> None:
    every = {**i18n.catalogues(), "xx": Marked()}
    monkeypatch.setattr(i18n, "catalogues", lambda: every)


def unmarked(page: str, data: list[str]) -> list[str]:
    """The words of ``page``'s main part outside marked text, once ``data`` (names, what
    people typed) is taken out."""
    text = text_of(page)
    while "⟪" in text:  # marked text may hold marked text, innermost first
        text = re.sub(r"⟪[^⟪⟫]*⟫", " ", text)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    text = re.sub(r"did:[a-z]+:[A-Za-z0-9.%:_-]+", " ", text)
    return re.findall(r"[A-Za-z][A-Za-z']+", re.sub(r"\b(UTC|[0-9a-f-]{8,})\b", " ", text))


def test_the_verifiers_pages_are_marked_for_translation(
    client: TestClient, busy: dict[str, str], marked: None
) -> None:
    as_(client, "hr")
    people = ["Piedmont Regional Hospital", "Sam Patel", "Maria Alvarez", "Hurricane shelter"]
    asked = ["Your RN license, for the ICU post", "Your CPR card", "Your BLS card"]
    asked += ["Your IV therapy training", "licences.zip", "maria@demo.openler.org"]
    xx = {"Accept-Language": "xx"}
    home = client.get("/home", headers=xx)
    assert home.headers["content-language"] == "xx"
    saved_title = re.search(rf'href="{busy["saved"]}">⟪(.*?)⟫', home.text)
    assert saved_title is not None
    assert unmarked(home.text, [*people, *asked]) == []
    assert unmarked(client.get(HOME_OF, headers=xx).text, [*people, *asked]) == []
    for address in (busy["waiting"], busy["expired"]):
        assert unmarked(client.get(address, headers=xx).text, [*people, *asked]) == [], address
    # the answer, up to its checks (which say what the verifier read, in English)
    answer = client.get(busy["answered"], headers=xx).text.split('<details class="checks">')[0]
    named = ["Ohio Board of Nursing", "Registered Nurses", "O*NET-SOC", "ESCO"]
    named += ["plan nursing care", "infection control"]  # the skills it is aligned to
    assert unmarked(answer, [*people, *asked, *named]) == []
    incident = re.search(r'href="(/verifier/[^"]+/incidents/[0-9a-f-]{36})"', home.text)
    assert incident is not None
    pages = [f"{HOME_OF}/incidents", incident.group(1), f"{HOME_OF}/rosters", busy["saved"]]
    named += ["RN Florida", "RN", "Registered Nurse", "IV Therapy and Infusion Safety"]
    for address in pages:
        page = client.get(address, headers=xx).text.split('<details class="checks">')[0]
        assert unmarked(page, [*people, *asked, *named]) == [], address
