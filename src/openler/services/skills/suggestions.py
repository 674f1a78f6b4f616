"""Alignment suggestions from a stored framework: the competencies a text (an achievement's
name, description and criteria; a course description; a job posting) is about, with scores.

The items are the framework's ``Competency`` rows. The semantic method needs their vectors:
they are computed once per item and model and kept in ``competency_embeddings`` (an item
whose label, alternative labels or description changed on re-import is embedded again).
:func:`embed_framework` computes what is missing (``openler skills embed``); a suggestion
computes it too when it is allowed to (``embed_up_to``: the command line computes all, a
page only a few thousand texts, so that no request waits minutes — a large framework not
embedded yet is then suggested from lexically, and :attr:`Answer.note` says so). Without the
``openler[ml]`` extra the lexical method runs alone, and says so.

The suggester of a framework (its lexical index and vectors) is kept per process in
``Platform.memo`` until the framework is re-imported or more vectors are stored.

Frameworks are public definitions: anyone signed in may ask for suggestions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import NotFound, UsageError
from openler.services.people.accounts import Principal
from openler.services.skills import embedder
from openler.services.wording import N_, Wording, filled, worded
from openler.skills import Item
from openler.skills.embedding import TextKind, VectorIndex, distinct, texts_of
from openler.skills.suggest import METHODS, Method, Suggester, Suggestions, alignment_of
from openler.store.models import Competency, CompetencyEmbedding, SkillFramework

if TYPE_CHECKING:
    from openler.skills.embedding import Vectors

#: texts a page may embed before it answers (a small framework, or a few changed items)
PAGE_EMBED_LIMIT = 3_000
#: at most this many suggestions a text
MAX_TOP = 100
#: a text longer than this is cut (an achievement's name, description and criteria fit)
MAX_TEXT = 10_000

Progress = Callable[[int, int], None]

#: how each method is told on a page
METHOD_WORDS: dict[str, str] = {
    "lexical": N_("Found by the words of the skills' names in your text."),
    "semantic": N_("Found by meaning, with a language model."),
    "fused": N_("Found by the words of the skills' names and by meaning, with a language model."),
}


@dataclass(frozen=True)
class Answer:
    """Suggestions for each text, from one framework, and which method gave them."""

    framework: SkillFramework
    method: Method
    results: list[Suggestions]
    #: why the method is not the best one (a page translates it; :attr:`note_text` is the
    #: English)
    note: Wording | None = None

    @property
    def note_text(self) -> str:
        return filled(self.note) if self.note is not None else ""


#: the frameworks skills are suggested from, in the order they are offered (a military
#: crosswalk names occupations, not skills, and is not offered)
SUGGEST_ORDER = ("builtin", "esco", "case", "ctdl", "onet")


def suggestable(session: Session) -> list[SkillFramework]:
    """The frameworks here skills may be suggested from, the built-in one first."""
    found = session.execute(
        select(SkillFramework).where(SkillFramework.kind.in_(SUGGEST_ORDER))
    ).scalars()
    return sorted(found, key=lambda f: (SUGGEST_ORDER.index(f.kind), f.name))


def framework_for(session: Session, framework_id: str) -> SkillFramework:
    # an id is a short slug: one with a NUL (which PostgreSQL refuses to compare) or far
    # longer than any names nothing here
    well_formed = len(framework_id) <= 64 and "\x00" not in framework_id
    found = session.get(SkillFramework, framework_id) if well_formed else None
    if found is None:
        known = ", ".join(f.id for f in session.execute(select(SkillFramework)).scalars())
        raise NotFound(
            f"no framework {framework_id!r} here"
            + (f" (there are: {known})" if known else " (import one first)")
        )
    return found


def suggest(
    session: Session,
    platform: Platform,
    principal: Principal,
    framework_id: str,
    texts: Sequence[str],
    *,
    top: int = 10,
    method: str | None = None,
    embed_up_to: int | None = None,
    progress: Progress | None = None,
) -> Answer:
    """Suggestions for each of ``texts`` from the framework, by ``method`` (``lexical``,
    ``semantic``, ``fused``; default the best that can run). ``embed_up_to``: at most this
    many of the framework's texts are embedded now (None: all that are missing)."""
    del principal  # frameworks are public; every signed-in principal may ask
    if not 1 <= top <= MAX_TOP:
        raise UsageError(f"ask for 1 to {MAX_TOP} suggestions a text")
    if method is not None and method not in METHODS:
        raise UsageError(f"no method {method!r}: choose one of {', '.join(METHODS)}")
    framework = framework_for(session, framework_id)
    wants_semantic = method in (None, "semantic", "fused")
    model, note = _model() if wants_semantic else (None, None)
    if model is None and method in ("semantic", "fused"):
        raise UsageError(f"the {method} method cannot run: {filled(note or NO_MODEL)}")
    suggester, missing = _suggester(session, platform, framework, model, embed_up_to, progress)
    if model is not None and suggester.vectors is None:
        note = worded(
            N_(
                "the framework's vectors are not computed yet (%(missing)s texts): run "
                "`openler skills embed --framework %(framework)s` once"
            ),
            missing=str(missing),
            framework=framework.id,
        )
        if method in ("semantic", "fused"):
            raise UsageError(f"the {method} method cannot run: {filled(note)}")
    chosen = next((m for m in METHODS if m == method), suggester.best_method)
    cut = [t[:MAX_TEXT] for t in texts]
    return Answer(framework, chosen, suggester.suggest_many(cut, top, chosen), note)


