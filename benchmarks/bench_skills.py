"""Alignment suggestions: R-Precision@5 and @10 on ESCO-labelled job-ad sentences.

The sets are ``../shared/data/skill-extraction-dev/`` (Decorte et al., the TECH and HOUSE
sets of "Extreme Multi-Label Skill Extraction Training using Large Language Models"): each
sentence carries the ESCO skills its spans were labelled with (preferred labels;
``UNDERSPECIFIED`` and ``LABEL NOT PRESENT`` are no label). A sentence with no usable label
is left out. For a sentence with gold labels G and the method's ranked labels R,
RP@K = |R[:K] ∩ G| / min(K, |G|), averaged over the sentences. The framework is the 13,412
ESCO skills of ``../shared/data/esco/skills_en.csv`` (labels and alternative labels). A
gold label that this ESCO file does not hold (the sets were labelled with another ESCO
version) can never be found; the count of such labels is printed, and they stay in the
gold sets.

The weights of the fusion (``openler.skills.suggest``) were chosen on the two validation
sets; the TECH test set is reported beside them and was never tuned on.

Methods, all measured in this run:

* ``baseline``: plain zero-shot MiniLM — the sentence's vector against each skill's
  preferred label, nearest first (what the issue calls about 0.39–0.47);
* ``lexical``: labels and alternative labels matched word by word (no extra installed);
* ``semantic``: label and alternative labels as separate vectors, the best (an alternative
  label's discounted);
* ``fused``: lexical and semantic scores combined (what ``openler skills suggest`` runs).

ms per sentence is the time of one ``suggest`` call, sentence by sentence, one thread,
on the wall clock and in this process's CPU time (which other work on a shared machine
disturbs far less; the load average is printed), after the framework's vectors were
computed (they are cached in ``CACHE``: the first run embeds the ~96,000 labels of ESCO,
some minutes).

Usage: ``python benchmarks/bench_skills.py [--data DIR] [--sets a,b] [--methods m,n]
[--cache DIR]``
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from openler.services.skills import embedder
from openler.skills import Item
from openler.skills.embedding import VectorIndex, item_texts
from openler.skills.suggest import Suggester

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / ".cache" / "bench-skills"
#: development sets (the fusion was tuned on these) and the held-out one
SETS = {
    "tech_validation": "validation",
    "house_validation": "validation",
    "tech_test": "test",
}
NO_LABEL = {"UNDERSPECIFIED", "LABEL NOT PRESENT"}
METHODS = ("baseline", "lexical", "semantic", "fused")


def esco_items(path: Path) -> list[Item]:
    """The skills of an ESCO skills CSV (official layout) — the benchmark's own small
    reader; ``openler frameworks import esco`` is the product's."""
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Item(
                row["conceptUri"],
                "skill",
                row["preferredLabel"].strip(),
                tuple(a.strip() for a in row["altLabels"].split("\n") if a.strip()),
                row.get("description", "").strip(),
                url=row["conceptUri"],
            )
            for row in csv.DictReader(f)
        ]


def gold_sets(path: Path) -> dict[str, set[str]]:
    """Sentence → its usable labels (sentences with none left out)."""
    found: dict[str, set[str]] = defaultdict(set)
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["label"] not in NO_LABEL:
                found[row["sentence"]].add(row["label"])
    return dict(found)


def r_precision(ranked: list[str], gold: set[str], k: int) -> float:
    """RP@K: the share of the top K that is right, out of what could be right.

    >>> r_precision(["a", "b", "c"], {"a", "c"}, 2)
    0.5
    >>> r_precision(["a", "b"], {"a"}, 5)
    1.0
    """
    return len(set(ranked[:k]) & gold) / min(k, len(gold))


