"""Presentation requests: single-use challenges bound to the verifier's domain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from openler.services.errors import Conflict, Forbidden, NotFound
from openler.services.issuers import issuing
from openler.services.people import accounts
from openler.services.verifiers import requests
from openler.store.models import Achievement, Organization, Person
from openler.vc import Multikey, build_presentation, sign_presentation
from tests.conftest import SETUP, load_demo


def world(platform: Any) -> dict[str, Any]:
    holder = Multikey.from_seed(bytes([42]) * 32)
    with platform.db.session() as s:
        load_demo(s, platform)
        nurse = accounts.create_person(
            s,
            platform,
            name="Ana Holder",
            email="ana@example.org",
            password=None,
            did=holder.controller,
            actor=SETUP,
        )
        board = s.execute(
            select(Organization).where(Organization.slug == "ohio-nursing")
        ).scalar_one()
        rn = s.execute(
            select(Achievement).where(Achievement.slug == "registered-nurse")
        ).scalar_one()
        credential = issuing.issue(s, platform, SETUP, board, rn, recipient=nurse).document
        hr = s.execute(select(Person).where(Person.email == "hr@demo.openler.org")).scalar_one()
        maria = s.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        return {
            "holder": holder,
            "credential": credential,
            "verifier": accounts.principal_for(s, hr),
            "learner": accounts.principal_for(s, maria),
        }


def presentation_for(w: dict[str, Any], request: Any, platform: Any) -> dict[str, Any]:
    return sign_presentation(
        build_presentation([w["credential"]], holder=w["holder"].controller),
        w["holder"],
        challenge=request.challenge,
        domain=request.domain,
        created=platform.now(),
    )


def test_request_is_answered_once(platform: Any) -> None:
    w = world(platform)
    with platform.db.session() as s:
        request = requests.create_request(
            s,
            platform,
            w["verifier"],
            organization_slug="piedmont-hospital",
            query={"type": "License"},
        )
        challenge = request.challenge
        vp = presentation_for(w, request, platform)
    with platform.db.session() as s:
        report = requests.answer_request(s, platform, challenge, vp)
        assert report.verified, report.summary
    with platform.db.session() as s, pytest.raises(Conflict, match="already answered"):
        requests.answer_request(s, platform, challenge, vp)
    with platform.db.session() as s, pytest.raises(NotFound):
        requests.answer_request(s, platform, "made-up-challenge", vp)


def test_a_presentation_for_another_request_fails(platform: Any) -> None:
    w = world(platform)
    with platform.db.session() as s:
        first = requests.create_request(
            s, platform, w["verifier"], organization_slug="piedmont-hospital", query={}
        )
        second = requests.create_request(
            s, platform, w["verifier"], organization_slug="piedmont-hospital", query={}
        )
        vp = presentation_for(w, first, platform)
        challenge = second.challenge
    with platform.db.session() as s:
        report = requests.answer_request(s, platform, challenge, vp)
        assert not report.verified and "challenge mismatch" in report.summary


def test_expired_requests_and_roles(platform: Any) -> None:
    w = world(platform)
    with platform.db.session() as s:
        request = requests.create_request(
            s, platform, w["verifier"], organization_slug="piedmont-hospital", query={}, minutes=1
        )
        challenge = request.challenge
        vp = presentation_for(w, request, platform)
        with pytest.raises(Forbidden):
            requests.create_request(
                s, platform, w["learner"], organization_slug="piedmont-hospital", query={}
            )
    from dataclasses import replace

    later = replace(platform, clock=lambda: platform.now() + timedelta(minutes=5))
    with platform.db.session() as s, pytest.raises(Conflict, match="expired"):
        requests.answer_request(s, later, challenge, vp)


def test_a_request_answer_must_bind_the_holder(platform: Any) -> None:
    """openler's policy for presentation requests, stricter than VC Data Model 2.0 (which
    makes holder optional, §4.13, and allows holder ≠ subject, §1.2): the answer must name
    its holder, be signed by the holder, and be about the holder. A refused answer leaves
    the request open; the bound answer then fulfils it."""
    w = world(platform)
    stranger = Multikey.from_seed(bytes([43]) * 32)
    with platform.db.session() as s:
        request = requests.create_request(
            s, platform, w["verifier"], organization_slug="piedmont-hospital", query={}
        )
        challenge, domain, request_id = request.challenge, request.domain, request.id
    no_holder = build_presentation([w["credential"]], holder=w["holder"].controller)
    del no_holder["holder"]
    someone_else = build_presentation([w["credential"]], holder=stranger.controller)
    for unsigned, key in ((no_holder, w["holder"]), (someone_else, stranger)):
        vp = sign_presentation(
            unsigned, key, challenge=challenge, domain=domain, created=platform.now()
        )
        with platform.db.session() as s:
            report = requests.answer_request(s, platform, challenge, vp)
            assert report.check("holder").status == "failed", report.to_json()  # type: ignore[union-attr]
            assert not report.verified
        with platform.db.session() as s:
            assert s.get(type(request), request_id).fulfilled_at is None
    with platform.db.session() as s:
        bound = sign_presentation(
            build_presentation([w["credential"]], holder=w["holder"].controller),
            w["holder"],
            challenge=challenge,
            domain=domain,
            created=platform.now(),
        )
        assert requests.answer_request(s, platform, challenge, bound).verified
    with platform.db.session() as s:
        assert s.get(type(request), request_id).fulfilled_at is not None
