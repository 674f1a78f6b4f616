"""Achievements: what an organization awards, defined as Open Badges 3.0 ``Achievement``
objects — created, edited in versions, given an image, retired and offered again.

Every definition is checked against the strict OB 3.0 model before it is stored, and a
refusal names each field (and row) that is wrong and how to put it right
(:class:`InvalidAchievement`). Creating writes version 1; an edit that changes the
definition (its OB 3.0 data, its image or its default validity) writes the next version,
so that each issued credential keeps naming the version it was issued with
(``IssuedCredential.achievement_version``; its document holds that version's data). An
edit that changes nothing writes nothing. Retiring stops new issuance and keeps the
achievement listed; it can be offered again (nothing issued depends on it). Issuer
administrators change achievements; issuer staff read them. Every change is audited.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound
from openler.services.issuers import badges
from openler.services.issuers.achievement_checks import (
    InvalidAchievement,
    Problem,
    check,
    check_slug,
    label,
)
from openler.services.people.accounts import Principal, require_role
from openler.store.models import (
    Achievement,
    AchievementVersion,
    IssuedCredential,
    Organization,
    Person,
)

EDITORS = ("issuer_admin",)
READERS = ("issuer_admin", "issuer_staff")
#: what openler sets itself in an achievement's data (a caller's values are replaced)
MANAGED = ("id", "type", "version", "image")


@dataclass(frozen=True)
class Change:
    """How one field of the definition differs between two versions (text for people)."""

    where: str
    before: str
    after: str

    @property
    def label(self) -> str:
        return label(self.where)


@dataclass(frozen=True)
class VersionView:
    version: int
    created_at: datetime
    created_by: str
    valid_days: int | None
    data: dict[str, Any]
    changes: list[Change]
    issued: int


@dataclass(frozen=True)
class Listed:
    """An achievement in its organization's list, with how many credentials name it."""

    achievement: Achievement
    issued: int


@dataclass(frozen=True)
class Image:
    """An uploaded badge image (checked with :func:`badges.image_type`)."""

    content: bytes
    media_type: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "media_type", badges.image_type(self.content))


def problems_in(
    platform: Platform,
    organization: Organization,
    *,
    slug: str,
    data: dict[str, Any],
    valid_days: int | None,
) -> list[Problem]:
    """Every problem :func:`create_achievement` would refuse ``data`` for (but a taken
    slug), without storing anything: for a form that found problems of its own first."""
    complete = _complete(platform, organization, slug, data, version=1, image=None)
    return _problems(slug, complete, valid_days)


def _problems(slug: str, complete: dict[str, Any], valid_days: int | None) -> list[Problem]:
    found: list[Problem] = []
    try:
        check_slug(slug)
    except InvalidAchievement as exc:
        found += exc.problems
    try:
        check(complete, valid_days)
    except InvalidAchievement as exc:
        found += exc.problems
    return found


def achievement_url(platform: Platform, organization: Organization, slug: str) -> str:
    """The achievement's id, where its definition is published."""
    return f"{platform.settings.public_url}/orgs/{organization.slug}/achievements/{slug}"


def _complete(
    platform: Platform,
    organization: Organization,
    slug: str,
    data: dict[str, Any],
    *,
    version: int,
    image: tuple[bytes, str] | None,
) -> dict[str, Any]:
    """The stored OB 3.0 data: ``id``, ``type``, ``version`` and ``image`` set by openler,
    a ``type`` on each row, each result description given a stable id."""
    url = achievement_url(platform, organization, slug)
    body = {k: copy.deepcopy(v) for k, v in data.items() if k not in MANAGED}
    complete: dict[str, Any] = {"id": url, "type": ["Achievement"], **body}
    complete["version"] = str(version)
    if image is not None:
        digest = hashlib.sha256(image[0]).hexdigest()[:16]
        complete["image"] = {"id": f"{url}/image?v={digest}", "type": "Image"}
    for row in complete.get("alignment") or []:
        if isinstance(row, dict):
            row.setdefault("type", ["Alignment"])
    taken: set[str] = set()
    for row in complete.get("resultDescription") or []:
        if not isinstance(row, dict):
            continue
        row.setdefault("type", ["ResultDescription"])
        if not isinstance(row.get("id"), str) or not row["id"]:
            stem = re.sub(r"[^a-z0-9]+", "-", str(row.get("name") or "").strip().lower()).strip("-")
            candidate, n = f"{url}#result-{stem or 'x'}", 1
            while candidate in taken:
                n += 1
                candidate = f"{url}#result-{stem or 'x'}-{n}"
            row["id"] = candidate
        taken.add(row["id"])
    return complete


