"""Incidents: an agency's verifiers open one with the roles it needs — physician, RN, EMT … —
each with what qualifies for it; responders check in at its link (QR code) by presenting
credentials (:mod:`~openler.services.verifiers.incident_checkins`); the roster says, live,
who is verified for which role, who was refused and why, and how many per role.

A :class:`Role` qualifies a credential by what it is — its ``achievementType``, its
achievement's name (either or both; names compared case-insensitively) — by who issued it
(issuers of the trust registry, none named: any the registry trusts for that kind of
credential) and by where its issuer must be recognised (ISO 3166 codes: authorised there,
or recognised there by a rule of the registry such as the Nurse Licensure Compact; several
named: any one of them).

An incident belongs to an organization; its verifiers open, see, check again
(:mod:`~openler.services.verifiers.incident_rechecks`) and close it, and to anyone else it
does not exist. Every change is audited (``incident.open``, ``incident.close``, each
check-in ``incident.checkin``, and each re-check ``incident.recheck_start``,
``incident.recheck`` a chunk, ``incident.recheck_done``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.holders.record import achievement_of
from openler.services.issuers.orgs import org_did, organization_by_slug
from openler.services.office.registry_input import check_achievement_type, check_jurisdiction
from openler.services.people.accounts import Principal, require_role
from openler.services.protocols import oid4vp_verifier
from openler.services.secrets import vault
from openler.services.verifiers.answers import place_label
from openler.services.verifiers.fetched_copies import Stale, age_words
from openler.services.wording import Wording, wording_from_json
from openler.store.models import (
    Incident,
    IncidentCheckin,
    IncidentRequest,
    IncidentVerdict,
    Oid4vpRequest,
    Organization,
    PresentationRequest,
    TrustEntryRow,
)
from openler.vc import TrustEntry

CHECKIN_PATH = "/checkin/"
MAX_ROLES = 20
MAX_VALUES = 20
#: how long the OpenID4VP request made for one scan of the check-in link stays open
SCAN_MINUTES = 15


@dataclass(frozen=True)
class Issuer:
    """An issuer a role accepts: its identifier and its name in the trust registry."""

    id: str
    name: str


@dataclass(frozen=True)
class Role:
    """What an incident needs of a responder, and which credentials show it."""

    key: str
    name: str
    achievement_types: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    issuers: tuple[Issuer, ...] = ()
    jurisdictions: tuple[str, ...] = ()

    def of_kind(self, document: Mapping[str, Any]) -> bool:
        """Whether ``document`` is a credential of the kind this role asks for (who issued
        it, and where it is recognised, are judged apart).

        >>> rn = Role("r1", "RN", ("License",), ("Registered Nurse",))
        >>> rn.of_kind({"credentialSubject": {"achievement": {
        ...     "achievementType": "License", "name": "registered nurse "}}})
        True
        >>> rn.of_kind({"credentialSubject": {"achievement": {
        ...     "achievementType": "License", "name": "Licensed Practical Nurse"}}})
        False
        """
        achievement = achievement_of(dict(document))
        kind = achievement.get("achievementType")
        if self.achievement_types and kind not in self.achievement_types:
            return False
        if self.names:
            name = achievement.get("name")
            wanted = {n.casefold() for n in self.names}
            return isinstance(name, str) and name.strip().casefold() in wanted
        return True

    def accepts_issuer(self, issuer: str) -> bool:
        return not self.issuers or any(i.id == issuer for i in self.issuers)

    def asks_for(self, document: Mapping[str, Any]) -> bool:
        """Whether ``document`` is of this role's kind and from an issuer it accepts (what
        a responder is offered to send; where it is recognised is judged once sent)."""
        return self.of_kind(document) and self.accepts_issuer(issuer_of(document))

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "achievementTypes": list(self.achievement_types),
            "names": list(self.names),
            "issuers": [{"id": i.id, "name": i.name} for i in self.issuers],
            "jurisdictions": list(self.jurisdictions),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Role:
        return cls(
            str(data["key"]),
            str(data["name"]),
            tuple(data.get("achievementTypes", ())),
            tuple(data.get("names", ())),
            tuple(Issuer(str(i["id"]), str(i["name"])) for i in data.get("issuers", ())),
            tuple(data.get("jurisdictions", ())),
        )


@dataclass(frozen=True)
class RoleInput:
    """A role as a person typed it: types, names and jurisdictions separated by commas,
    issuers by their identifiers in the trust registry."""

    name: str = ""
    achievement_types: str = ""
    names: str = ""
    issuers: tuple[str, ...] = ()
    jurisdictions: str = ""

    @property
    def blank(self) -> bool:
        return not any(
            (
                self.name.strip(),
                self.achievement_types.strip(),
                self.names.strip(),
                self.issuers,
                self.jurisdictions.strip(),
            )
        )


def issuer_of(document: Mapping[str, Any]) -> str:
    """The identifier of a credential's issuer ("" when it names none)."""
    issuer = document.get("issuer")
    value = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return value if isinstance(value, str) else ""


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def check_role(session: Session, typed: RoleInput, key: str) -> Role:
    """``typed`` as a role, or :class:`UsageError` saying what to correct."""
    name = " ".join(typed.name.split())
    if not name:
        raise UsageError("give each role a name (such as RN or Physician)")
    if len(name) > 80:
        raise UsageError(f"the role name {name[:30]!r}… is longer than 80 characters")
    kinds = _unique(check_achievement_type(t) for t in _split(typed.achievement_types))
    names = _unique(" ".join(n.split()) for n in _split(typed.names))
    places = _unique(
        check_jurisdiction(j, "where the issuer must be recognised")
        for j in _split(typed.jurisdictions)
    )
    if any(len(n) > 300 for n in names):
        raise UsageError(f"{name}: a credential's name is at most 300 characters")
    if max(len(kinds), len(names), len(places), len(typed.issuers)) > MAX_VALUES:
        raise UsageError(f"{name}: name at most {MAX_VALUES} of each")
    issuers = []
    for issuer in _unique(typed.issuers):
        row = session.get(TrustEntryRow, issuer)
        if row is None:
            raise UsageError(f"{name}: {issuer} is not in the trust registry")
        issuers.append(Issuer(issuer, TrustEntry.from_json(row.data).name))
    if not (kinds or names or issuers):
        raise UsageError(
            f"{name}: say which credentials qualify — a kind, a credential's name or an issuer"
        )
    return Role(key, name, kinds, names, tuple(issuers), places)


