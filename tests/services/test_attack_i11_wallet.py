"""Attack pass on issue 11: hostile issuers and verifiers against openler's wallet.

The other party is played by an ``httpx.MockTransport`` behind public-looking host names
(the DNS is a table): everything it names — the offer, its metadata's token, nonce and
credential endpoints, a verifier's ``request_uri`` and ``response_uri`` — must go through
:class:`ProtocolClient`, so an internal address is refused before anything is sent, and
what the person agreed to is what is sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from openler.services.errors import UsageError
from openler.services.people.accounts import principal_for
from openler.services.protocols import oid4vci_wallet, oid4vp_wallet, wallet_exchanges
from openler.services.protocols.client import ProtocolClient, ProtocolError
from openler.store.models import AuditEvent, Person, ReceivedCredential
from openler.vc import Multikey, sign_request_object
from openler.vc.multibase import b64url_encode
from tests.conftest import DATA, load_demo

QUERY = json.loads((DATA / "oid4vp" / "rn_licence.json").read_text())
DNS = {
    "issuer.example": ["93.184.216.34"],
    "verifier.example": ["93.184.216.35"],
    "internal.example": ["10.0.0.5"],  # a public name for a private address
    "metadata.example": ["169.254.169.254"],
    "0x7f000001": ["127.0.0.1"],
    "evil.example": ["93.184.216.36"],
    "hospital.example": ["93.184.216.37"],  # as glibc's inet_aton reads it
}
ISSUER = "https://issuer.example/orgs/x"
VERIFIER_KEY = Multikey.from_seed(bytes([9]) * 32)
CLIENT_ID = "decentralized_identifier:" + VERIFIER_KEY.controller


class Party:
    """The other party: answers by (method, host + path); records every request."""

    def __init__(self, routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]]):
        self.routes = routes
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        where = request.headers["host"] + request.url.path
        handler = self.routes.get((request.method, where))
        return handler(request) if handler else httpx.Response(404, json={"error": "nope"})

    def client(self, platform: Any) -> ProtocolClient:
        return ProtocolClient(
            platform.settings, transport=httpx.MockTransport(self), resolve=lambda h, p: DNS[h]
        )

    def hosts(self) -> set[str]:
        return {r.headers["host"] for r in self.seen}


def _json(value: Any) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _request: httpx.Response(200, json=value)


def _maria(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        person = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        return principal_for(s, person)


# --- a hostile issuer ----------------------------------------------------------------


def _offer() -> str:
    return json.dumps(
        {
            "credential_issuer": ISSUER,
            "credential_configuration_ids": ["rn.ldp_vc"],
            "grants": {oid4vci_wallet.PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "pc"}},
        }
    )


def _issuer(**metadata: Any) -> Party:
    meta = {
        "credential_issuer": ISSUER,
        "credential_endpoint": "https://issuer.example/orgs/x/credential",
        "credential_configurations_supported": {"rn.ldp_vc": {"format": "ldp_vc"}},
        **metadata,
    }
    server = {"issuer": ISSUER, "token_endpoint": "https://issuer.example/orgs/x/token"}
    server.update(metadata.pop("_server", {}))
    meta.pop("_server", None)
    return Party(
        {
            ("GET", "issuer.example/.well-known/openid-credential-issuer/orgs/x"): _json(meta),
            ("GET", "issuer.example/.well-known/oauth-authorization-server/orgs/x"): _json(server),
            ("POST", "issuer.example/orgs/x/token"): _json(
                {"access_token": "secret-access", "token_type": "Bearer", "c_nonce": "n"}
            ),
        }
    )


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://internal.example/credential",
        "https://metadata.example/latest/meta-data",
        "http://issuer.example/orgs/x/credential",  # not https
        "https://10.0.0.5/credential",
        "https://[::1]/credential",
        "file:///etc/passwd",
    ],
)
def test_a_credential_endpoint_on_an_internal_address_is_refused(
    platform: Any, endpoint: str
) -> None:
    maria = _maria(platform)
    party = _issuer(credential_endpoint=endpoint)
    with platform.db.session() as s, pytest.raises(ProtocolError):
        oid4vci_wallet.accept(s, platform, maria, _offer(), client=party.client(platform))
    assert party.hosts() <= {"issuer.example"}
    carrying = [r for r in party.seen if "authorization" in r.headers]
    assert carrying == []  # the access token went nowhere


@pytest.mark.parametrize("where", ["nonce_endpoint", "_server"])
def test_nonce_and_token_endpoints_on_internal_addresses_are_refused(
    platform: Any, where: str
) -> None:
    maria = _maria(platform)
    if where == "_server":
        party = _issuer(_server={"token_endpoint": "https://internal.example/token"})
    else:
        party = _issuer(nonce_endpoint="https://internal.example/nonce")
    with platform.db.session() as s, pytest.raises(ProtocolError):
        oid4vci_wallet.accept(s, platform, maria, _offer(), client=party.client(platform))
    assert party.hosts() <= {"issuer.example"}


def test_an_offer_uri_on_an_internal_address_is_refused(platform: Any) -> None:
    party = Party({})
    for uri in (
        "https://internal.example/offer",
        "https://169.254.169.254/latest/meta-data",
        "http://127.0.0.1:8000/orgs/x/oid4vci/offers/s",  # loopback not allowed here
        "https://0x7f000001/offer",
    ):
        link = "openid-credential-offer://?credential_offer_uri=" + uri
        with pytest.raises(ProtocolError):
            oid4vci_wallet.preview(platform, link, client=party.client(platform))
    assert party.seen == []


def test_metadata_of_another_issuer_or_another_authorization_server_is_refused(
    platform: Any,
) -> None:
    maria = _maria(platform)
    party = _issuer(credential_issuer="https://issuer.example/orgs/y")
    with platform.db.session() as s, pytest.raises(ProtocolError, match="another"):
        oid4vci_wallet.accept(s, platform, maria, _offer(), client=party.client(platform))
    party = _issuer(_server={"issuer": "https://issuer.example/orgs/y"})
    with platform.db.session() as s, pytest.raises(ProtocolError, match="another server"):
        oid4vci_wallet.accept(s, platform, maria, _offer(), client=party.client(platform))


def test_a_credential_not_bound_to_the_wallet_or_unsigned_is_not_kept(platform: Any) -> None:
    maria = _maria(platform)
    party = _issuer()
    forged = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:issuer.example",
        "credentialSubject": {"id": "did:example:someone"},
    }
    party.routes[("POST", "issuer.example/orgs/x/credential")] = _json(
        {"credentials": [{"credential": forged}]}
    )
    with platform.db.session() as s, pytest.raises(ProtocolError, match="not kept"):
        oid4vci_wallet.accept(s, platform, maria, _offer(), client=party.client(platform))
    with platform.db.session() as s:
        assert s.execute(select(ReceivedCredential)).first() is None


def test_a_huge_or_deep_offer_is_refused(platform: Any) -> None:
    party = Party({})
    with pytest.raises(UsageError):
        oid4vci_wallet.preview(platform, "{" + " " * 30_000 + "}", client=party.client(platform))
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    with pytest.raises(UsageError):
        oid4vci_wallet.preview(platform, deep[:19_000], client=party.client(platform))
    duplicate = '{"credential_issuer": "https://a.example", "credential_issuer": "https://b"}'
    with pytest.raises(UsageError):
        oid4vci_wallet.preview(platform, duplicate, client=party.client(platform))


# --- a hostile verifier --------------------------------------------------------------


def _request(key: Multikey = VERIFIER_KEY, **claims: Any) -> str:
    body = {
        "client_id": "decentralized_identifier:" + key.controller,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": "https://verifier.example/response",
        "nonce": "nonce-1",
        "state": "state-1",
        "dcql_query": QUERY,
        **claims,
    }
    return sign_request_object(body, key, at=datetime.now(UTC))


def _verifier(request_object: str | Callable[[], str]) -> Party:
    def serve(_request: httpx.Request) -> httpx.Response:
        text = request_object() if callable(request_object) else request_object
        return httpx.Response(
            200, text=text, headers={"content-type": "application/oauth-authz-req+jwt"}
        )

    return Party(
        {
            ("GET", "verifier.example/request"): serve,
            ("POST", "verifier.example/response"): _json({}),
        }
    )


def _link(client_id: str = CLIENT_ID, uri: str = "https://verifier.example/request") -> str:
    from urllib.parse import urlencode

    return "openid4vp://?" + urlencode({"client_id": client_id, "request_uri": uri})


def _posted(party: Party) -> list[httpx.Request]:
    return [r for r in party.seen if r.method == "POST"]


def test_the_harness_sends_to_an_honest_verifier(platform: Any) -> None:
    maria = _maria(platform)
    party = _verifier(_request())
    with platform.db.session() as s:
        sent = oid4vp_wallet.answer_request(
            s, platform, maria, _link(), client=party.client(platform)
        )
    assert sent.accepted and len(_posted(party)) == 1


@pytest.mark.parametrize(
    "response_uri",
    [
        "https://internal.example/response",
        "https://metadata.example/latest",
        "http://verifier.example/response",
        "https://127.0.0.1/response",
    ],
)
def test_a_response_uri_on_an_internal_address_gets_nothing(
    platform: Any, response_uri: str
) -> None:
    maria = _maria(platform)
    party = _verifier(_request(response_uri=response_uri))
    with platform.db.session() as s, pytest.raises(ProtocolError):
        oid4vp_wallet.answer_request(s, platform, maria, _link(), client=party.client(platform))
    assert _posted(party) == []
    with platform.db.session() as s:
        actions = set(s.execute(select(AuditEvent.action)).scalars())
    assert "consent.grant" not in actions and "wallet.answer" not in actions


def test_a_request_uri_on_an_internal_address_is_not_fetched(platform: Any) -> None:
    maria = _maria(platform)
    party = _verifier(_request())
    for uri in ("https://internal.example/request", "https://169.254.169.254/request"):
        with platform.db.session() as s, pytest.raises(ProtocolError):
            oid4vp_wallet.read_request(
                s, platform, maria, _link(uri=uri), client=party.client(platform)
            )
    assert party.seen == []


def test_a_request_that_changes_verifier_between_reading_and_sending_sends_nothing(
    platform: Any,
) -> None:
    """Shown verifier A; when the person says yes the request_uri serves verifier B's
    request (its own key, its own response_uri): nothing goes anywhere."""
    maria = _maria(platform)
    served = iter([_request(), _request(Multikey.from_seed(bytes([8]) * 32))])
    party = _verifier(lambda: next(served))
    with platform.db.session() as s:
        shown = oid4vp_wallet.read_request(
            s, platform, maria, _link(), client=party.client(platform)
        )
        assert shown.client_id == CLIENT_ID
        with pytest.raises(UsageError, match="client_id"):
            oid4vp_wallet.answer_request(s, platform, maria, _link(), client=party.client(platform))
    assert _posted(party) == []


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return b64url_encode(json.dumps(value).encode())

    return f"{part({'alg': 'none', 'typ': 'oauth-authz-req+jwt'})}.{part(claims)}."


@pytest.mark.parametrize(
    "case",
    ["unsigned did", "kid of another did", "signed by another key", "redirect elsewhere", "nonce"],
)
def test_forged_requests_are_refused_before_anything_is_sent(platform: Any, case: str) -> None:
    maria = _maria(platform)
    other = Multikey.from_seed(bytes([8]) * 32)
    link = _link()
    if case == "unsigned did":
        text = _unsigned(json.loads(json.dumps({"client_id": CLIENT_ID})))
    elif case == "kid of another did":
        text = _request(other, client_id=CLIENT_ID)  # kid names other's DID
    elif case == "signed by another key":
        impostor = other.with_controller(VERIFIER_KEY.controller, VERIFIER_KEY.id)
        text = _request(impostor)
    elif case == "redirect elsewhere":
        client_id = "redirect_uri:https://verifier.example/response"
        link = _link(client_id)
        text = _unsigned(
            {
                "client_id": client_id,
                "response_type": "vp_token",
                "response_mode": "direct_post",
                "response_uri": "https://internal.example/response",
                "nonce": "n",
                "dcql_query": QUERY,
            }
        )
    else:
        text = _request(nonce="bad nonce\r\nX-Injected: 1")
    party = _verifier(text)
    with platform.db.session() as s, pytest.raises(UsageError):
        oid4vp_wallet.answer_request(s, platform, maria, link, client=party.client(platform))
    assert _posted(party) == []


@pytest.mark.parametrize(
    "path",
    [
        ["credentialSubject"] + ["a"] * 500,
        ["credentialSubject", -1],
        ["credentialSubject", None, None, None, None, None, None, None, None, None],
        [],
        ["credentialSubject", {"x": 1}],
        ["credentialSubject", True],
    ],
)
def test_pathological_dcql_paths_are_refused_or_harmless(platform: Any, path: list[Any]) -> None:
    maria = _maria(platform)
    query = {
        "credentials": [
            {
                "id": "rn_licence",
                "format": "ldp_vc",
                "meta": {"type_values": [["https://example.org/T"]]},
                "claims": [{"path": path}],
            }
        ]
    }
    party = _verifier(_request(dcql_query=query))
    with platform.db.session() as s:
        try:
            shown = oid4vp_wallet.read_request(
                s, platform, maria, _link(), client=party.client(platform)
            )
        except UsageError:
            return  # refused as not a DCQL query openler reads
        assert not shown.satisfiable


# --- a hostile VC API exchange ----------------------------------------------------------

EXAMPLE = {"type": ["VerifiableCredential", "OpenBadgeCredential"]}


def _exchange(
    *, domain: Any = "evil.example", endpoint: str = "https://evil.example/x", status: int = 200
) -> Party:
    request: dict[str, Any] = {
        "query": [
            {"type": "DIDAuthentication"},
            {"type": "QueryByExample", "credentialQuery": {"example": EXAMPLE}},
        ],
        "challenge": "relayed-challenge",
        "interact": {
            "service": [{"type": "UnmediatedPresentationService2021", "serviceEndpoint": endpoint}]
        },
    }
    if domain is not None:
        request["domain"] = domain

    def exchange(r: httpx.Request) -> httpx.Response:
        if json.loads(r.content or b"{}").get("verifiablePresentation") is None:
            return httpx.Response(200, json={"verifiablePresentationRequest": request})
        return httpx.Response(status, json={} if status == 200 else {"error": "no"})

    routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = {
        ("GET", "evil.example/i"): _json({"protocols": {"vcapi": "https://evil.example/x"}}),
        ("POST", "evil.example/x"): exchange,
    }
    host = endpoint.split("/")[2]
    if host != "evil.example":
        routes[("POST", host + "/x")] = exchange
    return Party(routes)


@pytest.mark.parametrize(
    "domain",
    ["hospital.example", "https://hospital.example/orgs/h", "evil.example.hospital.example", ""],
)
def test_a_request_relayed_from_another_site_is_not_answered(platform: Any, domain: str) -> None:
    """evil.example serves the challenge and domain of hospital.example's exchange: the
    person would be told "hospital.example asks", and what they sign would be good at the
    hospital, where evil.example would relay it. The domain must name where it goes."""
    maria = _maria(platform)
    party = _exchange(domain=domain)
    with platform.db.session() as s, pytest.raises(ProtocolError, match="domain"):
        wallet_exchanges.open_exchange(
            s, platform, maria, "https://evil.example/i", party.client(platform)
        )
    assert not [r for r in party.seen if b"verifiablePresentation" in r.content]


def test_an_answer_endpoint_on_another_host_is_refused(platform: Any) -> None:
    maria = _maria(platform)
    party = _exchange(endpoint="https://verifier.example/x")
    with platform.db.session() as s, pytest.raises(ProtocolError, match="another"):
        wallet_exchanges.answer_exchange(
            s,
            platform,
            maria,
            "https://evil.example/i",
            party.client(platform),
            credential_ids=["anything"],
        )
    assert party.hosts() == {"evil.example"}


@pytest.mark.parametrize("domain", ["evil.example", "https://evil.example/orgs/e", None])
def test_an_exchange_on_its_own_site_is_asked_by_that_site(platform: Any, domain: Any) -> None:
    maria = _maria(platform)
    party = _exchange(domain=domain)
    with platform.db.session() as s:
        asked = wallet_exchanges.open_exchange(
            s, platform, maria, "https://evil.example/i", party.client(platform)
        )
    assert "evil.example" in asked.audience
    assert asked.matching


def test_a_refused_answer_is_still_audited_as_sent(platform: Any) -> None:
    """The credentials left the platform even though the verifier said no."""
    maria = _maria(platform)
    party = _exchange(status=400)
    with platform.db.session() as s:
        asked = wallet_exchanges.open_exchange(
            s, platform, maria, "https://evil.example/i", party.client(platform)
        )
        chosen = [asked.matching[0].id]
        with pytest.raises(ProtocolError, match="did not accept"):
            wallet_exchanges.answer_exchange(
                s,
                platform,
                maria,
                "https://evil.example/i",
                party.client(platform),
                credential_ids=chosen,
            )
        events = (
            s.execute(select(AuditEvent).where(AuditEvent.action == "exchange.present"))
            .scalars()
            .all()
        )
    assert [e.data["credentials"] for e in events] == [chosen]
    assert events[0].data.get("accepted") is False


def test_a_key_only_verifier_calling_itself_a_hospital_is_shown_as_saying_so(
    platform: Any,
) -> None:
    """Anyone can make a did:key and sign a request whose client_name is "Piedmont Regional
    Hospital": the person is shown that this is the verifier's own claim."""
    maria = _maria(platform)
    named = _request(client_metadata={"client_name": "Piedmont Regional Hospital"})
    party = _verifier(named)
    with platform.db.session() as s:
        shown = oid4vp_wallet.read_request(
            s, platform, maria, _link(), client=party.client(platform)
        )
    assert shown.verifier.startswith("Piedmont Regional Hospital")
    assert "says it is" in shown.verifier