def vectors(items: list[Item], embed: embedder.Embedder, cache: Path = CACHE) -> VectorIndex:
    """Every item text's vector, from the cache when the same texts were embedded before."""
    texts = item_texts(items)
    digest = hashlib.sha256(
        "\n".join(f"{t.position}\t{t.text}" for t in texts).encode() + embed.name.encode()
    ).hexdigest()[:16]
    cached = cache / f"esco-{digest}.npy"
    if cached.exists():
        matrix = np.load(cached)
    else:
        started = time.perf_counter()
        print(f"embedding {len(texts):,} texts of the framework (once) …", file=sys.stderr)
        matrix = embed.embed_all([t.text for t in texts])
        print(f"… {time.perf_counter() - started:.0f} s", file=sys.stderr)
        cache.mkdir(parents=True, exist_ok=True)
        np.save(cached, matrix)
    return VectorIndex.of(texts, matrix).pruned()


@dataclass
class Score:
    rp5: float = 0.0
    rp10: float = 0.0
    seconds: float = 0.0
    cpu: float = 0.0
    sentences: int = 0

    def add(self, other: Score) -> None:
        self.rp5 += other.rp5
        self.rp10 += other.rp10
        self.seconds += other.seconds
        self.cpu += other.cpu
        self.sentences += other.sentences

    def row(self, name: str, method: str) -> str:
        n = max(self.sentences, 1)
        return (
            f"{name:<18} {method:<9} {self.sentences:>5} {self.rp5 / n:>7.3f} "
            f"{self.rp10 / n:>7.3f} {self.seconds / n * 1000:>8.1f} {self.cpu / n * 1000:>7.1f}"
        )


def run(gold: dict[str, set[str]], method: str, suggester: Suggester, baseline: Suggester) -> Score:
    score = Score()
    for sentence, labels in gold.items():
        started, cpu = time.perf_counter(), time.process_time()
        if method == "baseline":
            found = baseline.suggest(sentence, 10, "semantic")
        else:
            found = suggester.suggest(sentence, 10, method)  # type: ignore[arg-type]
        score.seconds += time.perf_counter() - started
        score.cpu += time.process_time() - cpu
        ranked = [s.item.label for s in found.suggestions]
        score.rp5 += r_precision(ranked, labels, 5)
        score.rp10 += r_precision(ranked, labels, 10)
        score.sentences += 1
    return score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--cache", type=Path, default=CACHE, help="where vectors are kept")
    args = parser.parse_args()
    sets = [s for s in args.sets.split(",") if s]
    methods = [m for m in args.methods.split(",") if m]
    unknown = [s for s in sets if s not in SETS] + [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")
    skills = args.data / "esco" / "skills_en.csv"
    sentences = args.data / "skill-extraction-dev"
    if not skills.exists() or not sentences.exists():
        sys.exit(f"the data is not there: {skills} and {sentences}/ are needed")

    items = esco_items(skills)
    labels = {i.label for i in items}
    model = embedder.load()
    index = vectors(items, model, args.cache)
    suggester = Suggester(items, vectors=index, embed=model)
    labels_only = index.offsets == 0  # the preferred labels' vectors
    baseline = Suggester(
        items,
        vectors=VectorIndex(index.owners[labels_only].tolist(), index.vectors[labels_only]),
        embed=model,
    )
    suggester.suggest("warm up", 1)

    print(
        f"ESCO skills: {len(items):,} ({skills}); model: {model.name}; "
        f"{len(index.owners):,} vectors; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'set':<18} {'method':<9} {'sent.':>5} {'RP@5':>7} {'RP@10':>7} {'ms/sent':>8} "
        f"{'cpu ms':>7}"
    )
    totals: dict[str, Score] = defaultdict(Score)
    for name in sets:
        gold = gold_sets(sentences / f"{name}_annotations.csv")
        absent = sum(1 for g in gold.values() for label in g if label not in labels)
        print(f"# {name} ({SETS[name]}): {absent} gold labels are not in this ESCO file")
        for method in methods:
            score = run(gold, method, suggester, baseline)
            totals[method].add(score)
            print(score.row(name, method), flush=True)
    for method in methods:
        print(totals[method].row("overall", method))


if __name__ == "__main__":
    main()