def issuer_choices(
    session: Session, principal: Principal, organization: Organization
) -> list[Issuer]:
    """The issuers a role of ``organization``'s incidents may name (its verifiers only):
    the trust registry's entries, by name."""
    require_role(principal, organization.id, "verifier")
    rows = session.execute(select(TrustEntryRow)).scalars()
    entries = [TrustEntry.from_json(row.data) for row in rows]
    return sorted(
        (Issuer(e.issuer, f"{e.name} ({place_label(e.jurisdiction)})") for e in entries),
        key=lambda i: i.name.casefold(),
    )


def roles_of(incident: Incident) -> list[Role]:
    return [Role.from_json(r) for r in incident.roles]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_incident(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    organization_slug: str,
    name: str,
    roles: list[RoleInput],
) -> Incident:
    """Open an incident of the organization (verifier role) with ``roles`` (blank ones
    left out); :class:`UsageError` names what to correct."""
    organization = organization_by_slug(session, organization_slug)
    require_role(principal, organization.id, "verifier")
    title = " ".join(name.split())
    if not title:
        raise UsageError("name the incident (such as Surfside building collapse)")
    if len(title) > 300:
        raise UsageError("the incident's name is longer than 300 characters")
    typed = [r for r in roles if not r.blank]
    if not typed:
        raise UsageError("add at least one role the incident needs")
    if len(typed) > MAX_ROLES:
        raise UsageError(f"an incident has at most {MAX_ROLES} roles")
    checked = [check_role(session, r, f"r{n}") for n, r in enumerate(typed, start=1)]
    seen: set[str] = set()
    for role in checked:
        if role.name.casefold() in seen:
            raise UsageError(f"two roles are called {role.name}: give each its own name")
        seen.add(role.name.casefold())
    token = secrets.token_urlsafe(24)
    now = platform.now()
    incident = Incident(
        organization_id=organization.id,
        name=title,
        roles=[r.to_json() for r in checked],
        checkin_token_hash=_digest(token),
        checkin_token_sealed=b"",
        opened_at=now,
        opened_by=principal.label,
    )
    session.add(incident)
    session.flush()
    incident.checkin_token_sealed = vault(platform).seal(
        token.encode(), label=f"incident:{incident.id}"
    )
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="incident.open",
        subject=f"incident:{incident.id}",
        data={"name": title, "roles": incident.roles},
    )
    return incident