# --- reading --------------------------------------------------------------------------


def achievement_by_slug(session: Session, organization: Organization, slug: str) -> Achievement:
    """``organization``'s achievement ``slug`` (no access check: for callers that made one)."""
    achievement = session.execute(
        select(Achievement).where(
            Achievement.organization_id == organization.id, Achievement.slug == slug
        )
    ).scalar()
    if achievement is None:
        raise NotFound(f"{organization.name} has no achievement {slug!r}")
    return achievement


def may_edit(principal: Principal, organization: Organization) -> bool:
    """Whether ``principal`` may create, edit and retire ``organization``'s achievements."""
    try:
        require_role(principal, organization.id, *EDITORS)
    except Forbidden:
        return False
    return True


def require_editor(principal: Principal, organization: Organization) -> None:
    """Refuse anyone but the organization's administrators (and platform administrators)."""
    require_role(principal, organization.id, *EDITORS)


def achievement_for(
    session: Session, principal: Principal, organization: Organization, slug: str
) -> Achievement:
    """An achievement, for the organization's issuer staff and administrators."""
    require_role(principal, organization.id, *READERS)
    return achievement_by_slug(session, organization, slug)


def achievements_of(
    session: Session,
    principal: Principal,
    organization: Organization,
    *,
    include_retired: bool = False,
) -> list[Achievement]:
    """What ``organization`` can issue now (with ``include_retired``, every achievement),
    by slug. Issuer staff and administrators."""
    require_role(principal, organization.id, *READERS)
    query = select(Achievement).where(Achievement.organization_id == organization.id)
    if not include_retired:
        query = query.where(Achievement.retired_at.is_(None))
    return list(session.execute(query.order_by(Achievement.slug)).scalars())


def listing(session: Session, principal: Principal, organization: Organization) -> list[Listed]:
    """Every achievement of ``organization``, retired ones too, with how many credentials
    were issued of each (counted in the database)."""
    found = achievements_of(session, principal, organization, include_retired=True)
    counts = dict(
        session.execute(
            select(IssuedCredential.achievement_id, func.count())
            .where(IssuedCredential.organization_id == organization.id)
            .group_by(IssuedCredential.achievement_id)
        ).all()
    )
    return [Listed(a, int(counts.get(a.id, 0))) for a in found]


def _who(session: Session, actor: str | None) -> str:
    kind, _, rest = (actor or "").partition(":")
    if kind == "person":
        person = session.get(Person, rest)
        return person.name if person else "a person no longer here"
    if kind == "system":
        return f"openler ({rest})"
    return "openler"


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return "; ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        for key in ("targetName", "name", "narrative", "id"):
            if isinstance(value.get(key), str):
                extra = value.get("targetCode") or value.get("resultType")
                return f"{value[key]} ({extra})" if extra else str(value[key])
        return ", ".join(f"{k}: {_shown(v)}" for k, v in value.items() if k != "type")
    return str(value)


