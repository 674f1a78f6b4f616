"""Achievements: definitions checked against the strict OB 3.0 model with messages per field
and row, versions that issued credentials keep, retiring, images and baked badges, and who
may read or change them (allowed and refused)."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.errors import Conflict, Forbidden, NotFound
from openler.services.issuers import achievements, badges, issuing, orgs
from openler.services.issuers.achievement_checks import InvalidAchievement, definition, label
from openler.services.issuers.achievements import Image
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.store.models import AchievementVersion, AuditEvent, IssuedCredential, Person
from openler.vc import extract_png, extract_svg
from tests.conftest import SETUP, load_demo

LPN = {
    "name": "Licensed Practical Nurse",
    "description": "Licensed to practise as an LPN in Ohio.",
    "criteria": {"narrative": "An approved program and the NCLEX-PN."},
    "achievementType": "License",
}
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4"/></svg>'


def png(width: int = 2, height: int = 2) -> bytes:
    """A small, valid RGBA PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    rows = b"".join(b"\0" + b"\x10\x20\x30\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def s(platform: Any) -> Iterator[Session]:
    with platform.db.session() as session:
        load_demo(session, platform)
        yield session


def who(s: Session, name: str) -> Principal:
    person = s.execute(
        select(Person).where(Person.email == f"{name}@demo.openler.org")
    ).scalar_one()
    return accounts.principal_for(s, person)


def ohio(s: Session) -> Any:
    return orgs.organization_by_slug(s, "ohio-nursing")


def audited(s: Session, action: str, subject: str | None = None) -> list[AuditEvent]:
    """The audit events of ``action`` (on ``subject``) written by the test, after the demo's."""
    query = select(AuditEvent).where(AuditEvent.action == action)
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    return list(s.scalars(query))


def test_creating_writes_version_one_and_an_audit_event(s: Session, platform: Any) -> None:
    row = achievements.create_achievement(
        s, platform, who(s, "olivia"), ohio(s), slug="lpn", data=LPN, valid_days=730
    )
    assert row.version == 1 and row.valid_days == 730
    assert row.data["id"] == "http://127.0.0.1:8000/orgs/ohio-nursing/achievements/lpn"
    assert row.data["type"] == ["Achievement"] and row.data["version"] == "1"
    (version,) = s.scalars(
        select(AchievementVersion).where(AchievementVersion.achievement_id == row.id)
    )
    assert version.version == 1 and version.data == row.data and version.valid_days == 730
    assert version.created_by == who(s, "olivia").label
    (event,) = audited(s, "achievement.create", row.data["id"])
    assert event.subject == row.data["id"] and event.actor == who(s, "olivia").label


def test_caller_cannot_set_what_openler_manages(s: Session, platform: Any) -> None:
    data = {**LPN, "id": "https://elsewhere.example/x", "version": "99", "type": "Evil"}
    data["image"] = {"id": "https://elsewhere.example/x.png", "type": "Image"}
    row = achievements.create_achievement(
        s, platform, who(s, "olivia"), ohio(s), slug="lpn", data=data
    )
    assert row.data["id"].endswith("/achievements/lpn") and row.data["version"] == "1"
    assert row.data["type"] == ["Achievement"] and "image" not in row.data


def full_definition() -> dict[str, Any]:
    data, problems = definition(
        name="Infusion Therapy",
        description="Safe IV therapy.",
        criteria="Sixteen hours and a skills check.",
        criteria_url="https://nursing.ohio.gov/iv",
        achievement_type="Certificate",
        credits="1.5",
        field_of_study="Nursing",
        specialization="Infusion",
        tags="nursing, iv, nursing",
        alignments=[
            {
                "targetName": "Administer medications",
                "targetUrl": "https://www.onetonline.org/link/summary/29-1141.00",
                "targetType": "ext:ONET",
                "targetCode": "29-1141.00",
                "targetFramework": "O*NET-SOC 2019",
            },
            {"targetName": "", "targetUrl": ""},  # a blank row is left out
        ],
        results=[{"name": "Grade", "resultType": "LetterGrade", "allowedValue": "A, B, C"}],
    )
    assert problems == []
    return data


def test_every_field_of_a_definition_is_kept(s: Session, platform: Any) -> None:
    row = achievements.create_achievement(
        s, platform, who(s, "olivia"), ohio(s), slug="iv", data=full_definition()
    )
    data = row.data
    assert data["criteria"] == {
        "id": "https://nursing.ohio.gov/iv",
        "narrative": "Sixteen hours and a skills check.",
    }
    assert data["creditsAvailable"] == 1.5 and data["tag"] == ["nursing", "iv"]
    assert data["fieldOfStudy"] == "Nursing" and data["specialization"] == "Infusion"
    (alignment,) = data["alignment"]
    assert alignment["type"] == ["Alignment"] and alignment["targetCode"] == "29-1141.00"
    (result,) = data["resultDescription"]
    assert result["allowedValue"] == ["A", "B", "C"]
    assert result["id"] == f"{data['id']}#result-grade"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"name": " "}, "name"),
        ({"description": ""}, "description"),
        ({"criteria": {}}, "criteria"),
        ({"criteria": {"id": "not a url"}}, "criteria.id"),
        ({"achievementType": "Licence"}, "achievementType"),
        ({"creditsAvailable": -1}, "creditsAvailable"),
        ({"creditsAvailable": "three"}, "creditsAvailable"),
        ({"tag": "nursing"}, "tag"),
        ({"fieldOfStudy": 7}, "fieldOfStudy"),
        (
            {
                "alignment": [
                    {"targetName": "A", "targetUrl": "https://a.example"},
                    {"targetName": "B"},
                ]
            },
            "alignment.2.targetUrl",
        ),
        (
            {"alignment": [{"targetName": "A", "targetUrl": "https://a", "targetType": "O*NET"}]},
            "alignment.1.targetType",
        ),
        ({"resultDescription": [{"name": "Score", "resultType": "Mark"}]}, "resultDescription.1.resultType"),
        (
            {
                "resultDescription": [
                    {"name": "Grade", "resultType": "LetterGrade", "allowedValue": ["A", "B"],
                     "requiredValue": "C"}
                ]
            },
            "resultDescription.1.requiredValue",
        ),
        (
            {
                "resultDescription": [
                    {"name": "Grade", "resultType": "LetterGrade"},
                    {"name": "grade", "resultType": "Percent"},
                ]
            },
            "resultDescription.2.name",
        ),
    ],
)  # fmt: skip
def test_a_wrong_definition_is_refused_naming_the_field(
    s: Session, platform: Any, change: dict[str, Any], where: str
) -> None:
    with pytest.raises(InvalidAchievement) as refused:
        achievements.create_achievement(
            s, platform, who(s, "olivia"), ohio(s), slug="lpn", data={**LPN, **change}
        )
    assert where in [p.where for p in refused.value.problems], refused.value.message
    assert refused.value.message.startswith(label(refused.value.problems[0].where))
    with pytest.raises(NotFound):
        achievements.achievement_by_slug(s, ohio(s), "lpn")