def incident_of(session: Session, principal: Principal, incident_id: str) -> Incident:
    """The incident, for its organization's verifiers; to anyone else it does not exist."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    try:
        require_role(principal, incident.organization_id, "verifier")
    except Forbidden:
        raise NotFound(f"no incident {incident_id}") from None
    return incident


def close_incident(
    session: Session, platform: Platform, principal: Principal, incident_id: str
) -> Incident:
    """Close the incident: check-in ends; the roster stays to be read. The requests made
    for scans no wallet answered, expired, go (:func:`purge_requests`)."""
    incident = incident_of(session, principal, incident_id)
    if incident.closed_at is not None:
        raise Conflict(f"{incident.name} was already closed")
    incident.closed_at = platform.now()
    incident.closed_by = principal.label
    audit.record(
        session,
        at=incident.closed_at,
        actor=principal.label,
        action="incident.close",
        subject=f"incident:{incident.id}",
        data={"purged": purge_requests(session, platform, incident)},
    )
    return incident


def purge_requests(session: Session, platform: Platform, incident: Incident) -> int:
    """Delete the incident's check-in requests that no wallet answered and that expired
    more than :data:`SCAN_MINUTES` ago (a wallet answering late is still told the request
    expired); returns how many. Each scan of the check-in link makes one, so a crowd — or
    someone fetching the link in a loop — leaves many behind; they served only the scan
    that made them. Answered ones stay: they hold the answer. The caller audits it."""
    cutoff = platform.now() - timedelta(minutes=SCAN_MINUTES)
    ids = list(
        session.execute(
            select(IncidentRequest.request_id)
            .join(PresentationRequest, PresentationRequest.id == IncidentRequest.request_id)
            .where(
                IncidentRequest.incident_id == incident.id,
                PresentationRequest.fulfilled_at.is_(None),
                PresentationRequest.expires_at < cutoff,
            )
        ).scalars()
    )
    for start in range(0, len(ids), _PURGE_BATCH):
        batch = ids[start : start + _PURGE_BATCH]
        for model, column in (
            (IncidentRequest, IncidentRequest.request_id),
            (Oid4vpRequest, Oid4vpRequest.request_id),
            (PresentationRequest, PresentationRequest.id),
        ):
            session.execute(delete(model).where(column.in_(batch)))
    return len(ids)


#: request ids deleted per statement (SQLite binds at most a few thousand values)
_PURGE_BATCH = 500


def incidents_of(
    session: Session, principal: Principal, organization: Organization
) -> list[Incident]:
    """The organization's incidents, open ones first, newest first (its verifiers only)."""
    require_role(principal, organization.id, "verifier")
    return list(
        session.execute(
            select(Incident)
            .where(Incident.organization_id == organization.id)
            .order_by(Incident.closed_at.is_not(None), Incident.opened_at.desc())
        ).scalars()
    )


@dataclass(frozen=True)
class OpenIncident:
    """An open incident as its verifiers' home page lists it: how many responders checked
    in, how many are verified for a role, how many were refused (for a role, or for every
    one: the roster's "Refused"); one responder may be both, for two roles."""

    incident: Incident
    responders: int
    verified: int
    refused: int


def open_incidents(
    session: Session, principal: Principal, organization: Organization, *, few: int = 5
) -> list[OpenIncident]:
    """The organization's open incidents, newest first, each counted in the database (its
    verifiers only)."""
    require_role(principal, organization.id, "verifier")
    found = list(
        session.execute(
            select(Incident)
            .where(Incident.organization_id == organization.id, Incident.closed_at.is_(None))
            .order_by(Incident.opened_at.desc(), Incident.id)
            .limit(few)
        ).scalars()
    )
    ids = [i.id for i in found]
    if not ids:
        return []
    responders = {
        incident_id: int(n)
        for incident_id, n in session.execute(
            select(IncidentCheckin.incident_id, func.count(IncidentCheckin.id))
            .where(IncidentCheckin.incident_id.in_(ids))
            .group_by(IncidentCheckin.incident_id)
        )
    }
    judged = {
        incident_id: (int(verified), int(refused))
        for incident_id, verified, refused in session.execute(
            select(
                IncidentVerdict.incident_id,
                func.count(
                    func.distinct(
                        case((IncidentVerdict.verified.is_(True), IncidentVerdict.checkin_id))
                    )
                ),
                func.count(
                    func.distinct(
                        case((IncidentVerdict.verified.is_(False), IncidentVerdict.checkin_id))
                    )
                ),
            )
            .where(IncidentVerdict.incident_id.in_(ids))
            .group_by(IncidentVerdict.incident_id)
        )
    }
    return [OpenIncident(i, responders.get(i.id, 0), *judged.get(i.id, (0, 0))) for i in found]