def changes(
    before: dict[str, Any], after: dict[str, Any], valid_before: int | None, valid_after: int | None
) -> list[Change]:
    """What differs between two definitions, field by field (the version number aside).

    >>> [(c.where, c.before, c.after) for c in changes({"name": "A"}, {"name": "B"}, 365, 730)]
    [('name', 'A', 'B'), ('valid_days', '365', '730')]
    """
    found = []
    for key in [*before, *(k for k in after if k not in before)]:
        if key in ("version", "id", "type"):
            continue
        if key == "criteria" and isinstance(before.get(key), dict):
            for sub in ("narrative", "id"):
                old, new = (before.get(key) or {}).get(sub), (after.get(key) or {}).get(sub)
                if old != new:
                    found.append(Change(f"criteria.{sub}", _shown(old), _shown(new)))
            continue
        if before.get(key) != after.get(key):
            old, new = before.get(key), after.get(key)
            if key == "image":
                old = "an image" if old else None
                new = "a new image" if new else None
            found.append(Change(key, _shown(old), _shown(new)))
    if valid_before != valid_after:
        found.append(Change("valid_days", _shown(valid_before), _shown(valid_after)))
    return found


def versions(
    session: Session, principal: Principal, organization: Organization, achievement: Achievement
) -> list[VersionView]:
    """Each version of ``achievement``, newest first, with what changed from the one before
    and how many credentials were issued with it. Issuer staff and administrators."""
    require_role(principal, organization.id, *READERS)
    rows = list(
        session.execute(
            select(AchievementVersion)
            .where(AchievementVersion.achievement_id == achievement.id)
            .order_by(AchievementVersion.version)
        ).scalars()
    )
    issued = dict(
        session.execute(
            select(IssuedCredential.achievement_version, func.count())
            .where(IssuedCredential.achievement_id == achievement.id)
            .group_by(IssuedCredential.achievement_version)
        ).all()
    )
    views: list[VersionView] = []
    previous: AchievementVersion | None = None
    for row in rows:
        diff = (
            changes(previous.data, row.data, previous.valid_days, row.valid_days)
            if previous is not None
            else []
        )
        views.append(
            VersionView(
                version=row.version,
                created_at=row.created_at,
                created_by=_who(session, row.created_by),
                valid_days=row.valid_days,
                data=row.data,
                changes=diff,
                issued=int(issued.get(row.version, 0)),
            )
        )
        previous = row
    return list(reversed(views))


def published(session: Session, organization: Organization, slug: str) -> Achievement:
    """An achievement as anyone may read it at its id (its definition and image are public,
    as they are in every credential issued with it)."""
    return achievement_by_slug(session, organization, slug)


# --- changing -------------------------------------------------------------------------


def _record_version(
    session: Session, platform: Platform, principal: Principal, achievement: Achievement
) -> None:
    session.add(
        AchievementVersion(
            achievement_id=achievement.id,
            version=achievement.version,
            data=copy.deepcopy(achievement.data),
            valid_days=achievement.valid_days,
            created_at=platform.now(),
            created_by=principal.label,
        )
    )
    session.flush()


def create_achievement(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    *,
    slug: str,
    data: dict[str, Any],
    valid_days: int | None = None,
    image: Image | None = None,
) -> Achievement:
    """A new achievement, version 1; ``data`` is an OB 3.0 Achievement without the
    properties openler sets (``id``, ``type``, ``version``, ``image``). Issuer
    administrators."""
    require_role(principal, organization.id, *EDITORS)
    stored = (image.content, image.media_type) if image else None
    complete = _complete(platform, organization, slug, data, version=1, image=stored)
    problems = _problems(slug, complete, valid_days)
    if problems:
        raise InvalidAchievement(problems)
    exists = session.execute(
        select(Achievement.id).where(
            Achievement.organization_id == organization.id, Achievement.slug == slug
        )
    ).scalar()
    if exists is not None:
        raise Conflict(f"{organization.name} already has an achievement {slug!r}; choose another")
    row = Achievement(
        organization_id=organization.id,
        slug=slug,
        data=complete,
        valid_days=valid_days,
        version=1,
        created_at=platform.now(),
        image=stored[0] if stored else None,
        image_type=stored[1] if stored else None,
    )
    session.add(row)
    session.flush()
    _record_version(session, platform, principal, row)
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="achievement.create",
        subject=complete["id"],
        data={"organization": organization.slug, "version": 1},
    )
    return row