def test_the_message_names_every_problem_in_words(s: Session, platform: Any) -> None:
    data = {
        **LPN,
        "name": "",
        "alignment": [{"targetName": "", "targetUrl": "ftp://x"}],
    }
    with pytest.raises(InvalidAchievement) as refused:
        achievements.create_achievement(
            s, platform, who(s, "olivia"), ohio(s), slug="lpn", data=data, valid_days=0
        )
    message = refused.value.message
    assert "Name: give the achievement a name" in message
    assert "Alignment 1, name:" in message and "Alignment 1, web address:" in message
    assert "Valid for (days):" in message


def test_the_definition_helper_reports_a_number_it_cannot_read() -> None:
    _data, problems = definition(name="x", description="y", criteria="z", credits="three")
    assert [p.where for p in problems] == ["creditsAvailable"]


@pytest.mark.parametrize("slug", ["", "Has Caps", "new", "-x", "a" * 121, "a/b"])
def test_a_bad_slug_is_refused(s: Session, platform: Any, slug: str) -> None:
    with pytest.raises(InvalidAchievement) as refused:
        achievements.create_achievement(s, platform, who(s, "olivia"), ohio(s), slug=slug, data=LPN)
    assert refused.value.problems[0].where == "slug"


def test_a_slug_is_used_once_per_organization(s: Session, platform: Any) -> None:
    with pytest.raises(Conflict, match="already has an achievement 'registered-nurse'"):
        achievements.create_achievement(
            s, platform, who(s, "olivia"), ohio(s), slug="registered-nurse", data=LPN
        )


