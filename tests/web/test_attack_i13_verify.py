"""Attack pass on what verifiers read (issue 13): the answer that opens every verification,
the public verify page, verification rosters. A hostile holder must not make an answer
say anything false as fact, nor put markup into the page, in any language."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given as drawn
from hypothesis import strategies as st
from markupsafe import escape

from openler.services.people.accounts import Principal
from openler.services.verifiers.verdicts import Judge
from openler.vc import Multikey, build_presentation, sign_credential, sign_presentation
from tests.hostile import fuzz_settings
from tests.web.test_api import maria_credential
from tests.web.test_request_pages import as_, create_request, license_id
from tests.web.test_verify_pages import headline, licence_jwt, main_of, open_client

EVE = Multikey.from_seed(bytes([66]) * 32)
__all__ = ["open_client"]  # the fixture, shared with the verify page's tests
MARKUP = '<img src=x onerror=alert(1)><a href="https://evil.example">'


def issuer_id(platform: Any) -> str:
    issuer = maria_credential(platform)["issuer"]
    return str(issuer["id"] if isinstance(issuer, dict) else issuer)


def eve_presents(platform: Any, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` in a presentation Eve signed (for no challenge of this verifier's)."""
    return sign_presentation(
        build_presentation([document], holder=EVE.controller),
        EVE,
        challenge="any",
        created=platform.now(),
    )


def envelope_presentation(
    platform: Any, *, holder: str | None = EVE.controller, issuer: str | None = None
) -> str:
    """Eve's presentation of a real credential of the Ohio board (Maria's licence as a JWT)
    in an ``EnvelopedVerifiableCredential`` that is also typed a ``VerifiableCredential``,
    so that it may carry words of its own: another credential's name, Eve's name as its
    subject, the board as its issuer. Signed by Eve's own key."""
    envelope = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": ["VerifiableCredential", "EnvelopedVerifiableCredential"],
        "id": "data:application/vc+jwt," + licence_jwt(platform),
        "name": "Nurse Practitioner",
        "issuer": {"id": issuer or issuer_id(platform), "name": "Ohio Board of Nursing"},
        "credentialSubject": {"id": EVE.controller, "name": "Eve Forger"},
    }
    unsigned = build_presentation([envelope], holder=EVE.controller)
    if holder is None:
        del unsigned["holder"]
    presentation = sign_presentation(
        unsigned,
        EVE,
        challenge="any",
        created=platform.now(),
    )
    return json.dumps(presentation)


@pytest.mark.parametrize("holder", [EVE.controller, None], ids=["eve-holds", "no-holder"])
def test_an_envelope_does_not_lend_its_own_words_to_the_credential_inside(
    client: TestClient, demo_platform: Any, holder: str | None
) -> None:
    """The verifier verifies the JWT inside an envelope; the answer must say what that JWT
    says, not what the envelope around it claims (another credential, another holder)."""
    page = main_of(
        client.post(
            "/verify", data={"document": envelope_presentation(demo_platform, holder=holder)}
        )
    )
    said = headline(page)
    assert "Eve Forger" not in page and "Nurse Practitioner" not in page, said
    assert "Eve Forger signed what they shared" not in page
    assert said.startswith("Maria Alvarez holds Registered Nurse") or "Registered Nurse" in said


def test_a_roster_reads_an_envelope_as_the_verifier_does(demo_platform: Any) -> None:
    with demo_platform.db.session() as s:
        judge = Judge(s, demo_platform, Principal.system("roster test"))
        verdict = judge.file(envelope_presentation(demo_platform).encode(), "eve.json")
    assert verdict.holder != "Eve Forger", verdict
    assert verdict.credential == "Registered Nurse", verdict


def test_a_roster_does_not_name_a_forged_issuer_by_the_registry(demo_platform: Any) -> None:
    """An unsigned copy naming the Ohio board is not "Ohio Board of Nursing" in the roster's
    issuer column: that name is the registry's, for a signature that verified."""
    document = maria_credential(demo_platform)
    document.pop("proof")
    document["issuer"]["name"] = "Board of Everything"
    with demo_platform.db.session() as s:
        judge = Judge(s, demo_platform, Principal.system("roster test"))
        verdict = judge.file(json.dumps(document).encode(), "unsigned.json")
    assert not verdict.verified
    assert verdict.issuer == "Board of Everything" and verdict.issuer_claimed


FORGER = Multikey.from_seed(bytes([98]) * 32)