def edit_achievement(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    achievement: Achievement,
    *,
    data: dict[str, Any],
    valid_days: int | None,
    image: Image | None = None,
    remove_image: bool = False,
) -> list[Change]:
    """Change the definition to ``data`` (as for :func:`create_achievement`), the default
    validity to ``valid_days``, and the image when one is given (or remove it). A change
    writes the next version; the changes are returned (none: nothing was written).
    Credentials issued earlier keep their version. A retired achievement is offered again
    before it is edited. Issuer administrators."""
    require_role(principal, organization.id, *EDITORS)
    if achievement.organization_id != organization.id:
        raise NotFound(f"{organization.name} has no achievement {achievement.slug!r}")
    if achievement.retired_at is not None:
        raise Conflict("the achievement is retired; offer it again before editing it")
    content = (image.content, image.media_type) if image else None
    if content is None and not remove_image and achievement.image and achievement.image_type:
        content = (achievement.image, achievement.image_type)
    version = achievement.version + 1
    complete = _complete(
        platform, organization, achievement.slug, data, version=version, image=content
    )
    check(complete, valid_days)
    found = changes(achievement.data, complete, achievement.valid_days, valid_days)
    if not found:
        return []
    achievement.data = complete
    achievement.version = version
    achievement.valid_days = valid_days
    achievement.updated_at = platform.now()
    achievement.image = content[0] if content else None
    achievement.image_type = content[1] if content else None
    _record_version(session, platform, principal, achievement)
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="achievement.edit",
        subject=complete["id"],
        data={"version": version, "changed": [c.where for c in found]},
    )
    return found


def retire(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    achievement: Achievement,
    *,
    retired: bool = True,
) -> Achievement:
    """Retire an achievement (nothing more is issued of it; what was issued stays valid), or
    with ``retired=False`` offer it again. Issuer administrators."""
    require_role(principal, organization.id, *EDITORS)
    if achievement.organization_id != organization.id:
        raise NotFound(f"{organization.name} has no achievement {achievement.slug!r}")
    name = achievement.data.get("name", achievement.slug)
    if retired and achievement.retired_at is not None:
        raise Conflict(f"{name} is already retired")
    if not retired and achievement.retired_at is None:
        raise Conflict(f"{name} is not retired")
    achievement.retired_at = platform.now() if retired else None
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="achievement.retire" if retired else "achievement.unretire",
        subject=str(achievement.data.get("id", achievement.slug)),
        data={"organization": organization.slug, "version": achievement.version},
    )
    return achievement


# --- baked badges ----------------------------------------------------------------------


def badge_of(session: Session, row: IssuedCredential) -> badges.Badge | None:
    """The credential baked into its achievement's image (None when the achievement has no
    image). Callers decide first who may read ``row``."""
    achievement = session.get(Achievement, row.achievement_id) if row.achievement_id else None
    if achievement is None or not achievement.image or not achievement.image_type:
        return None
    name = str(row.document.get("name") or achievement.data.get("name") or "badge")
    return badges.bake(achievement.image, achievement.image_type, row.document, name)


def badge_format(session: Session, row: IssuedCredential) -> str | None:
    """``PNG`` or ``SVG``: what :func:`badge_of` gives for ``row`` (None: no image)."""
    achievement = session.get(Achievement, row.achievement_id) if row.achievement_id else None
    if achievement is None or not achievement.image:
        return None
    return {badges.PNG: "PNG", badges.SVG: "SVG"}.get(achievement.image_type or "")
