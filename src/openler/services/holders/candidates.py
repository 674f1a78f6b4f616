"""Which of a person's credentials may go out: the one rule every page that sends
credentials uses — a share (``/shares``), an answer to one of openler's own requests
(``/requests/<challenge>``), to another verifier's OpenID4VP request (``/oid4vp/answer``)
and to a VC API exchange (``/wallet-exchange``).

A credential is offered only when its one computed state (``credential_state``, the state
every page shows) is *active*: a revoked, suspended, expired, not-yet-valid, replaced or
unverifiable one, or one whose issuer is not trusted, is listed with the reason and never
offered — and :func:`require_offered` refuses it when it is posted anyway.

What goes out is a presentation signed by the person's holder key, and whoever receives it
checks that its credentials are bound to that holder. So a credential from elsewhere
(received or imported) is offered only when its ``credentialSubject.id`` is the person's
DID, and only in Data Integrity form (a JWT credential cannot be carried inside the
presentation signed here); the others are listed with the reason. The three answer flows
carry credentials issued here only; a share carries both.

>>> from openler.services.verifiers.credential_state import CredentialState
>>> offerable(CredentialState("active")), offerable(CredentialState("suspended", "audit"))
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import NotFound, UsageError
from openler.services.holders.record import Entry, record_of
from openler.services.people.accounts import Principal
from openler.services.verifiers.credential_state import CredentialState, repeats_label
from openler.services.wording import N_, Wording, filled, phrase, worded
from openler.store.models import Person

#: the words a person reads for a credential from elsewhere that cannot be presented here
NOT_BOUND = N_(
    "issued to another identifier than your wallet's, so whoever opens it could not tell "
    "it is yours"
)
JWT_FORM = N_("a JWT credential: it cannot be carried in a presentation signed here")
NOT_ASKED = N_("not of the kind they ask for")


def offerable(state: CredentialState) -> bool:
    """Whether a credential in ``state`` may be sent: only an active one."""
    return state.code == "active"


@dataclass(frozen=True)
class Candidate:
    """One credential of the person's record, and whether it may be sent."""

    entry: Entry
    #: whether it is of the kind asked for (always, for a share)
    fits: bool = True
    #: why it cannot be sent, besides its state (a credential from elsewhere not bound to
    #: the person, or in JWT form)
    obstacle: str | None = None

    @property
    def value(self) -> str:
        """What a form posts for it: a credential issued here by its id (as the API takes
        it), one from elsewhere by its record ref (``held:<id>``)."""
        return str(self.entry.row.id) if self.entry.source == "issued" else self.entry.ref

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def issuer(self) -> str:
        return self.entry.issuer

    @property
    def state(self) -> CredentialState:
        return self.entry.state

    @property
    def offered(self) -> bool:
        return self.fits and self.obstacle is None and offerable(self.entry.state)

    @property
    def why_not(self) -> str | None:
        """Why it is not offered, in plain words (None when it is)."""
        wording = self.why_not_wording
        return filled(wording) if wording is not None else None

    @property
    def why_not_wording(self) -> Wording | None:
        """:attr:`why_not` as a wording, for pages in other languages."""
        if not self.fits:
            return phrase(NOT_ASKED)
        if not offerable(self.entry.state):
            state = self.entry.state
            if not state.reason:
                return phrase(state.label)
            if state.wording is not None and repeats_label(state.label, state.reason):
                return state.wording  # "suspended on … by …": the label once
            reason = state.wording if state.wording is not None else state.reason
            return worded(N_("%(state)s: %(reason)s"), state=phrase(state.label), reason=reason)
        return phrase(self.obstacle) if self.obstacle is not None else None


def bound_to(document: Mapping[str, Any], did: str | None) -> bool:
    """Whether ``document``'s subject is ``did`` (every subject, when it names several).

    >>> bound_to({"credentialSubject": {"id": "did:key:z6Mk"}}, "did:key:z6Mk")
    True
    >>> bound_to({"credentialSubject": {"id": "did:key:other"}}, "did:key:z6Mk")
    False
    """
    subject = document.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    return (
        bool(did)
        and bool(subjects)
        and all(isinstance(s, Mapping) and s.get("id") == did for s in subjects)
    )


def candidates(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    fits: Callable[[dict[str, Any]], bool] | None = None,
    from_elsewhere: bool = False,
) -> list[Candidate]:
    """The signed-in person's current credentials (``record_of``: one per entry, its
    earlier versions left out), each with whether it may be sent; ``fits`` says whether a
    credential is of the kind asked for; ``from_elsewhere`` includes credentials received
    or imported (a share). Offered ones first, in the record's order."""
    person = session.get(Person, principal.person_id)
    did = person.did if person is not None else None
    found = []
    for entry in record_of(session, platform, principal).entries:
        if entry.source != "issued" and not from_elsewhere:
            continue
        obstacle = None
        if entry.source != "issued":
            if getattr(entry.row, "jwt", None):
                obstacle = JWT_FORM
            elif not bound_to(entry.document, did):
                obstacle = NOT_BOUND
        found.append(
            Candidate(entry, fits=fits(entry.document) if fits else True, obstacle=obstacle)
        )
    return sorted(found, key=lambda c: not c.offered)


def require_offered(found: Iterable[Candidate], chosen: list[str]) -> list[Candidate]:
    """The candidates ``chosen`` names (by :attr:`Candidate.value`), in that order; raises
    :class:`UsageError` naming the first that may not be sent, and why — or
    :class:`NotFound` for one that is not the person's (anyone else's does not exist)."""
    if not chosen:
        raise UsageError.worded(N_("choose at least one credential"))
    by_value = {c.value: c for c in found}
    picked = []
    for value in dict.fromkeys(chosen):
        candidate = by_value.get(value)
        if candidate is None:
            raise NotFound.worded(N_("one of the chosen credentials is not yours"))
        why = candidate.why_not_wording
        if why is not None:
            raise UsageError.worded(
                N_("%(name)s cannot be sent: %(why)s"), name=candidate.name, why=why
            )
        picked.append(candidate)
    return picked


def examples_of(query: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``QueryByExample`` examples of a Verifiable Presentation Request query (its
    ``query`` member, or the request itself)."""
    queries = query.get("query", query)
    examples: list[Mapping[str, Any]] = []
    for one in queries if isinstance(queries, list) else [queries]:
        if not isinstance(one, Mapping) or one.get("type") != "QueryByExample":
            continue
        asked = one.get("credentialQuery")
        for each in asked if isinstance(asked, list) else [asked]:
            if isinstance(each, Mapping) and isinstance(each.get("example"), Mapping):
                examples.append(each["example"])
    return examples


def matches(example: Any, value: Any) -> bool:
    """The Learner Credential Wallet's ``QueryByExample`` match: every value of the example
    is in the credential; an array's values all among the credential's.

    >>> matches({"type": ["VerifiableCredential"]}, {"type": ["VerifiableCredential", "X"]})
    True
    >>> matches({"type": ["OpenBadgeCredential"]}, {"type": ["VerifiableCredential"]})
    False
    """
    if isinstance(example, Mapping):
        if not isinstance(value, Mapping):
            return False
        return all(matches(v, value.get(k)) for k, v in example.items())
    if isinstance(example, list):
        return isinstance(value, list) and all(e in value for e in example)
    return bool(example == value)


def fits_examples(examples: list[Mapping[str, Any]]) -> Callable[[dict[str, Any]], bool]:
    """A ``fits`` for :func:`candidates`: the credential matches one of ``examples``."""
    return lambda document: any(matches(e, document) for e in examples)
