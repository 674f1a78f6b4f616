"""Fuzzing the verify endpoints of the API: any body gets a 2xx or 4xx answer, never a 500.

``POST /credentials/verify``, ``POST /presentations/verify`` (W3C VC API) and
``POST /api/requests/{challenge}/answer`` need no sign-in, so whatever anyone sends them is
answered: 200 verified, 400 not verified or refused, 409 a request already answered, 413
too large, 422 a body of the wrong shape. The bodies are the hostile inputs of
``tests/hostile.py`` wrapped as the API expects them, or sent as they are.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import as_bytes, fuzz_settings, hostile_inputs, hostile_values
from tests.web.conftest import login

VERIFY = {
    "/credentials/verify": "verifiableCredential",
    "/presentations/verify": "verifiablePresentation",
}


@pytest.fixture
def answer_path(client: TestClient) -> str:
    login(client, "hr@demo.openler.org")
    created = client.post("/api/requests", json={"organization": "piedmont-hospital"})
    client.cookies.clear()
    return f"/api/requests/{created.json()['challenge']}/answer"


def _body(data: Any, field: str, options: Any, draw: Any) -> bytes:
    """``data`` as the API expects it (a field of a JSON object), or the raw bytes."""
    if isinstance(data, bytes) or draw(st.integers(0, 5)) == 0:
        return as_bytes(data)
    # JSON text (perhaps broken) in place of the object, or an object or string (a JWT)
    value = data if isinstance(data, str) and draw(st.booleans()) else json.dumps(data)
    extra = f', "options": {json.dumps(options)}' if options is not None else ""
    return f'{{"{field}": {value}{extra}}}'.encode("utf-8", "surrogatepass")


options = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "challenge": hostile_values,
            "domain": hostile_values,
            "expectedProofPurpose": hostile_values,
            "checks": hostile_values,
            "jurisdiction": hostile_values,
        },
    ),
)


@fuzz_settings(120)
@given(data=hostile_inputs(), options=options, which=st.integers(0, 2), choices=st.data())
def test_verify_endpoints_never_answer_500(
    client: TestClient,
    answer_path: str,
    data: Any,
    options: Any,
    which: int,
    choices: st.DataObject,
) -> None:
    path = [*VERIFY, answer_path][which]
    field = VERIFY.get(path, "verifiablePresentation")
    body = _body(data, field, options, choices.draw)
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code in (200, 400, 409, 413, 422), (response.status_code, response.text)
    answer = response.json()
    if response.status_code in (200, 400) and "verified" in answer:
        assert answer["verified"] is (response.status_code == 200)
    else:
        assert answer["code"] and answer["message"]
