"""Attack pass on the larger body limit of roster uploads (issue 13): only someone signed in
may send up to ``OPENLER_MAX_UPLOAD_BYTES``; a stranger who makes up a session cookie or a
bearer token is held to the usual limit before anything reads the body."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import login
from tests.web.test_edge import LIMIT, chunks

MULTIPART = {"content-type": "multipart/form-data; boundary=x"}


@pytest.mark.parametrize(
    "headers",
    [
        {"cookie": "openler_session=made-up"},
        {"cookie": "xopenler_session=1"},
        {"cookie": "a=openler_session=1"},
        {"authorization": "Bearer made-up"},
        {"authorization": "bearer "},
    ],
    ids=["made-up-cookie", "other-cookie", "cookie-value", "made-up-token", "empty-token"],
)
def test_a_made_up_credential_gets_the_usual_limit(
    client: TestClient, headers: dict[str, str]
) -> None:
    for path in ("/verifier/piedmont-hospital/rosters", "/issuer/ohio-nursing/rosters"):
        answer = client.post(path, content=chunks(2 * LIMIT), headers=MULTIPART | headers)
        assert answer.status_code == 413, (path, answer.status_code)
        answer = client.post(
            path, content=b" " * (2 * LIMIT), headers=MULTIPART | headers
        )  # declared Content-Length: refused before the app runs
        assert answer.status_code == 413, (path, answer.status_code)


def test_a_real_session_still_gets_the_upload_limit(client: TestClient) -> None:
    login(client, "hr@demo.openler.org")
    signed = client.post(
        "/verifier/piedmont-hospital/rosters", content=chunks(2 * LIMIT), headers=MULTIPART
    )
    assert signed.status_code not in (413, 500), signed.text
    client.cookies.clear()
    expired = client.post(
        "/verifier/piedmont-hospital/rosters",
        content=chunks(2 * LIMIT),
        headers=MULTIPART | {"cookie": "openler_session=" + "A" * 43},
    )
    assert expired.status_code == 413