def self_signed(platform: Any, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` issued by a key of its own (not in the trust registry): its signature
    verifies, so what it states is shown — as what an unknown issuer says."""
    unsigned = {k: v for k, v in document.items() if k not in ("proof", "credentialStatus")}
    unsigned["issuer"] = {**unsigned["issuer"], "id": FORGER.controller}
    return sign_credential(unsigned, FORGER, created=platform.now())


def _identity(kind: str, value: str = "V-1") -> dict[str, Any]:
    return {"type": "IdentityObject", "hashed": False, "identityHash": value, "identityType": kind}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    "kind", [f"ext:{MARKUP}"[:64], "ext:%(x)s", "ext:%d <b>b</b>", "ext:badgeNumber"]
)
def test_an_identifier_label_is_data_not_markup(
    client: TestClient, demo_platform: Any, language: str, kind: str
) -> None:
    """An ``ext:`` identity type is the issuer's own words: shown escaped, never as a
    message to translate (which the page trusts as markup and fills as a format)."""
    document = maria_credential(demo_platform)
    document["credentialSubject"]["identifier"] = [_identity(kind)]
    document = self_signed(demo_platform, document)  # shown: its signature is its issuer's
    answer = client.post(
        "/verify", data={"document": json.dumps(document)}, headers={"Accept-Language": language}
    )
    assert answer.status_code == 200, answer.text[:300]
    assert "<img src=x" not in answer.text and "<b>b</b>" not in answer.text
    assert 'href="https://evil.example"' not in answer.text
    label = str(escape(kind.removeprefix("ext:")))
    assert f"<dt>{label[:1].upper()}{label[1:]}</dt><dd>V-1</dd>" in answer.text


HOSTILE = st.sampled_from(
    [
        MARKUP,
        "<script>alert(1)</script>",
        "%(holder)s %s %d {0}",
        "\u202e<b>x</b>",
        "Ohio Board of Nursing — in the trust registry",
        "x" * 3000,
    ]
)
#: where a hostile holder writes in a credential, and what the answer may show of it
PLACES = [
    ("credentialSubject", "name"),
    ("credentialSubject", "licenseNumber"),
    ("credentialSubject", "identifier", 0, "identityType"),
    ("credentialSubject", "identifier", 0, "identityHash"),
    ("credentialSubject", "achievement", "name"),
    ("credentialSubject", "achievement", "achievementType"),
    ("credentialSubject", "achievement", "alignment", 0, "targetName"),
    ("credentialSubject", "achievement", "alignment", 0, "targetFramework"),
    ("credentialSubject", "achievement", "alignment", 0, "targetCode"),
    ("credentialSubject", "achievement", "alignment", 0, "targetUrl"),
    ("issuer", "name"),
    ("name",),
    ("validUntil",),
]


def _set(document: dict[str, Any], path: tuple[Any, ...], value: str) -> None:
    if path[-1] == "identityType":
        value = f"ext:{value}"  # an issuer's own kind of identifier, shown by its name
    node: Any = document
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


@fuzz_settings(40)
@drawn(
    places=st.lists(st.sampled_from(PLACES), min_size=1, max_size=4, unique=True),
    text=HOSTILE,
    language=st.sampled_from(["en", "es"]),
    presented=st.booleans(),
    signed=st.booleans(),
)
def test_hostile_words_anywhere_in_a_credential_stay_words(
    open_client: TestClient,
    demo_platform: Any,
    places: list[tuple[Any, ...]],
    text: str,
    language: str,
    presented: bool,
    signed: bool,
) -> None:
    """Whatever a holder writes in a credential, on its own or presented, the verify page
    escapes it and does not call the altered credential good or its issuer registered."""
    document = copy.deepcopy(maria_credential(demo_platform))
    document["credentialSubject"]["identifier"] = [_identity("studentId")]
    for place in places:
        _set(document, place, text)
    if signed and ("validUntil",) not in places:
        document = self_signed(demo_platform, document)
    sent: Any = document
    if presented:
        sent = eve_presents(demo_platform, document)
    answer = open_client.post(
        "/verify", data={"document": json.dumps(sent)}, headers={"Accept-Language": language}
    )
    assert answer.status_code == 200, answer.text[:300]
    body = answer.text
    assert "<img src=x" not in body and "<script>alert" not in body and "<b>x</b>" not in body
    assert 'class="answer answer-good"' not in body
    found = re.findall(r"<dt>[^<]*</dt><dd><span class=\"id\">[^<]*</span> — ([^<]*)</dd>", body)
    assert all("trust registry" not in f or "not in the trust" in f for f in found), found


def test_a_copied_presentation_does_not_show_who_presents_it(
    client: TestClient, demo_platform: Any
) -> None:
    """Maria's presentation made for the hospital (the one her share link keeps), pasted
    by whoever has a copy: the verify page gave no challenge, so it cannot show that the
    person showing it is Maria — it must not say "it is theirs" or "showed it is theirs"."""
    from tests.services.test_sharing_record import share

    made = share(demo_platform, names=["Registered Nurse"])
    page = main_of(client.post("/verify", data={"document": json.dumps(made.share.presentation)}))
    assert "Registered Nurse" in headline(page)
    assert "it is theirs" not in page and "showed it is theirs" not in page
    assert 'class="answer answer-good"' in page  # the credential itself is good


def maria_answers_a_request(client: TestClient, platform: Any) -> tuple[str, str]:
    """The hospital asks, Maria answers with her licence: the request's page and the
    licence's id."""
    detail_path, link = create_request(client)
    rn = license_id(platform)
    token = as_(client, "maria")
    sent = client.post(link, data={"csrf_token": token, "credentials": [rn], "consent": "yes"})
    assert sent.status_code == 200, sent.text[:300]
    return detail_path, rn


HOSTILE_NAME = '<img src=x onerror=alert(1)>%(x)s "Dr" ‮'


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_hostile_account_name_and_reason_stay_words_on_every_answer(
    client: TestClient, demo_platform: Any, language: str
) -> None:
    """The holder's account name (typed at sign-up), shown as who answered a request and
    who shares a link, and an issuer's reason for a suspension, on the request page, the
    share page and the verify page, in English and Spanish."""
    from sqlalchemy import select

    from openler.services.issuers import issuing
    from openler.store.models import Person
    from tests.conftest import SETUP
    from tests.services.test_sharing_record import share

    with demo_platform.db.session() as s:
        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        maria.name = HOSTILE_NAME
    detail_path, rn = maria_answers_a_request(client, demo_platform)
    made = share(demo_platform, names=["Registered Nurse"])
    with demo_platform.db.session() as s:
        issuing.set_status(s, demo_platform, SETUP, rn, action="suspend", reason=HOSTILE_NAME)
    hr = as_(client, "hr")
    headers = {"Accept-Language": language, "Accept": "text/html"}
    pages = [
        client.get(detail_path, headers=headers),
        client.get("/verifier/piedmont-hospital", headers=headers),
        client.get(f"/s/{made.token}", headers=headers),
        client.post(
            "/verify",
            data={"document": f"http://127.0.0.1:8000/s/{made.token}", "csrf_token": hr},
            headers=headers,
        ),
    ]
    for answer in pages:
        assert answer.status_code == 200, (answer.url, answer.text[:300])
        assert "<img src=x" not in answer.text, answer.url
        assert "&lt;img src=x" in answer.text, answer.url


def test_recognised_where_the_verifier_is_only_when_checked_there(
    client: TestClient, demo_platform: Any
) -> None:
    """A request of an organization with no jurisdiction of its own: its answer is checked
    where the platform's registry authority is (as the page then says "recognised in …"),
    not checked nowhere in particular and said to be recognised there."""
    from sqlalchemy import delete, select

    from openler.store.models import Organization, RecognitionRow

    with demo_platform.db.session() as s:
        s.execute(delete(RecognitionRow))  # North Carolina recognises no other state's licence
        hospital = s.execute(
            select(Organization).where(Organization.slug == "piedmont-hospital")
        ).scalar_one()
        hospital.jurisdiction = None
    detail_path, _rn = maria_answers_a_request(client, demo_platform)
    as_(client, "hr")
    page = main_of(client.get(detail_path))
    assert "recognised in North Carolina" not in page
    assert "Issuer not authorised in North Carolina" in page


@pytest.mark.parametrize("named", [True, False], ids=["named", "nameless"])
@pytest.mark.parametrize("presented", [True, False], ids=["presented", "file"])
def test_an_unknown_issuer_is_never_named_by_its_did_in_the_answer(
    open_client: TestClient, demo_platform: Any, named: bool, presented: bool
) -> None:
    """A credential from an issuer the registry does not know: the sentence that answers
    and its standing name it as it names itself, or say it gives no name — never by its
    DID (which the checks below give)."""
    forger = FORGER
    document = copy.deepcopy(maria_credential(demo_platform))
    document.pop("proof")
    document.pop("credentialStatus", None)
    document["issuer"] = {"id": forger.controller, "type": ["Profile"]}
    if named:
        document["issuer"]["name"] = "Some Board"
    document["credentialSubject"]["id"] = EVE.controller
    sent: Any = sign_credential(document, forger, created=demo_platform.now())
    if presented:
        sent = eve_presents(demo_platform, sent)
    page = main_of(open_client.post("/verify", data={"document": json.dumps(sent)}))
    standing = re.search(r'<dd class="answer-standing detail">(.*?)</dd>', page, re.S)
    assert standing is not None
    for said in (headline(page), standing.group(1)):
        assert "did:" not in said, said
    assert ("Some Board" if named else "gives no name") in headline(page)


def test_an_envelope_does_not_bring_endorsements_of_what_it_names(
    client: TestClient, demo_platform: Any
) -> None:
    """The endorsements a verify page shows are of what was verified: an envelope naming
    another issuer (the Army, which the hospital endorses) around Ohio's licence does not
    bring the hospital's endorsement of the Army."""
    from openler.services.issuers import endorsements, orgs
    from openler.services.people import accounts
    from tests.conftest import SETUP
    from tests.services.issuing_world import person, who

    with demo_platform.db.session() as s:
        hospital = orgs.organization_by_slug(s, "piedmont-hospital")
        army = orgs.org_did(demo_platform, orgs.organization_by_slug(s, "us-army"))
        trainer = person(s, "trainer@demo.openler.org")
        accounts.add_member(
            s,
            demo_platform,
            person=trainer,
            organization=hospital,
            role="issuer_admin",
            actor=SETUP,
        )
        endorsements.endorse(
            s,
            demo_platform,
            who(s, "trainer@demo.openler.org"),
            hospital,
            target_id=army,
            comment="Army medics meet our standard.",
        )
    sent = envelope_presentation(demo_platform, issuer=army)
    page = main_of(client.post("/verify", data={"document": sent}))
    assert "Army medics meet our standard." not in page