def issue_to(s: Session, platform: Any, achievement: Any, email: str) -> IssuedCredential:
    person = s.execute(select(Person).where(Person.email == email)).scalar_one()
    return issuing.issue(s, platform, SETUP, ohio(s), achievement, recipient=person)


def test_an_edit_writes_the_next_version_and_issued_credentials_keep_theirs(
    s: Session, platform: Any
) -> None:
    olivia = who(s, "olivia")
    row = achievements.create_achievement(
        s, platform, olivia, ohio(s), slug="lpn", data=LPN, valid_days=365
    )
    first = issue_to(s, platform, row, "james@demo.openler.org")
    edited = {**LPN, "description": "Licensed to practise as an LPN in the State of Ohio."}
    changed = achievements.edit_achievement(
        s, platform, olivia, ohio(s), row, data=edited, valid_days=730
    )
    assert [(c.where, c.after) for c in changed] == [
        ("description", edited["description"]),
        ("valid_days", "730"),
    ]
    assert row.version == 2 and row.data["version"] == "2" and row.valid_days == 730
    second = issue_to(s, platform, row, "dana@demo.openler.org")
    assert (first.achievement_version, second.achievement_version) == (1, 2)
    first_achievement = first.document["credentialSubject"]["achievement"]
    assert first_achievement["description"] == LPN["description"]
    assert first_achievement["version"] == "1"
    assert second.document["credentialSubject"]["achievement"]["version"] == "2"
    history = achievements.versions(s, olivia, ohio(s), row)
    assert [(v.version, v.issued) for v in history] == [(2, 1), (1, 1)]
    assert [c.where for c in history[0].changes] == ["description", "valid_days"]
    assert history[0].created_by == "Olivia Chen" and history[1].changes == []
    (event,) = audited(s, "achievement.edit")
    assert event.data == {"version": 2, "changed": ["description", "valid_days"]}


def test_an_edit_that_changes_nothing_writes_nothing(s: Session, platform: Any) -> None:
    olivia = who(s, "olivia")
    row = achievements.create_achievement(
        s, platform, olivia, ohio(s), slug="lpn", data=LPN, valid_days=365
    )
    again = achievements.edit_achievement(
        s, platform, olivia, ohio(s), row, data=dict(LPN), valid_days=365
    )
    assert again == [] and row.version == 1
    assert audited(s, "achievement.edit") == []
    assert len(achievements.versions(s, olivia, ohio(s), row)) == 1


def test_an_invalid_edit_changes_nothing(s: Session, platform: Any) -> None:
    olivia = who(s, "olivia")
    row = achievements.create_achievement(s, platform, olivia, ohio(s), slug="lpn", data=LPN)
    with pytest.raises(InvalidAchievement):
        achievements.edit_achievement(
            s, platform, olivia, ohio(s), row, data={**LPN, "name": ""}, valid_days=None
        )
    assert row.version == 1 and row.data["name"] == LPN["name"]


