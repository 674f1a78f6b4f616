"""Verification for anyone, no account needed: what the public verify page does.

What a person gives — a file (a JSON credential or presentation, a compact JWT, a badge
image with a credential baked in), text they paste, or what a QR code says (a share link
or a credential) — is read by what it holds, never by its name, verified as everywhere
(:func:`~openler.services.verifiers.verifying.verify_document`) and answered
(:mod:`~openler.services.verifiers.answers`): the same computed state every page shows.

A share link of this platform (``…/s/<token>``) is opened as following it opens it
(:func:`~openler.services.holders.sharing.view_share`): it counts as one opening in the
learner's access log, and is refused once expired, withdrawn or opened as often as its
holder allowed. A link to any other site is never followed: nothing is fetched on a
visitor's behalf beyond what verification itself may fetch.

Nothing given is kept (a share link's opening is logged, as it always is):
:mod:`~openler.services.verifiers.sealed_results` hands the result back sealed for the
page to carry to its downloads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import UsageError
from openler.services.holders import sharing
from openler.services.issuers import endorsements
from openler.services.issuers.endorsements import Shown
from openler.services.people.accounts import Principal
from openler.services.verifiers import answers
from openler.services.verifiers.credential_state import IssuerNote, issuer_notes
from openler.services.verifiers.verifying import verify_document
from openler.services.wording import N_, Wording, phrase, worded
from openler.vc import MAX_INPUT_BYTES, VCError, VerificationReport

#: what was given: a file, text (typed, pasted or read from a QR code), or a share link
How = Literal["file", "text", "share"]

#: a share link's path: ``/s/`` and the token (``secrets.token_urlsafe``)
_SHARE_PATH = re.compile(r"/s/([A-Za-z0-9_-]{16,128})/?")
#: a link of any kind: a scheme, then no spaces
_LINK = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}:\S+")

#: what a verified input was, in words (by the report's format and kind)
_FORMATS: dict[tuple[str, str], str] = {
    ("json", "credential"): N_("a credential in JSON"),
    ("json", "presentation"): N_("a presentation in JSON"),
    ("jwt", "credential"): N_("a credential as a JWT"),
    ("jwt", "presentation"): N_("a presentation as a JWT"),
    ("png", "credential"): N_("a badge image (PNG) with a credential baked in"),
    ("svg", "credential"): N_("a badge image (SVG) with a credential baked in"),
}
_UNREADABLE = N_("nothing openler can read as a credential")


@dataclass(frozen=True)
class Given:
    """What a person handed to the verify page: a file's bytes and name, or text."""

    data: bytes
    #: the file's name as the browser sent it, or None for text
    filename: str | None = None


@dataclass(frozen=True)
class Checked:
    """One verification on the verify page: the answer, when, and what was checked."""

    verdict: answers.Verdict
    checked_at: datetime
    how: How
    #: what was verified, in words: "the file badge.png, a badge image (PNG) with …"
    described: Wording
    #: SHA-256 of the bytes verified (hex), so that a report can be matched to its file;
    #: None for a share link (its token is a capability, never repeated)
    sha256: str | None
    size: int | None
    notes: tuple[IssuerNote, ...] = ()
    endorsements: tuple[Shown, ...] = ()
    #: the share opened, for a share link
    share: sharing.ShareView | None = None

    @property
    def report(self) -> VerificationReport:
        return self.verdict.report


def link_of(text: str) -> str | None:
    """``text`` when it is one link and nothing else (a URL, an ``openid4vp://`` request, a
    path such as ``/s/…``), else None.

    >>> link_of(" https://openler.example/s/abcdefghijklmnopqrstuv\\n")
    'https://openler.example/s/abcdefghijklmnopqrstuv'
    >>> link_of('{"id": "https://x.example"}') is None, link_of("eyJ.eyJ.sig") is None
    (True, True)
    """
    stripped = text.strip()
    if _LINK.fullmatch(stripped) or _SHARE_PATH.fullmatch(stripped):
        return stripped
    return None


