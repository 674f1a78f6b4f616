"""Hypothesis strategies for OB 3.0 / VC 2.0 credentials."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from openler.vc.models import ACHIEVEMENT_TYPES

OB_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)
uuids = st.uuids().map(lambda u: f"urn:uuid:{u}")
dates = st.datetimes(
    min_value=__import__("datetime").datetime(2000, 1, 1),
    max_value=__import__("datetime").datetime(2025, 12, 31),
).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))


@st.composite
def alignments(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetName": draw(text),
        "targetUrl": f"https://framework.example/{draw(st.integers(0, 10**6))}",
        **({"targetCode": draw(text)} if draw(st.booleans()) else {}),
    }


@st.composite
def ob_credentials(draw: st.DrawFn) -> dict[str, Any]:
    """Unsigned OpenBadgeCredentials with nested achievements, results and evidence."""
    achievement: dict[str, Any] = {
        "id": draw(uuids),
        "type": ["Achievement"],
        "name": draw(text),
        "description": draw(text),
        "criteria": {"narrative": draw(text)},
        "achievementType": draw(st.sampled_from(ACHIEVEMENT_TYPES)),
    }
    if draw(st.booleans()):
        achievement["alignment"] = draw(st.lists(alignments(), min_size=1, max_size=3))
    if draw(st.booleans()):
        achievement["creditsAvailable"] = draw(
            st.one_of(st.integers(0, 500), st.floats(0, 500, allow_nan=False))
        )
    if draw(st.booleans()):
        achievement["tag"] = draw(st.lists(text, max_size=3))
    subject: dict[str, Any] = {
        "id": f"did:example:{draw(st.integers(0, 10**9))}",
        "type": ["AchievementSubject"],
        "achievement": achievement,
    }
    if draw(st.booleans()):
        subject["result"] = [
            {"type": ["Result"], "status": draw(st.sampled_from(["Completed", "InProgress"]))}
        ]
    if draw(st.booleans()):
        subject["licenseNumber"] = draw(text)
    credential: dict[str, Any] = {
        "@context": OB_CONTEXT,
        "id": draw(uuids),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": draw(text),
        "issuer": {"type": ["Profile"], "name": draw(text)},
        "validFrom": draw(dates),
        "credentialSubject": subject,
    }
    if draw(st.booleans()):
        credential["evidence"] = [{"type": ["Evidence"], "narrative": draw(text)}]
    if draw(st.booleans()):
        credential["description"] = draw(text)
    return credential
