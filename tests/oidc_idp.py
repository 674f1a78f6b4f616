"""A small OpenID Connect provider for tests, served on 127.0.0.1 by uvicorn in a thread.

It does what a real provider does for the authorization code flow (discovery, a consent
page, codes bound to client, redirect URI, nonce and PKCE challenge, client
authentication, RS256 ID tokens, JWKS) and can be told to misbehave (``tamper``)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class FakeProvider:
    client_id: str = "openler"
    client_secret: str = "s3cret-for-tests"
    redirect_uris: list[str] = field(default_factory=list)
    #: who is signed in at the provider
    user: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "idp-user-1",
            "email": "maria@example.org",
            "email_verified": True,
            "name": "Maria Lopez",
        }
    )
    #: claims to override in the next ID tokens (a value of None removes the claim), and
    #: "alg" ("none", "HS256"), "foreign_key", "kid", "token_error"
    tamper: dict[str, Any] = field(default_factory=dict)
    issuer: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)
    clock: Any = time.time

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.app = self._build()

    def rotate_key(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": f"k{secrets.token_hex(3)}"})

    def id_token(self, nonce: str) -> str:
        now = int(self.clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.user,
        }
        for name, value in self.tamper.get("claims", {}).items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        alg = self.tamper.get("alg", "RS256")
        if alg == "none":
            unsigned = _b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            return f"{unsigned}.{_b64url(json.dumps(claims).encode())}."
        if alg == "HS256":
            secret = OctKey.import_key(self.client_secret.encode())
            return jwt.encode({"alg": "HS256", "kid": "k1"}, claims, secret, algorithms=["HS256"])
        key = self.key
        if self.tamper.get("foreign_key"):  # same kid, another key: a forged signature
            key = RSAKey.generate_key(2048, parameters={"kid": str(self.key.kid)})
        header = {"alg": "RS256", "kid": str(self.tamper.get("kid", key.kid))}
        return jwt.encode(header, claims, key)

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.tamper.get("discovery_issuer", self.issuer),
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return {"keys": [self.key.as_dict(private=False)]}

        @app.get("/authorize", response_class=HTMLResponse)
        def authorize(request: Request) -> Response:
            query = dict(request.query_params)
            self.requests.append(query)
            if query.get("client_id") != self.client_id:
                return HTMLResponse("unknown client", status_code=400)
            if query.get("redirect_uri") not in self.redirect_uris:
                return HTMLResponse("unregistered redirect_uri", status_code=400)
            if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
                return HTMLResponse("PKCE (S256) is required", status_code=400)
            hidden = "".join(
                f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                for k, v in query.items()
            )
            return HTMLResponse(
                '<!doctype html><html lang="en"><head><title>Test identity provider</title>'
                '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
                "<body><main><h1>Test identity provider</h1>"
                f"<p>Signed in as {escape(str(self.user.get('email')))}.</p>"
                f'<form method="post" action="/authorize">{hidden}'
                '<button name="decision" value="allow">Continue</button> '
                '<button name="decision" value="deny">Cancel</button></form></main></body></html>'
            )

        @app.post("/authorize")
        def approve(
            decision: str = Form(),
            redirect_uri: str = Form(),
            state: str = Form(),
            nonce: str = Form(),
            code_challenge: str = Form(),
        ) -> Response:
            if decision != "allow":
                query = {"error": "access_denied", "error_description": "the user said no"}
                return RedirectResponse(
                    f"{redirect_uri}?{urlencode({**query, 'state': state})}", 303
                )
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "redirect_uri": redirect_uri,
                "nonce": nonce,
                "challenge": code_challenge,
            }
            return RedirectResponse(
                f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", 303
            )

        @app.post("/token")
        def token(
            request: Request,
            form_code: str = Form(alias="code"),
            redirect_uri: str = Form(),
            code_verifier: str = Form(),
            grant_type: str = Form(),
        ) -> Response:
            auth = request.headers.get("authorization", "")
            expected = (
                "Basic "
                + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            )
            if auth != expected:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            if "token_error" in self.tamper:
                return JSONResponse({"error": self.tamper["token_error"]}, status_code=400)
            grant = self.codes.pop(form_code, None)  # single use
            if grant is None or grant_type != "authorization_code":
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            if grant["redirect_uri"] != redirect_uri:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            challenge = _b64url(hashlib.sha256(code_verifier.encode()).digest())
            if challenge != grant["challenge"]:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "PKCE"}, status_code=400
                )
            return JSONResponse(
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": self.id_token(grant["nonce"]),
                }
            )

        return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_provider(redirect_uris: list[str] | None = None) -> Iterator[FakeProvider]:
    """The provider, listening on 127.0.0.1 until the block ends."""
    port = _free_port()
    provider = FakeProvider(redirect_uris=list(redirect_uris or []))
    provider.issuer = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(provider.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=5)