def checkin_token(platform: Platform, incident: Incident) -> str:
    opened = vault(platform).open(incident.checkin_token_sealed, label=f"incident:{incident.id}")
    return opened.decode()


def checkin_link(platform: Platform, incident: Incident) -> str:
    """The check-in page's address (its QR code goes on the poster at the scene)."""
    base = platform.settings.public_url.rstrip("/")
    return base + CHECKIN_PATH + checkin_token(platform, incident)


def wallet_link(platform: Platform, incident: Incident, organization: Organization) -> str:
    """The ``openid4vp://`` link any OpenID4VP wallet scans to check in: its ``request_uri``
    makes a fresh request each time a wallet fetches it (requests are answered once)."""
    request_uri = checkin_link(platform, incident) + "/request"
    client_id = "decentralized_identifier:" + org_did(platform, organization)
    return oid4vp_verifier.authorization_link(client_id, request_uri)


def incident_by_token(session: Session, token: str) -> tuple[Incident, Organization]:
    """The incident a check-in link names (anyone with the link may read what it asks)."""
    incident = session.execute(
        select(Incident).where(Incident.checkin_token_hash == _digest(token))
    ).scalar()
    organization = (
        session.get(Organization, incident.organization_id) if incident is not None else None
    )
    if incident is None or organization is None:
        raise NotFound("this check-in link does not exist")
    return incident, organization


def require_open(incident: Incident) -> None:
    if incident.closed_at is not None:
        raise Conflict(f"check-in for {incident.name} has closed")


def checkin_query(roles: Iterable[Role]) -> dict[str, Any]:
    """The DCQL query a wallet is asked at check-in: Open Badges, of the kinds the roles
    name when every role names its kinds (each presentation is judged against the roles
    whatever the wallet sends).

    >>> q = checkin_query([Role("r1", "RN", ("License",)), Role("r2", "EMT", ("Certification",))])
    >>> q["credentials"][0]["claims"][0]["values"], q["credentials"][0]["multiple"]
    (['License', 'Certification'], True)
    """
    roles = list(roles)
    credential: dict[str, Any] = {
        "id": "credential",
        "format": "ldp_vc",
        "meta": {"type_values": [[oid4vp_verifier.OPEN_BADGE]]},
        "multiple": True,
    }
    if roles and all(r.achievement_types for r in roles):
        kinds = list(_unique(t for r in roles for t in r.achievement_types))
        credential["claims"] = [
            {"path": ["credentialSubject", "achievement", "achievementType"], "values": kinds}
        ]
    return {"credentials": [credential]}


def wallet_request(session: Session, platform: Platform, token: str) -> str:
    """A fresh OpenID4VP request for one scan of the check-in link, signed by the
    incident's organization: the request object a wallet fetches from the link's
    ``request_uri``."""
    incident, organization = incident_by_token(session, token)
    require_open(incident)
    created = oid4vp_verifier.create_request(
        session,
        platform,
        Principal.system(f"incident:{incident.id}"),
        organization_slug=organization.slug,
        query=checkin_query(roles_of(incident)),
        minutes=SCAN_MINUTES,
    )
    session.add(IncidentRequest(request_id=created.request.id, incident_id=incident.id))
    session.flush()
    return oid4vp_verifier.request_object_for(session, platform, created)


# --- the roster ----------------------------------------------------------------------


@dataclass(frozen=True)
class RoleCount:
    """How many responders are verified for a role, and how many were refused for it
    (``role`` None: responders who showed nothing any role accepts)."""

    role: Role | None
    verified: int = 0
    refused: int = 0


@dataclass(frozen=True)
class Verdict:
    """What a responder's check-in showed for one role (``role`` None: for none)."""

    role: str | None
    verified: bool
    credential: str
    issuer: str
    valid_until: str | None
    reason: Wording | None

    @classmethod
    def of(cls, row: IncidentVerdict) -> Verdict:
        return cls(
            row.role,
            row.verified,
            row.credential,
            row.issuer,
            row.valid_until,
            wording_from_json(row.reason),
        )


