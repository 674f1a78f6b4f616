"""A verification answered in words (services.verifiers.answers): who, what, standing, and
what the verifier may rely on — and nothing a forger wrote shown as fact."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from openler.services.issuers import issuing
from openler.services.people import accounts
from openler.services.verifiers import answers
from openler.services.verifiers.verifying import verify_document
from openler.services.wording import filled
from openler.store.models import Achievement, Organization
from openler.vc import Multikey, build_presentation, encode_jwt_credential, sign_presentation
from tests.conftest import SETUP, load_demo


def issued(platform: Any, **extra: Any) -> tuple[str, dict[str, Any]]:
    with platform.db.session() as s:
        load_demo(s, platform)
        holder = Multikey.from_seed(bytes([7]) * 32)
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
        row = issuing.issue(s, platform, SETUP, board, rn, recipient=nurse)
        return row.id, row.document


def said(platform: Any, data: Any, **kwargs: Any) -> answers.Verdict:
    presentation = isinstance(data, dict) and "VerifiablePresentation" in data.get("type", [])
    with platform.db.session() as s:
        report = verify_document(
            s,
            platform,
            data,
            jurisdiction=kwargs.get("jurisdiction"),
            challenge="c-1" if presentation else None,
            domain="https://hospital.example" if presentation else None,
        )
        return answers.answer(s, platform, data, report, **kwargs)


def test_a_credential_alone_says_what_it_is_and_that_a_file_does_not_show_who_holds_it(
    platform: Any,
) -> None:
    _id, document = issued(platform)
    verdict = said(platform, document, jurisdiction="US-NC")
    (one,) = verdict.answers
    assert verdict.presented is None and verdict.good
    assert filled(one.said).startswith("Registered Nurse, a licence from Ohio Board of Nursing")
    assert "Active — valid until " in filled(one.standing)
    assert filled(one.standing).endswith("recognised in North Carolina")
    assert one.binding == "file" and "a file alone does not show who" in filled(one.bound)
    assert one.issuer_registered and "Registered Nurses" in [a.name for a in one.aligned]
    assert filled(one.rely).startswith("You may rely on what it says")
    # the same answer from the compact JWT form is not claimed here (a JWT of another
    # issuer key does not verify): it says so, by its claimed issuer
    data = one.to_json()
    assert data["state"]["state"] == "active" and data["good"] is True


def test_revoked_with_its_reason_and_a_presentation_bound_to_its_holder(platform: Any) -> None:
    credential_id, document = issued(platform)
    holder = Multikey.from_seed(bytes([7]) * 32)
    presentation = sign_presentation(
        build_presentation([document], holder=holder.controller),
        holder,
        challenge="c-1",
        domain="https://hospital.example",
        created=platform.now(),
    )
    verdict = said(platform, presentation, holder="Ana Holder")
    (one,) = verdict.answers
    assert verdict.presented is True and one.binding == "presented"
    assert filled(one.said).startswith("Ana Holder holds Registered Nurse")
    assert filled(one.bound).startswith("Ana Holder signed what they shared")
    with platform.db.session() as s:
        issuing.set_status(
            s, platform, SETUP, credential_id, action="revoke", reason="Licence surrendered"
        )
    (again,) = said(platform, presentation, holder="Ana Holder").answers
    assert not again.good and filled(again.rely) == "Do not rely on it."
    assert filled(again.standing).endswith("by Ohio Board of Nursing: Licence surrendered")
    assert filled(again.standing).startswith("revoked on ")


def test_a_forgery_that_claims_a_registered_issuer_is_not_given_its_registry_name(
    platform: Any,
) -> None:
    _id, document = issued(platform)
    forged = copy.deepcopy(document)
    forged["issuer"]["name"] = "Board of Everything"
    verdict = said(platform, forged)
    (one,) = verdict.answers
    assert not one.good and not one.issuer_registered
    assert one.issuer == "Board of Everything"  # what it claims, not the registry's name
    assert "said to be from Board of Everything" in filled(one.said)
    assert filled(one.standing).startswith("Does not verify: its signature does not match")


def test_a_jwt_and_nonsense_are_answered(platform: Any) -> None:
    _id, document = issued(platform)
    key = Multikey.from_seed(bytes([9]) * 32)
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    token = encode_jwt_credential(unsigned, key, at=platform.now())
    verdict = said(platform, token)
    (one,) = verdict.answers
    assert one.name == "Registered Nurse" and not one.good  # signed by a key not the issuer's
    nothing = said(platform, "hello")
    assert nothing.answers == () and nothing.problem is not None
    assert filled(nothing.problem).startswith("This is not a credential")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    ["type", "issuer", "credentialSubject", "verifiableCredential", "name", "id"]
                )
                | st.text(max_size=8),
                inner,
                max_size=5,
            )
        ),
        max_leaves=20,
    )
)
def test_any_document_gets_an_answer_or_a_problem_never_an_error(platform: Any, data: Any) -> None:
    """Whatever a hostile holder sends, the answer is made of what verified: never an
    exception, and a good answer only for something that verified."""
    with platform.db.session() as s:
        report = verify_document(s, platform, {"x": data} if not isinstance(data, dict) else data)
        verdict = answers.answer(
            s, platform, data if isinstance(data, dict) else {"x": data}, report
        )
    assert verdict.answers or verdict.problem is not None
    assert not verdict.good or report.verified


@pytest.mark.parametrize(
    ("code", "name"),
    [("US-OH", "Ohio"), ("US", "the United States"), ("GB", "the United Kingdom"), ("Q", "Q")],
)
def test_places_are_named(code: str, name: str) -> None:
    assert answers.place_name(code) == name


def test_a_forgery_from_an_unknown_issuer_does_not_verify_before_anything_else(
    platform: Any,
) -> None:
    """The signature is judged before the trust registry: a forged document naming an
    issuer nobody registered "does not verify", not "issuer not authorised"."""
    _id, document = issued(platform)
    forged = copy.deepcopy(document)
    forged["issuer"] = {
        "id": Multikey.from_seed(bytes([3]) * 32).controller,
        "type": ["Profile"],
        "name": "Fake Board",
    }
    (one,) = said(platform, forged, jurisdiction="US-NC").answers
    assert one.state.code == "unverified" and not one.good
    assert filled(one.standing).startswith("Does not verify: ")
    assert "said to be from Fake Board" in filled(one.said)


def test_a_credential_renewed_since_still_counts_and_says_a_newer_one_replaces_it(
    platform: Any,
) -> None:
    """Renewal supersedes without revoking: a copy handed out earlier counts to its own end
    date — the answer may not say both "do not rely on it" and "still valid"."""
    from openler.services.issuers import lifecycle

    credential_id, document = issued(platform)
    with platform.db.session() as s:
        lifecycle.renew(s, platform, SETUP, credential_id)
    (one,) = said(platform, document).answers
    assert one.good and filled(one.rely).startswith("You may rely on what it says")
    standing = filled(one.standing)
    assert standing.startswith("Active — valid until ")
    assert "; a newer one replaces it (renewed on " in standing
    with platform.db.session() as s:
        issuing.set_status(s, platform, SETUP, credential_id, action="revoke", reason="Error")
    (revoked,) = said(platform, document).answers
    assert not revoked.good


def test_a_file_that_names_nobody_says_so(platform: Any) -> None:
    _id, document = issued(platform)
    (one,) = said(platform, document).answers
    assert one.holder is None
    assert filled(one.bound).startswith("The credential does not name its holder")
