"""Status indexes handed out in blocks: one per credential of a roster chunk, one insert
per block instead of a savepoint per credential.

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
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import Conflict
from openler.services.issuers.issuing import LIST_FILL, open_status_list
from openler.store.bulkwrite import table_of, write_rows
from openler.store.models import Organization, StatusAllocation, StatusList

_ALLOCATIONS = table_of(StatusAllocation)


def room(status_list: StatusList) -> int:
    """How many more indexes ``status_list`` hands out before it counts as full."""
    return max(0, math.ceil(status_list.entries * LIST_FILL) - status_list.used)


@dataclass
class _Taken:
    """A list's allocated indexes as a bitmap, and the list's ``used`` count it matches."""

    used: int
    bits: bytearray

    def has(self, index: int) -> bool:
        return bool(self.bits[index >> 3] & (1 << (index & 7)))

    def mark(self, index: int, on: bool = True) -> None:
        if on:
            self.bits[index >> 3] |= 1 << (index & 7)
        else:
            self.bits[index >> 3] &= ~(1 << (index & 7)) & 0xFF


class BlockAllocator:
    """Allocations for one run of a job, chunk after chunk.

    Which indexes of a list are taken is read from the database once (a bitmap of the
    list's entries, 16 KiB for the smallest list) and kept up to date as blocks are
    allocated; it is read again whenever the list's ``used`` count — read under the
    list's lock — says that someone else allocated in it since. Candidates are drawn at
    random against the bitmap, so a block costs no query but its insert. Should the
    bitmap ever be wrong, the primary key refuses the duplicate and the chunk's
    transaction fails: :meth:`forget` then drops what was kept, as a rolled-back chunk
    must."""

    def __init__(self) -> None:
        self._taken: dict[str, _Taken] = {}

    def forget(self) -> None:
        self._taken.clear()

    def allocate(
        self,
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
            taken = self._taken_in(session, status_list)
            indexes = _draw(status_list.entries, len(take), taken)
            write_rows(
                session,
                _ALLOCATIONS,
                [
                    {"status_list_id": status_list.id, "index": index, "credential_id": credential}
                    for index, credential in zip(indexes, take, strict=True)
                ],
            )
            status_list.used += len(take)
            taken.used = status_list.used
            allocated.extend((status_list, index) for index in indexes)
            start += len(take)
        return allocated

    def release(self, session: Session, allocations: Sequence[tuple[StatusList, int]]) -> None:
        """Give back indexes allocated in this transaction for credentials that were not
        issued after all (a document that failed its checks)."""
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
        for status_list, index in allocations:
            status_list.used -= 1
            taken = self._taken.get(status_list.id)
            if taken is not None:
                taken.mark(index, on=False)
                taken.used = status_list.used

    def _taken_in(self, session: Session, status_list: StatusList) -> _Taken:
        taken = self._taken.get(status_list.id)
        if taken is None or taken.used != status_list.used:
            taken = _Taken(status_list.used, bytearray(status_list.entries // 8 + 1))
            indexes = session.execute(
                select(StatusAllocation.index).where(
                    StatusAllocation.status_list_id == status_list.id
                )
            ).scalars()
            for index in indexes:
                taken.mark(index)
            self._taken[status_list.id] = taken
        return taken


def _draw(entries: int, count: int, taken: _Taken) -> list[int]:
    """``count`` distinct random indexes below ``entries`` that are not taken, marked
    taken. A list takes allocations up to 90 % of its entries, so at least one draw in
    ten hits a free index."""
    chosen: list[int] = []
    if count <= 0:
        return chosen
    misses = 0
    bits = taken.bits
    for index in _uniform(entries, count):
        if bits[index >> 3] & (1 << (index & 7)):
            misses += 1
            if misses > 1000 * (count + 10):
                raise Conflict("could not find free status indexes; the list is nearly full")
            continue
        bits[index >> 3] |= 1 << (index & 7)
        chosen.append(index)
        if len(chosen) == count:
            break
    return chosen


def _uniform(entries: int, count: int) -> Iterator[int]:
    """Endless uniform random numbers below ``entries`` from the operating system's
    generator (what ``secrets`` uses), read a block at a time rather than a call per
    number: 64-bit numbers, those at or above the largest multiple of ``entries`` below
    2**64 refused (so that every remainder is equally likely), the rest taken modulo
    ``entries``."""
    if not 0 < entries < 1 << 63:
        raise ValueError(f"a status list of {entries} entries")
    limit = (1 << 64) // entries * entries
    while True:
        for number in memoryview(os.urandom(8 * (count + 8))).cast("Q"):
            if number < limit:
                yield number % entries