@dataclass(frozen=True)
class Responder:
    """A responder's row: their last check-in and what it showed for each role."""

    checkin: IncidentCheckin
    verdicts: list[Verdict]
    stale: list[Stale] = field(default_factory=list)

    def for_role(self, key: str) -> list[Verdict]:
        return [v for v in self.verdicts if v.role == key]

    @property
    def refusals(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.verified]

    @property
    def stale_age(self) -> str | None:
        """How long before it was last checked the oldest copy it relied on was fetched."""
        if not self.stale:
            return None
        return age_words(min(s.fetched_at for s in self.stale), self.checkin.verified_at)

    @property
    def checked_again(self) -> bool:
        """Whether its verdicts were made after check-in (everyone checked again)."""
        return self.checkin.verified_at > self.checkin.checked_at

    @property
    def stale_hosts(self) -> list[str]:
        """Where the issuers that could not be reached are."""
        return sorted({urlsplit(s.url).netloc for s in self.stale})


@dataclass(frozen=True)
class Roster:
    incident: Incident
    roles: list[Role]
    counts: list[RoleCount]
    #: for each role (by key), the responders verified for it
    verified: dict[str, list[Responder]]
    #: responders refused for a role they showed a credential for, or for every role
    refused: list[Responder]
    responders: int
    #: changes whenever a check-in arrives, a re-check moves on or the incident closes
    #: (for live pages)
    version: str
    #: rows last checked from copies because an issuer could not be reached
    stale: int
    oldest_copy: datetime | None


def version_of(session: Session, incident: Incident) -> str:
    """What changes whenever the roster does — a check-in, a responder checked again, a
    re-check's progress, check-in closing (cheap: live pages ask for it often)."""
    count, times, last, verified = session.execute(
        select(
            func.count(IncidentCheckin.id),
            func.coalesce(func.sum(IncidentCheckin.times), 0),
            func.max(IncidentCheckin.checked_at),
            func.max(IncidentCheckin.verified_at),
        ).where(IncidentCheckin.incident_id == incident.id)
    ).one()
    closed = "closed" if incident.closed_at is not None else "open"
    recheck = incident.last_recheck or {}
    progress = f"{recheck.get('id', '-')}.{recheck.get('checked', 0)}.{recheck.get('state', '-')}"
    stamps = ".".join(f"{t.timestamp() if t else 0:.3f}" for t in (last, verified))
    return f"{count}.{times}.{stamps}.{progress}.{closed}"


def counts_of(session: Session, incident: Incident) -> list[RoleCount]:
    """Verified and refused responders per role, in the roles' order, then those refused
    for every role (counted in SQL: one responder once per role)."""
    found: dict[tuple[str | None, bool], int] = {}
    for role_key, verified, count in session.execute(
        select(
            IncidentVerdict.role,
            IncidentVerdict.verified,
            func.count(func.distinct(IncidentVerdict.checkin_id)),
        )
        .where(IncidentVerdict.incident_id == incident.id)
        .group_by(IncidentVerdict.role, IncidentVerdict.verified)
    ):
        found[(role_key, bool(verified))] = int(count)
    counts = [
        RoleCount(r, found.get((r.key, True), 0), found.get((r.key, False), 0))
        for r in roles_of(incident)
    ]
    return [*counts, RoleCount(None, 0, found.get((None, False), 0))]


def roster(session: Session, principal: Principal, incident_id: str) -> Roster:
    """The incident's roster as it stands (its organization's verifiers only)."""
    incident = incident_of(session, principal, incident_id)
    roles = roles_of(incident)
    checkins = list(
        session.execute(
            select(IncidentCheckin)
            .where(IncidentCheckin.incident_id == incident.id)
            .order_by(IncidentCheckin.name, IncidentCheckin.responder)
        ).scalars()
    )
    verdicts: dict[str, list[Verdict]] = {}
    for verdict in session.execute(
        select(IncidentVerdict)
        .where(IncidentVerdict.incident_id == incident.id)
        .order_by(IncidentVerdict.role, IncidentVerdict.credential)
    ).scalars():
        verdicts.setdefault(verdict.checkin_id, []).append(Verdict.of(verdict))
    verified: dict[str, list[Responder]] = {r.key: [] for r in roles}
    refused = []
    oldest: datetime | None = None
    stale = 0
    for checkin in checkins:
        copies = [Stale.from_json(s) for s in checkin.stale]
        if copies:
            stale += 1
            first = min(c.fetched_at for c in copies)
            oldest = first if oldest is None else min(oldest, first)
        row = Responder(checkin, verdicts.get(checkin.id, []), copies)
        for key in {v.role for v in row.verdicts if v.verified and v.role in verified}:
            verified[str(key)].append(row)
        if any(not v.verified for v in row.verdicts):
            refused.append(row)
    return Roster(
        incident,
        roles,
        counts_of(session, incident),
        verified,
        refused,
        len(checkins),
        version_of(session, incident),
        stale,
        oldest,
    )
