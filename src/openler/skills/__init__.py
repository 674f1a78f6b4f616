"""Skills: frameworks, alignment suggestions, profiles, matching, crosswalks and pathways —
pure computation, no I/O (ARCHITECTURE.md). Readers take text or bytes the caller read;
storage is ``openler.store``'s and use cases are ``openler.services.skills``'."""

from openler.skills.frameworks import (
    ITEM_KINDS,
    RELATION_KINDS,
    UNRATED_WEIGHT,
    Framework,
    Item,
    ItemKind,
    Relation,
    RelationKind,
)

__all__ = [
    "ITEM_KINDS",
    "RELATION_KINDS",
    "UNRATED_WEIGHT",
    "Framework",
    "Item",
    "ItemKind",
    "Relation",
    "RelationKind",
]
