"""OpenID4VP 1.0 verifier: a request by reference, signed; the direct_post response
verified for the request's nonce and client_id, matched against the DCQL query, once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from openler.services.errors import Conflict, Forbidden, UsageError
from openler.services.protocols import oid4vp_verifier
from openler.services.verifiers import requests
from openler.vc import (
    Multikey,
    Resolver,
    build_presentation,
    read_request_object,
    sign_presentation,
)
from tests.conftest import DATA
from tests.services.test_requests import world

QUERY = json.loads((DATA / "oid4vp" / "rn_licence.json").read_text())


def create(platform: Any, w: dict[str, Any], **kwargs: Any) -> oid4vp_verifier.CreatedRequest:
    with platform.db.session() as s:
        created = oid4vp_verifier.create_request(
            s,
            platform,
            w["verifier"],
            organization_slug="piedmont-hospital",
            query=kwargs.pop("query", QUERY),
            **kwargs,
        )
        s.flush()
        return created


def fetch(platform: Any, uri: str) -> dict[str, Any]:
    """The request object behind the link, its signature checked as a wallet would."""
    params = parse_qs(urlsplit(uri).query)
    token = params["request_uri"][0].rsplit("/", 1)[-1]
    with platform.db.session() as s:
        jwt = oid4vp_verifier.request_object(s, platform, token)
        from openler.services.verifiers.verifying import local_fetcher

        read = read_request_object(jwt, resolver=Resolver(local_fetcher(s, platform)))
    assert read.client_id == params["client_id"][0]
    return dict(read.claims)


def vp(w: dict[str, Any], claims: dict[str, Any], platform: Any, **over: Any) -> dict[str, Any]:
    return sign_presentation(
        build_presentation([w["credential"]], holder=w["holder"].controller),
        over.get("key", w["holder"]),
        challenge=over.get("nonce", claims["nonce"]),
        domain=over.get("domain", claims["client_id"]),
        created=platform.now(),
    )


def post(platform: Any, form: dict[str, str]) -> oid4vp_verifier.Outcome:
    with platform.db.session() as s:
        return oid4vp_verifier.receive_response(s, platform, form)


def answer(claims: dict[str, Any], presentation: Any, **extra: str) -> dict[str, str]:
    return {
        "state": claims["state"],
        "vp_token": json.dumps({"rn_licence": [presentation]}),
        **extra,
    }


def test_request_answered_once_and_seen_verified(platform: Any) -> None:
    w = world(platform)
    created = create(platform, w)
    assert created.uri.startswith("openid4vp://?client_id=decentralized_identifier%3Adid%3Aweb")
    claims = fetch(platform, created.uri)
    assert claims["response_mode"] == "direct_post"
    assert claims["client_metadata"]["vp_formats_supported"]["ldp_vc"]
    assert claims["dcql_query"] == QUERY
    outcome = post(platform, answer(claims, vp(w, claims, platform)))
    assert (outcome.status, outcome.body) == (200, {})
    replay = post(platform, answer(claims, vp(w, claims, platform)))
    assert replay.status == 400 and replay.body["error"] == "invalid_request"
    assert "already answered" in replay.body["error_description"]
    with platform.db.session() as s:
        row, report = requests.view_request(s, platform, w["verifier"], created.request.id)
        assert report is not None
        assert report.verified, report.errors()
        assert requests.state_of(row, platform.now()) == "answered"
        with pytest.raises(Forbidden):
            requests.view_request(s, platform, w["learner"], created.request.id)
        # answered: the request object is no longer served
        token = parse_qs(urlsplit(created.uri).query)["request_uri"][0].rsplit("/", 1)[-1]
        with pytest.raises(Conflict):
            oid4vp_verifier.request_object(s, platform, token)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"nonce": "another-nonce"}, "challenge mismatch"),
        ({"domain": "decentralized_identifier:did:web:elsewhere"}, "domain mismatch"),
        ({"key": Multikey.from_seed(bytes([7]) * 32)}, "holder"),
    ],
)
def test_bad_presentations_are_refused(
    platform: Any, change: dict[str, Any], expected: str
) -> None:
    w = world(platform)
    claims = fetch(platform, create(platform, w).uri)
    outcome = post(platform, answer(claims, vp(w, claims, platform, **change)))
    assert outcome.status == 400 and outcome.body["error"] == "invalid_request"
    assert expected in outcome.body["error_description"]
    # refused, not consumed: the right answer still lands
    assert post(platform, answer(claims, vp(w, claims, platform))).status == 200


def test_tampered_wrong_state_expired_and_shape(platform: Any) -> None:
    w = world(platform)
    created = create(platform, w, minutes=1)
    claims = fetch(platform, created.uri)
    tampered = vp(w, claims, platform)
    tampered["verifiableCredential"][0]["credentialSubject"]["achievement"]["name"] = "Surgeon"
    out = post(platform, answer(claims, tampered))
    assert out.status == 400 and "did not verify" in out.body["error_description"]
    out = post(platform, answer({**claims, "state": "not-the-state"}, vp(w, claims, platform)))
    assert out.status == 400 and "state" in out.body["error_description"]
    bad_shape = {
        "state": claims["state"],
        "vp_token": json.dumps({"rn_licence": vp(w, claims, platform)}),
    }
    assert post(platform, bad_shape).body["error"] == "invalid_request"
    other_id = {"state": claims["state"], "vp_token": json.dumps({"x": [vp(w, claims, platform)]})}
    assert "does not ask" in post(platform, other_id).body["error_description"]
    later = replace(platform, clock=lambda: platform.now() + timedelta(minutes=5))
    out = post(later, answer(claims, vp(w, claims, platform)))
    assert out.status == 400 and "expired" in out.body["error_description"]


def test_a_credential_that_does_not_match_the_query_is_refused(platform: Any) -> None:
    w = world(platform)
    query = json.loads(json.dumps(QUERY))
    query["credentials"][0]["claims"][0]["values"] = ["Certification"]
    claims = fetch(platform, create(platform, w, query=query).uri)
    out = post(platform, answer(claims, vp(w, claims, platform)))
    assert out.status == 400 and "does not answer the query" in out.body["error_description"]


def test_wallet_error_response_is_taken_with_200(platform: Any) -> None:
    w = world(platform)
    created = create(platform, w)
    claims = fetch(platform, created.uri)
    out = post(platform, {"state": claims["state"], "error": "access_denied"})
    assert (out.status, out.body) == (200, {})
    with platform.db.session() as s:
        row, report = requests.view_request(s, platform, w["verifier"], created.request.id)
        assert report is None
        fields = oid4vp_verifier.answer_fields(s, platform, row)
        assert fields["wallet_error"]["error"] == "access_denied"


def test_bad_queries_and_roles_are_refused_at_creation(platform: Any) -> None:
    w = world(platform)
    with pytest.raises(UsageError, match="DCQL"):
        create(platform, w, query={"credentials": [{"id": "x", "format": "mso_mdoc"}]})
    with platform.db.session() as s, pytest.raises(Forbidden):
        oid4vp_verifier.create_request(
            s, platform, w["learner"], organization_slug="piedmont-hospital", query=QUERY
        )


def test_own_protocol_endpoints_refuse_an_oid4vp_request(platform: Any) -> None:
    w = world(platform)
    created = create(platform, w)
    claims = fetch(platform, created.uri)
    with platform.db.session() as s, pytest.raises(Conflict, match="OpenID4VP"):
        requests.answer_request(s, platform, claims["nonce"], vp(w, claims, platform))


def test_a_jwt_presentation_answers_a_jwt_vc_json_query(platform: Any) -> None:
    """``jwt_vc_json``: the presentation is a JWT whose ``nonce`` is the request's and whose
    ``aud`` is its full client_id; another ``aud`` is refused."""
    from openler.vc.jose import encode

    w = world(platform)
    query = json.loads(json.dumps(QUERY))
    query["credentials"][0]["format"] = "jwt_vc_json"
    claims = fetch(platform, create(platform, w, query=query).uri)
    holder = w["holder"].controller
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [w["credential"]],
    }

    def jwt(aud: str) -> str:
        payload = {"vp": presentation, "iss": holder, "nonce": claims["nonce"], "aud": aud}
        return encode(payload, w["holder"], typ="JWT")

    wrong = post(platform, answer(claims, jwt("decentralized_identifier:did:web:elsewhere")))
    assert wrong.status == 400 and "domain mismatch" in wrong.body["error_description"]
    right = post(platform, answer(claims, jwt(claims["client_id"])))
    assert (right.status, right.body) == (200, {})


def test_a_revoked_licence_is_refused_and_an_answer_shows_revoked_later(platform: Any) -> None:
    from sqlalchemy import select

    from openler.services.issuers import issuing
    from openler.store.models import IssuedCredential, Person
    from tests.conftest import SETUP

    w = world(platform)
    created = create(platform, w)
    claims = fetch(platform, created.uri)
    assert post(platform, answer(claims, vp(w, claims, platform))).status == 200
    with platform.db.session() as s:
        ana = s.execute(select(Person).where(Person.email == "ana@example.org")).scalar_one()
        row_id = s.execute(
            select(IssuedCredential.id).where(IssuedCredential.person_id == ana.id)
        ).scalar_one()
        issuing.set_status(s, platform, SETUP, row_id, action="revoke", reason="surrendered")
    with platform.db.session() as s:
        _row, report = requests.view_request(s, platform, w["verifier"], created.request.id)
        assert report is not None and not report.verified
        assert "revoked" in report.summary.lower()
    claims = fetch(platform, create(platform, w).uri)
    out = post(platform, answer(claims, vp(w, claims, platform)))
    assert out.status == 400 and "revoked" in out.body["error_description"].lower()