def test_retiring_stops_issuance_and_can_be_undone(s: Session, platform: Any) -> None:
    olivia = who(s, "olivia")
    row = achievements.achievement_by_slug(s, ohio(s), "registered-nurse")
    achievements.retire(s, platform, olivia, ohio(s), row)
    assert row.retired_at == platform.now()
    with pytest.raises(Conflict, match="retired"):
        issue_to(s, platform, row, "james@demo.openler.org")
    assert row not in achievements.achievements_of(s, olivia, ohio(s))
    issued = s.scalars(select(IssuedCredential.id).where(IssuedCredential.achievement_id == row.id))
    listed = achievements.listing(s, olivia, ohio(s))
    counts = {entry.achievement.slug: entry.issued for entry in listed}
    assert counts["registered-nurse"] == len(list(issued))  # retired, still listed
    with pytest.raises(Conflict, match="offer it again"):
        achievements.edit_achievement(s, platform, olivia, ohio(s), row, data=LPN, valid_days=None)
    with pytest.raises(Conflict, match="already retired"):
        achievements.retire(s, platform, olivia, ohio(s), row)
    achievements.retire(s, platform, olivia, ohio(s), row, retired=False)
    assert row.retired_at is None and row in achievements.achievements_of(s, olivia, ohio(s))
    issue_to(s, platform, row, "james@demo.openler.org")
    assert len(audited(s, "achievement.retire")) == len(audited(s, "achievement.unretire")) == 1


def test_an_image_is_part_of_the_definition(s: Session, platform: Any) -> None:
    olivia = who(s, "olivia")
    row = achievements.create_achievement(
        s, platform, olivia, ohio(s), slug="lpn", data=LPN, image=Image(png())
    )
    assert row.image_type == "image/png" and row.image == png()
    image = row.data["image"]
    assert image["type"] == "Image" and image["id"].startswith(f"{row.data['id']}/image?v=")
    changed = achievements.edit_achievement(
        s, platform, olivia, ohio(s), row, data=LPN, valid_days=None, image=Image(SVG)
    )
    assert [c.where for c in changed] == ["image"] and row.image_type == "image/svg+xml"
    assert row.data["image"]["id"] != image["id"]
    removed = achievements.edit_achievement(
        s, platform, olivia, ohio(s), row, data=LPN, valid_days=None, remove_image=True
    )
    assert [c.where for c in removed] == ["image"] and "image" not in row.data
    assert row.image is None and row.version == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"GIF89a....", "PNG or an SVG"),
        (b"\x89PNG\r\n\x1a\n" + png()[8:40], "damaged"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\0IDAT", "no header chunk"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "<script>"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><g/></svg>",
            "event attribute",
        ),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:x='http://www.w3.org/1999/xlink'>"
            b"<image x:href='https://tracker.example/p.png'/></svg>",
            "links to another",
        ),
        (
            b"<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY x 'y'>]>"
            b"<svg xmlns='http://www.w3.org/2000/svg'>&x;</svg>",
            "not well-formed, safe XML",
        ),
        (b"<?xml version='1.0'?><html><svg/></html>", "not an SVG image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "draws nothing"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'>" + b" " * 500_000 + b"</svg>", "at most 500"),
    ],
)
def test_images_are_checked_by_content(content: bytes, message: str) -> None:
    with pytest.raises(Exception, match=message) as refused:
        Image(content)
    assert refused.type.__name__ == "UsageError"


def test_an_svg_may_use_its_own_fragments_and_inline_images() -> None:
    svg = (
        b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:x='http://www.w3.org/1999/xlink'>"
        b"<defs><circle id='c' r='2'/></defs><use x:href='#c'/>"
        b"<image href='data:image/png;base64,AAAA'/></svg>"
    )
    assert Image(svg).media_type == badges.SVG


