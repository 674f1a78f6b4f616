"""A framework as a reader hands it over, whatever its format: its items and the relations
between them. Identifiers are kept exactly as the source gives them; a relation names its
ends by identifier, and a crosswalk's target (``translates``) by the O*NET-SOC code of an
occupation that another framework holds.

>>> nurse = Item("29-1141.00", "occupation", "Registered Nurses", code="29-1141.00")
>>> Framework("demo", "builtin", "Demo", items=(nurse,)).occupations() == (nurse,)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

ItemKind = Literal["skill", "knowledge", "competency", "occupation", "military"]
RelationKind = Literal["requires", "related", "translates", "broader"]
FrameworkKind = Literal["case", "ctdl", "esco", "onet", "military", "builtin"]

ITEM_KINDS: tuple[ItemKind, ...] = get_args(ItemKind)
RELATION_KINDS: tuple[RelationKind, ...] = get_args(RelationKind)

#: the weight (importance 0–1) of a requirement its framework states without one — O*NET's
#: technologies, ESCO's occupations JSON —: as ESCO's *optional* skills. One rule for every
#: reader of requirements: the navigator, postings and weighted profiles.
UNRATED_WEIGHT = 0.5


@dataclass(frozen=True)
class Item:
    """A skill, knowledge item, competency, occupation or military occupation."""

    identifier: str
    kind: ItemKind
    label: str
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    #: an O*NET-SOC code, a military occupation code, a CASE humanCodingScheme
    code: str | None = None
    #: the address an OB 3.0 alignment's targetUrl takes (an http(s) URI)
    url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Relation:
    """``source`` → ``target`` by identifier within the framework, except for
    ``translates``, whose target is an O*NET-SOC code."""

    source: str
    target: str
    kind: RelationKind
    #: 0–1: O*NET importance rescaled, ESCO essential 1.0 / optional 0.5
    weight: float | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Framework:
    id: str
    kind: FrameworkKind
    name: str
    source: str | None = None
    version: str | None = None
    items: tuple[Item, ...] = ()
    relations: tuple[Relation, ...] = ()

    def occupations(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind == "occupation")