def alignments(
    session: Session, framework_id: str, identifiers: Sequence[str]
) -> list[dict[str, str]]:
    """The OB 3.0 alignment entries of the framework's items named by ``identifiers`` (the
    ones an issuer confirmed), in that order; an identifier the framework lacks is refused."""
    framework = framework_for(session, framework_id)
    wanted = list(dict.fromkeys(i for i in identifiers if i))
    rows = {
        row.identifier: row
        for row in session.execute(
            select(Competency).where(
                Competency.framework_id == framework.id, Competency.identifier.in_(wanted)
            )
        ).scalars()
    }
    lacking = [i for i in wanted if i not in rows]
    if lacking:
        raise UsageError(f"{framework.name} holds no item {lacking[0]!r}")
    return [alignment_of(_item(rows[i]), framework.name, framework.kind) for i in wanted]


def embed_framework(
    session: Session, platform: Platform, framework_id: str, progress: Progress | None = None
) -> int:
    """Compute and keep the vectors the framework's items lack; the count of texts embedded."""
    framework = framework_for(session, framework_id)
    model = embedder.load()
    items, ids = _items(session, framework.id)
    return len(_vectors(session, framework.id, items, ids, model, None, progress)[1])


NO_MODEL = worded(
    N_("the embedding model is not installed (pip install 'openler[ml]'): lexical matching only")
)


def _model() -> tuple[embedder.Embedder | None, Wording | None]:
    try:
        return embedder.load(), None
    except embedder.ModelUnavailable:
        return None, NO_MODEL


def _stamp(session: Session, framework: SkillFramework, model: str | None) -> tuple[Any, ...]:
    stored = 0
    if model is not None:
        stored = session.execute(
            select(func.count())
            .select_from(CompetencyEmbedding)
            .where(
                CompetencyEmbedding.framework_id == framework.id,
                CompetencyEmbedding.model == model,
            )
        ).scalar_one()
    return (framework.imported_at, framework.updated_at, model, stored)


def _suggester(
    session: Session,
    platform: Platform,
    framework: SkillFramework,
    model: embedder.Embedder | None,
    embed_up_to: int | None,
    progress: Progress | None,
) -> tuple[Suggester, int]:
    """The framework's suggester (from the memo when nothing changed) and how many of its
    texts still lack a vector."""
    key = f"skills.suggester:{framework.id}"
    stamp = _stamp(session, framework, model.name if model else None)
    kept = platform.memo.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1], kept[2]
    items, ids = _items(session, framework.id)
    if model is None:
        suggester, missing = Suggester(items), 0
    else:
        index, _, missing = _vectors(
            session, framework.id, items, ids, model, embed_up_to, progress
        )
        if index is None:
            suggester = Suggester(items)
        else:
            suggester = Suggester(items, vectors=index, embed=model)
        stamp = _stamp(session, framework, model.name)
    platform.memo[key] = (stamp, suggester, missing)
    return suggester, missing