@pytest.mark.parametrize(("image", "extract"), [(png(), extract_png), (SVG, extract_svg)])
def test_a_credential_downloads_as_a_baked_badge(
    s: Session, platform: Any, image: bytes, extract: Any
) -> None:
    olivia = who(s, "olivia")
    row = achievements.create_achievement(
        s, platform, olivia, ohio(s), slug="lpn", data=LPN, image=Image(image)
    )
    credential = issue_to(s, platform, row, "james@demo.openler.org")
    badge = achievements.badge_of(s, credential)
    assert badge is not None
    assert achievements.badge_format(s, credential) == ("PNG" if image == png() else "SVG")
    assert json.loads(extract(badge.content)) == credential.document
    assert badge.filename == "licensed-practical-nurse." + ("png" if image == png() else "svg")
    bare = achievements.create_achievement(
        s, platform, olivia, ohio(s), slug="lpn-plain", data={**LPN, "name": "LPN, plain"}
    )
    plain = issue_to(s, platform, bare, "james@demo.openler.org")
    assert achievements.badge_of(s, plain) is None
    assert achievements.badge_format(s, plain) is None


# --- who may do what ---------------------------------------------------------------------


def piedmont(s: Session) -> Any:
    return orgs.organization_by_slug(s, "piedmont-hospital")


@pytest.mark.parametrize(
    ("name", "org", "allowed"),
    [
        ("olivia", ohio, True),  # the organization's administrator
        ("admin", ohio, True),  # a platform administrator
        ("trainer", piedmont, False),  # staff read but do not change
        ("trainer", ohio, False),  # staff of another organization
        ("olivia", piedmont, False),  # an administrator of another organization
        ("maria", ohio, False),  # a learner
    ],
)
def test_who_may_change_achievements(
    s: Session, platform: Any, name: str, org: Any, allowed: bool
) -> None:
    principal, organization = who(s, name), org(s)
    existing = achievements.achievements_of(s, SETUP, organization)[0]
    attempts: list[Callable[[], object]] = [
        lambda: achievements.create_achievement(
            s, platform, principal, organization, slug="lpn", data=LPN
        ),
        lambda: achievements.edit_achievement(
            s, platform, principal, organization, existing, data=LPN, valid_days=9
        ),
        lambda: achievements.retire(s, platform, principal, organization, existing),
    ]
    for attempt in attempts:
        if allowed:
            attempt()
        else:
            with pytest.raises(Forbidden):
                attempt()
    assert (existing.version, existing.retired_at is not None) == (
        (2, True) if allowed else (1, False)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "org", "allowed"),
    [
        ("trainer", piedmont, True),  # staff read their organization's achievements
        ("olivia", ohio, True),
        ("trainer", ohio, False),  # staff of another organization
        ("maria", piedmont, False),  # a learner
        ("hr", piedmont, False),  # a verifier of the same organization
    ],
)
def test_who_may_read_achievements(s: Session, name: str, org: Any, allowed: bool) -> None:
    principal, organization = who(s, name), org(s)
    slug = achievements.achievements_of(s, SETUP, organization)[0].slug
    reads: list[Callable[[], object]] = [
        lambda: achievements.listing(s, principal, organization),
        lambda: achievements.achievement_for(s, principal, organization, slug),
        lambda: achievements.versions(
            s, principal, organization, achievements.achievement_by_slug(s, organization, slug)
        ),
    ]
    for read in reads:
        if allowed:
            assert read()
        else:
            with pytest.raises(Forbidden):
                read()


def test_an_achievement_of_another_organization_is_not_changed_through_this_one(
    s: Session, platform: Any
) -> None:
    other = achievements.achievements_of(s, SETUP, piedmont(s))[0]
    olivia = who(s, "olivia")
    with pytest.raises(Exception, match="has no achievement") as refused:
        achievements.retire(s, platform, olivia, ohio(s), other)
    assert refused.type.__name__ == "NotFound" and other.retired_at is None