def share_token(link: str, hosts: Collection[str]) -> str | None:
    """The token of ``link`` when it is a share link of this site (one of ``hosts``, or a
    bare path), else None.

    >>> share_token("https://openler.example/s/abcdefghijklmnopqrstuv", ["openler.example"])
    'abcdefghijklmnopqrstuv'
    >>> share_token("https://elsewhere.example/s/abcdefghijklmnopqrstuv", ["openler.example"])
    """
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https", "") or parts.query or parts.fragment:
        return None
    if parts.scheme and parts.netloc.lower() not in {h.lower() for h in hosts}:
        return None
    found = _SHARE_PATH.fullmatch(parts.path)
    return found.group(1) if found else None


def hosts_of(platform: Platform, *also: str) -> set[str]:
    """The host names (with ports) this site answers as: its public URL's, and ``also``."""
    return {urlsplit(platform.settings.public_url).netloc.lower(), *(h.lower() for h in also)}


def check(
    session: Session,
    platform: Platform,
    given: Given,
    *,
    principal: Principal,
    hosts: Collection[str],
    viewer: str,
) -> Checked:
    """Verify what was given, as of now, and answer it. ``principal`` is who is signed in
    (the system principal for anyone else): their organizations' jurisdiction is where the
    answer says "recognised"; a share link's opening is logged for them (``viewer`` names
    an anonymous one, by client). ``hosts`` are the names this site answers as.

    Raises ``UsageError`` for nothing given, a file too large or a link to another site,
    and what :func:`~openler.services.holders.sharing.view_share` raises for a share link
    that cannot be opened (``NotFound``, ``Conflict``)."""
    if not given.data.strip():
        raise UsageError.worded(
            N_("Choose a file, paste a credential or a share link, or scan a QR code")
        )
    if len(given.data) > MAX_INPUT_BYTES:
        raise UsageError.worded(
            N_("the file is %(size)s MB; the limit is %(limit)s MB"),
            size=f"{len(given.data) / 1e6:.1f}",
            limit=str(MAX_INPUT_BYTES // (1024 * 1024)),
        )
    jurisdiction = answers.jurisdiction_for(
        session, None if principal.is_system else principal.organizations_with("verifier")
    )
    link = link_of(given.data.decode("utf-8", "replace")) if len(given.data) < 4096 else None
    if link is not None:
        token = share_token(link, hosts)
        if token is None:
            raise UsageError.worded(
                N_(
                    "this is a link, and openler opens only share links of this site: open "
                    "it yourself, or ask the person for the credential as a file"
                )
            )
        return _opened_share(
            session, platform, token, principal=principal, viewer=viewer, jurisdiction=jurisdiction
        )
    name = given.filename or "pasted text"
    report = verify_document(session, platform, given.data, jurisdiction=jurisdiction, name=name)
    verdict = answers.answer(session, platform, given.data, report, jurisdiction=jurisdiction)
    try:
        text = answers.baked_text(given.data)
    except (VCError, ValueError):
        text = ""
    what = phrase(_FORMATS.get((report.format, report.kind), _UNREADABLE))
    return Checked(
        verdict,
        platform.now(),
        "file" if given.filename is not None else "text",
        worded(N_("the file %(name)s, %(what)s"), name=given.filename, what=what)
        if given.filename is not None
        else worded(N_("pasted text, %(what)s"), what=what),
        hashlib.sha256(given.data).hexdigest(),
        len(given.data),
        tuple(issuer_notes(session, platform, text)),
        tuple(endorsements.for_verified(session, platform, report)),
    )


def _opened_share(
    session: Session,
    platform: Platform,
    token: str,
    *,
    principal: Principal,
    viewer: str,
    jurisdiction: str | None,
) -> Checked:
    view = sharing.view_share(
        session,
        platform,
        token,
        viewer=viewer if principal.is_system else principal.label,
        principal=principal,
        jurisdiction=jurisdiction,
    )
    verdict = view.verdict or answers.answer(
        session,
        platform,
        view.presentation,
        view.report,
        holder=view.holder,
        jurisdiction=jurisdiction,
        challenged=True,
    )
    return Checked(
        verdict,
        view.viewed_at,
        "share",
        worded(
            N_("a share link of this site, shared by %(holder)s for %(purpose)s with %(audience)s"),
            holder=view.holder,
            purpose=view.share.purpose,
            audience=view.share.audience,
        ),
        None,
        None,
        view.notes,
        share=view,
    )