def test_a_received_credential_is_labelled_with_the_host_it_came_from(platform: Any) -> None:
    """A hostile issuer signs, with its own key, a credential bound to the person's wallet
    that calls its issuer "Ohio Board of Nursing": the wallet keeps it (it verifies, and is
    the person's) but labels it with the host it came from, not the name alone."""
    from openler.services.people.accounts import holder_key
    from openler.vc import sign_credential

    maria = _maria(platform)
    evil_key = Multikey.from_seed(bytes([3]) * 32)
    with platform.db.session() as s:
        person = s.get(Person, maria.person_id)
        holder = holder_key(s, platform, person).controller
    party = _issuer()

    def credential(_request: httpx.Request) -> httpx.Response:
        document = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": {"id": evil_key.controller, "name": "Ohio Board of Nursing"},
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": holder},
        }
        return httpx.Response(
            200,
            json={
                "credentials": [
                    {"credential": sign_credential(document, evil_key, created=platform.now())}
                ]
            },
        )

    party.routes[("POST", "issuer.example/orgs/x/credential")] = credential
    with platform.db.session() as s:
        row = oid4vci_wallet.accept(s, platform, maria, _offer(), client=party.client(platform))
        assert row.issuer_name == "Ohio Board of Nursing (issuer.example)"


def test_an_offer_that_changes_issuer_after_the_person_agreed_sends_nothing(
    platform: Any,
) -> None:
    """Offer by reference: shown "from issuer.example", the person says yes, and the same
    URI now names evil.example. The wallet's key proof and the code go nowhere."""
    maria = _maria(platform)
    party = _issuer()
    offers = iter(
        [
            json.loads(_offer()),
            {**json.loads(_offer()), "credential_issuer": "https://evil.example/orgs/x"},
        ]
    )
    party.routes[("GET", "issuer.example/offer")] = lambda _r: httpx.Response(
        200, json=next(offers)
    )
    link = "openid-credential-offer://?credential_offer_uri=https://issuer.example/offer"
    seen = oid4vci_wallet.preview(platform, link, client=party.client(platform))
    with platform.db.session() as s, pytest.raises(ProtocolError, match="changed"):
        oid4vci_wallet.accept(
            s,
            platform,
            maria,
            link,
            client=party.client(platform),
            expected_issuer=seen.credential_issuer,
        )
    assert party.hosts() == {"issuer.example"}
    assert not [r for r in party.seen if r.method == "POST"]


def test_an_exchange_that_moves_after_the_person_agreed_sends_nothing(platform: Any) -> None:
    """Shown "evil.example asks"; on Send the interaction URL names an exchange at
    verifier.example (its own domain, consistent): the person did not agree to that."""
    maria = _maria(platform)
    party = _exchange()
    moved = _exchange(domain="verifier.example", endpoint="https://verifier.example/x")
    names = iter(["https://evil.example/x", "https://verifier.example/x"])
    party.routes[("GET", "evil.example/i")] = lambda _r: httpx.Response(
        200, json={"protocols": {"vcapi": next(names)}}
    )
    party.routes[("POST", "verifier.example/x")] = moved.routes[("POST", "verifier.example/x")]
    with platform.db.session() as s:
        asked = wallet_exchanges.open_exchange(
            s, platform, maria, "https://evil.example/i", party.client(platform)
        )
        with pytest.raises(ProtocolError, match="changed"):
            wallet_exchanges.answer_exchange(
                s,
                platform,
                maria,
                "https://evil.example/i",
                party.client(platform),
                credential_ids=[asked.matching[0].id],
                expected_audience=asked.audience,
            )
    assert not [r for r in party.seen if b"verifiablePresentation" in r.content]
