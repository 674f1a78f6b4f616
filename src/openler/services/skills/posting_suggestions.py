"""Skills suggested from a job posting's text: HR pastes the posting as it was advertised
(or leaves the box empty to use the posting's description), chooses a framework, and gets
the framework's skills the text is about, best first, from the engine the achievement
editor's "Suggest skills" uses (:mod:`openler.services.skills.suggestions`). Nothing is
asked for on its own: HR ticks the ones the job really needs, each required or preferred,
and they are added as the posting's requirements (audited as any other).

Who: the posting organization's HR (``postings.require_employer``), on an open posting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import NotFound, UsageError
from openler.services.people.accounts import Principal
from openler.services.skills import framework_queries, postings, suggestions
from openler.services.wording import N_
from openler.skills.suggest import Suggestion
from openler.store.models import Organization

#: suggestions shown for a posting
TOP = 12


@dataclass(frozen=True)
class Suggested:
    """What was suggested for a posting: each suggestion a posting may ask for, and whether
    the posting asks for it already."""

    answer: suggestions.Answer
    #: (the suggestion, whether the posting asks for it already), best first
    found: list[tuple[Suggestion, bool]]
    #: what was read: the pasted text, else the posting's description
    text: str
    pasted: bool


@dataclass(frozen=True)
class Chosen:
    """A suggestion HR ticked: the framework item's identifier, required or preferred, and
    its weight (1–5)."""

    identifier: str
    required: bool
    weight: float | int | str = 3


def suggest(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    posting_id: str,
    framework_id: str,
    text: str = "",
    *,
    top: int = TOP,
) -> Suggested:
    """The framework's skills the pasted ``text`` (or, when it is empty, the posting's
    description) is about, for an open posting of ``organization``."""
    posting = postings.open_posting(session, principal, organization, posting_id)
    if not framework_id:
        raise UsageError.worded(N_("choose the framework to suggest skills from"))
    pasted = " ".join(text.split()) != ""
    about = text.strip() if pasted else (posting.description or "").strip()
    if not about:
        raise UsageError.worded(
            N_("paste the posting's text, or give the posting a description, first")
        )
    answer = suggestions.suggest(
        session,
        platform,
        principal,
        framework_id,
        [about],
        top=top,
        embed_up_to=suggestions.PAGE_EMBED_LIMIT,
    )
    asked = {(r.framework_id, r.identifier) for r in posting.requirements}
    found = [
        (s, (framework_id, s.item.identifier) in asked)
        for s in (answer.results[0].suggestions if answer.results else ())
        if s.item.kind in postings.REQUIRABLE
    ]
    return Suggested(answer, found, about[: suggestions.MAX_TEXT], pasted)


def add(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    posting_id: str,
    framework_id: str,
    chosen: Sequence[Chosen],
) -> int:
    """Ask for each ``chosen`` item of the framework, required or preferred with its weight
    (one asked for already is changed to that). How many were added or changed."""
    if not chosen:
        raise UsageError.worded(N_("tick the skills to add first"))
    if len(chosen) > postings.MAX_REQUIREMENTS:
        raise UsageError(f"a posting asks for at most {postings.MAX_REQUIREMENTS} skills")
    for choice in chosen:
        try:
            item = framework_queries.item(session, framework_id, choice.identifier)
        except NotFound:
            raise NotFound.worded(N_("no such skill in the frameworks here")) from None
        postings.add_requirement(
            session,
            platform,
            principal,
            organization,
            posting_id,
            item.id,
            required=choice.required,
            weight=choice.weight,
        )
    return len(chosen)
