"""OpenID4VP request objects (signed JAR, ``typ: oauth-authz-req+jwt``), the request
parameters a wallet relies on, the vp_token's shape, and JWT presentations bound by
``nonce`` and ``aud``."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from openler.vc import (
    Multikey,
    RequestError,
    Resolver,
    build_presentation,
    check_request,
    check_vp_token,
    read_request_object,
    sign_request_object,
    verify,
)
from openler.vc.jose import encode
from tests.conftest import DATA

AT = datetime(2026, 11, 24, tzinfo=UTC)
KEY = Multikey.from_seed(bytes([3]) * 32)
OTHER = Multikey.from_seed(bytes([4]) * 32)
QUERY = json.loads((DATA / "oid4vp" / "rn_licence.json").read_text())
CLIENT = f"decentralized_identifier:{KEY.controller}"


def claims(**over: Any) -> dict[str, Any]:
    return {
        "client_id": CLIENT,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": "https://verifier.example/response",
        "nonce": "n0nce-1",
        "state": "st4te_1",
        "dcql_query": QUERY,
        **over,
    }


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_signed_request_round_trips() -> None:
    read = read_request_object(sign_request_object(claims(), KEY, at=AT), resolver=Resolver())
    assert read.signed_by == KEY.id and read.client_id == CLIENT
    check_request(read.claims, client_id=CLIENT)


@pytest.mark.parametrize(
    ("token", "code", "says"),
    [
        (encode(claims(), KEY, typ="JWT"), "invalid_request_object", "typ"),
        (sign_request_object(claims(), OTHER, at=AT), "invalid_client", "not signed by a key of"),
        (
            sign_request_object(claims(client_id="x509_san_dns:v.example"), KEY, at=AT),
            "invalid_client",
            "decentralized_identifier",
        ),
        ("not.a.jwt", "invalid_request_object", "not a signed JWT"),
    ],
)
def test_request_objects_a_wallet_refuses(token: str, code: str, says: str) -> None:
    with pytest.raises(RequestError) as raised:
        read_request_object(token, resolver=Resolver())
    assert raised.value.code == code and says in raised.value.message


def test_a_tampered_request_object_is_refused() -> None:
    head, _payload, sig = sign_request_object(claims(), KEY, at=AT).split(".")
    forged = f"{head}.{b64(claims(response_uri='https://thief.example/'))}.{sig}"
    with pytest.raises(RequestError, match="signature does not verify"):
        read_request_object(forged, resolver=Resolver())


def test_an_unsigned_request_only_from_a_redirect_uri_verifier() -> None:
    uri = "https://verifier.example/response"
    none = b64({"alg": "none"})
    read = read_request_object(
        f"{none}.{b64(claims(client_id='redirect_uri:' + uri))}.", resolver=Resolver()
    )
    assert read.signed_by is None
    with pytest.raises(RequestError, match="only for a redirect_uri"):
        read_request_object(f"{none}.{b64(claims())}.", resolver=Resolver())


@pytest.mark.parametrize(
    ("over", "says"),
    [
        ({"response_type": "code"}, "response_type"),
        ({"response_mode": "fragment"}, "response_mode"),
        ({"nonce": "not unreserved!"}, "nonce"),
        ({"state": "a/b"}, "state"),
        ({"client_id": "decentralized_identifier:did:web:other"}, "client_id"),
    ],
)
def test_request_parameters_a_wallet_relies_on(over: dict[str, Any], says: str) -> None:
    with pytest.raises(RequestError, match=says):
        check_request(claims(**over), client_id=CLIENT)


@pytest.mark.parametrize(
    ("vp_token", "says"),
    [
        ("[]", "JSON object"),
        ({"rn_licence": {"type": "VerifiablePresentation"}}, "non-empty array"),
        ({"rn_licence": [{}, {}]}, "more than one"),
        ({"rn_licence": ["eyJ.a.b"]}, "JSON presentations"),
        ({"other": [{}]}, "does not ask"),
    ],
)
def test_vp_token_shapes(vp_token: Any, says: str) -> None:
    with pytest.raises(RequestError, match=says):
        check_vp_token(vp_token, QUERY)
    assert check_vp_token(json.dumps({"rn_licence": [{}]}), QUERY) == {"rn_licence": [{}]}


def test_a_jwt_presentation_is_bound_by_nonce_and_aud() -> None:
    holder = Multikey.from_seed(bytes([9]) * 32)
    vp = build_presentation([], holder=holder.controller)

    def token(nonce: str, aud: str) -> str:
        return encode(
            {"vp": vp, "iss": holder.controller, "nonce": nonce, "aud": aud}, holder, typ="JWT"
        )

    good = verify(token("n1", CLIENT), at=AT, challenge="n1", domain=CLIENT)
    assert good.check("proof") is not None and good.status_of("proof") == "passed", good.summary
    wrong_nonce = verify(token("n2", CLIENT), at=AT, challenge="n1", domain=CLIENT)
    assert "challenge mismatch" in wrong_nonce.summary
    wrong_aud = verify(token("n1", "redirect_uri:https://x"), at=AT, challenge="n1", domain=CLIENT)
    assert "domain mismatch" in wrong_aud.summary


def test_a_vp_token_holds_a_bounded_number_of_presentations() -> None:
    many = json.loads(json.dumps(QUERY))
    many["credentials"][0]["multiple"] = True
    assert len(check_vp_token({"rn_licence": [{}] * 20}, many)["rn_licence"]) == 20
    with pytest.raises(RequestError, match="more than 20"):
        check_vp_token({"rn_licence": [{}] * 21}, many)
