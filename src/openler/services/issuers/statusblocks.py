"""Status indexes handed out in blocks: one per credential of a roster chunk, a handful of
queries per block instead of a savepoint per credential.

The guarantees are those of :func:`issuing.allocate_index`: every index is drawn at random
(so that a list's bits say nothing about who was issued when) and never handed out twice
— the primary key on (list, index) refuses a second allocation whatever the number of
processes, and the list being filled is locked for the transaction
(:func:`issuing.open_status_list`). A list takes allocations up to
:data:`issuing.LIST_FILL` of its entries; a block that does not fit goes on in the next
list (created and published when there is none). The allocations are rows written in the
caller's transaction, so a chunk that rolls back gives its indexes back.

Allocating changes no bit of a list, so no list credential is signed again here; only a
new list is signed, once, when it is created.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, delete, insert, select, tuple_
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import Conflict
from openler.services.issuers.issuing import LIST_FILL, open_status_list
from openler.store.models import Organization, StatusAllocation, StatusList

#: the most indexes one query checks (SQLite allows 32,766 bound values in a statement)
_CHECK = 4000
_RANDOM = secrets.SystemRandom()
_ALLOCATIONS = cast(Table, StatusAllocation.__table__)


def room(status_list: StatusList) -> int:
    """How many more indexes ``status_list`` hands out before it counts as full."""
    return max(0, math.ceil(status_list.entries * LIST_FILL) - status_list.used)


def allocate_block(
    session: Session,
    platform: Platform,
    organization: Organization,
    purpose: str,
    credential_ids: Sequence[str],
) -> list[tuple[StatusList, int]]:
    """A random, never-repeated index for each credential, in the order given, in the
    organization's lists for ``purpose``."""
    allocated: list[tuple[StatusList, int]] = []
    start = 0
    while start < len(credential_ids):
        status_list = open_status_list(session, platform, organization, purpose)
        take = credential_ids[start : start + max(1, room(status_list))]
        indexes = _free_indexes(session, status_list, len(take))
        session.execute(
            insert(_ALLOCATIONS),
            [
                {"status_list_id": status_list.id, "index": index, "credential_id": credential}
                for index, credential in zip(indexes, take, strict=True)
            ],
        )
        status_list.used += len(take)
        allocated.extend((status_list, index) for index in indexes)
        start += len(take)
    return allocated


def _free_indexes(session: Session, status_list: StatusList, count: int) -> list[int]:
    """``count`` distinct random indexes of ``status_list`` that no allocation holds:
    candidates are drawn, those already allocated are looked up (a query per few thousand)
    and set aside, and the draw goes on until there are enough."""
    chosen: list[int] = []
    drawn: set[int] = set()
    entries = status_list.entries
    for _ in range(64):
        wanted = count - len(chosen)
        if wanted <= 0:
            return chosen
        free_share = max(0.02, 1 - (status_list.used + len(chosen)) / entries)
        left = entries - len(drawn)
        if left <= 0:
            break
        size = min(left, math.ceil(wanted / free_share * 1.2) + 16)
        candidates = _draw(entries, size, drawn)
        drawn.update(candidates)
        taken: set[int] = set()
        for start in range(0, len(candidates), _CHECK):
            part = candidates[start : start + _CHECK]
            taken.update(
                session.execute(
                    select(StatusAllocation.index).where(
                        StatusAllocation.status_list_id == status_list.id,
                        StatusAllocation.index.in_(part),
                    )
                ).scalars()
            )
        chosen.extend([c for c in candidates if c not in taken][:wanted])
    if len(chosen) < count:
        raise Conflict("could not find free status indexes; the list is nearly full")
    return chosen


def _draw(entries: int, size: int, drawn: set[int]) -> list[int]:
    """``size`` distinct random numbers below ``entries``, none of them in ``drawn``."""
    picked: dict[int, None] = {}
    while len(picked) < size:
        candidate = _RANDOM.randrange(entries)
        if candidate not in drawn:
            picked[candidate] = None
    return list(picked)


def release(session: Session, allocations: Sequence[tuple[StatusList, int]]) -> None:
    """Give back indexes allocated in this transaction for credentials that were not
    issued after all (a document that failed to sign)."""
    if not allocations:
        return
    session.execute(
        delete(StatusAllocation).where(
            tuple_(StatusAllocation.status_list_id, StatusAllocation.index).in_(
                [(status_list.id, index) for status_list, index in allocations]
            )
        ),
        execution_options={"synchronize_session": False},
    )
    for status_list, _index in allocations:
        status_list.used -= 1