def _items(session: Session, framework_id: str) -> tuple[list[Item], list[str]]:
    rows = session.execute(
        select(Competency)
        .where(Competency.framework_id == framework_id)
        .order_by(Competency.identifier)
    ).scalars()
    items: list[Item] = []
    ids: list[str] = []
    for row in rows:
        items.append(_item(row))
        ids.append(row.id)
    return items, ids


def _item(row: Competency) -> Item:
    return Item(
        row.identifier,
        row.kind,  # type: ignore[arg-type]
        row.label,
        tuple(str(a) for a in row.alt_labels or ()),
        row.description or "",
        code=row.code,
        url=row.url,
        extra=row.extra or {},
    )


def _digest(texts: Sequence[tuple[str, str]]) -> str:
    return hashlib.sha256("\n".join(f"{k}\t{t}" for k, t in texts).encode()).hexdigest()


def _vectors(
    session: Session,
    framework_id: str,
    items: list[Item],
    ids: list[str],
    model: embedder.Embedder,
    embed_up_to: int | None,
    progress: Progress | None,
) -> tuple[VectorIndex | None, list[int], int]:
    """The items' vectors (None while more than ``embed_up_to`` texts lack one), the
    positions of the items embedded now, and how many texts still lack a vector."""
    import numpy as np

    stored = {
        row.competency_id: row
        for row in session.execute(
            select(CompetencyEmbedding).where(
                CompetencyEmbedding.framework_id == framework_id,
                CompetencyEmbedding.model == model.name,
            )
        ).scalars()
    }
    parts: list[Vectors | None] = []
    digests: list[str] = []
    stale: list[int] = []
    for position, item in enumerate(items):
        digest = _digest(texts_of(item))
        digests.append(digest)
        row = stored.get(ids[position])
        if row is not None and row.digest == digest:
            vectors = np.frombuffer(row.vectors, dtype=np.float16)
            parts.append(vectors.reshape(row.count, embedder.DIMENSION).astype(np.float32))
        else:
            parts.append(None)
            stale.append(position)
    missing = sum(len(texts_of(items[p])) for p in stale)
    if embed_up_to is not None and missing > embed_up_to:
        return None, [], missing
    _embed_stale(session, framework_id, items, ids, model, stale, digests, parts, progress)
    kept = [part for part in parts if part is not None]
    matrix = np.concatenate(kept) if kept else np.zeros((0, embedder.DIMENSION), np.float32)
    owners = [p for p, part in enumerate(parts) if part is not None for _ in range(len(part))]
    # an item's first vector is its label's; near-duplicates were dropped when stored
    kinds: list[TextKind] = [
        "label" if n == 0 else "alt" for part in kept for n in range(len(part))
    ]
    return VectorIndex(owners, matrix, kinds), stale, 0


#: items embedded, then stored, at a time (progress is told after each)
_CHUNK = 500


def _embed_stale(
    session: Session,
    framework_id: str,
    items: list[Item],
    ids: list[str],
    model: embedder.Embedder,
    stale: list[int],
    digests: list[str],
    parts: list[Vectors | None],
    progress: Progress | None,
) -> None:
    import numpy as np

    total = sum(len(texts_of(items[p])) for p in stale)
    done = 0
    for start in range(0, len(stale), _CHUNK):
        chunk = stale[start : start + _CHUNK]
        texts = [text for p in chunk for _, text in texts_of(items[p])]
        matrix = model.embed_all(texts)
        rows: list[CompetencyEmbedding] = []
        row = 0
        for position in chunk:
            count = len(texts_of(items[position]))
            vectors = matrix[row : row + count]
            row += count
            kept = vectors[distinct(vectors)].astype(np.float16)
            parts[position] = kept.astype(np.float32)  # as later loads will read them
            rows.append(
                CompetencyEmbedding(
                    competency_id=ids[position],
                    model=model.name,
                    framework_id=framework_id,
                    digest=digests[position],
                    count=len(kept),
                    vectors=kept.tobytes(),
                )
            )
        try:
            with session.begin_nested():
                session.execute(
                    delete(CompetencyEmbedding).where(
                        CompetencyEmbedding.competency_id.in_([ids[p] for p in chunk]),
                        CompetencyEmbedding.model == model.name,
                    )
                )
                session.add_all(rows)
        except IntegrityError:
            pass  # another process stored the same items' vectors meanwhile: theirs stay
        done += len(texts)
        if progress is not None:
            progress(done, total)
