"""Suggestions from a stored framework: the competencies read from the database, vectors
computed once and kept per item and model, recomputed for an item whose labels changed,
the lexical method when the vectors are not there, and confirmed items as alignments."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from openler.services.errors import NotFound, UsageError
from openler.services.people.accounts import Principal
from openler.services.skills import embedder, frameworks, suggestions
from openler.skills import Framework, Item
from openler.store.models import CompetencyEmbedding

SYSTEM = Principal.system("test")
ESCO = "http://data.europa.eu/esco/skill/"
SKILLS = (
    Item(ESCO + "a1", "skill", "administer medication", ("give medicines", "dispense drugs")),
    Item(ESCO + "b2", "skill", "monitor patient vital signs", ("check blood pressure",)),
    Item(ESCO + "c3", "skill", "weld metal parts", ("welding",)),
    Item(ESCO + "d4", "skill", "drive heavy trucks", ("operate tractor-trailers",)),
    Item("29-2042.00", "occupation", "Emergency Medical Technicians", code="29-2042.00"),
)

needs_model = pytest.mark.skipif(
    not embedder.available(), reason="the openler[ml] extra is not installed"
)


def save(platform: Any, items: tuple[Item, ...] = SKILLS) -> None:
    with platform.db.session() as s:
        frameworks.save(s, platform, SYSTEM, Framework("tiny", "esco", "Tiny ESCO", items=items))


def stored_vectors(platform: Any) -> int:
    with platform.db.session() as s:
        return int(s.execute(select(func.count()).select_from(CompetencyEmbedding)).scalar_one())


def ask(platform: Any, text: str, **options: Any) -> suggestions.Answer:
    with platform.db.session() as s:
        return suggestions.suggest(s, platform, SYSTEM, "tiny", [text], **options)


def test_the_lexical_method_needs_no_vectors(platform: Any) -> None:
    save(platform)
    answer = ask(platform, "Students learn to weld metal parts safely", method="lexical")
    assert answer.method == "lexical" and answer.framework.name == "Tiny ESCO"
    found = answer.results[0].suggestions
    assert found[0].item.identifier == ESCO + "c3" and found[0].score == 1.0
    assert stored_vectors(platform) == 0  # nothing was embedded


@needs_model
def test_vectors_are_computed_once_and_again_for_an_item_that_changed(platform: Any) -> None:
    save(platform)
    answer = ask(platform, "The paramedic gives medicines and checks blood pressure", top=2)
    assert answer.method == "fused" and answer.note is None
    assert {s.item.label for s in answer.results[0].suggestions} == {
        "administer medication",
        "monitor patient vital signs",
    }
    assert stored_vectors(platform) == len(SKILLS)
    with platform.db.session() as s:
        before = {
            r.competency_id: r.digest for r in s.execute(select(CompetencyEmbedding)).scalars()
        }
    platform.memo.clear()  # another process: the vectors come from the table
    again = ask(platform, "The paramedic gives medicines and checks blood pressure", top=2)
    assert again.results[0].suggestions == answer.results[0].suggestions

    renamed = (Item(ESCO + "c3", "skill", "braze metal joints"), *SKILLS[:2], *SKILLS[3:])
    save(platform, renamed)
    assert ask(platform, "brazing joints", top=1).results[0].suggestions[0].item.label == (
        "braze metal joints"
    )
    with platform.db.session() as s:
        after = {
            r.competency_id: r.digest for r in s.execute(select(CompetencyEmbedding)).scalars()
        }
    changed = {k for k in after if before.get(k) != after[k]}
    assert len(changed) == 1  # only the renamed item was embedded again


@needs_model
def test_a_page_does_not_wait_for_a_large_framework_to_be_embedded(platform: Any) -> None:
    save(platform)
    answer = ask(platform, "welding", embed_up_to=3)
    assert answer.method == "lexical"
    assert "run `openler skills embed --framework tiny` once" in answer.note_text
    with pytest.raises(UsageError, match="the fused method cannot run"):
        ask(platform, "welding", embed_up_to=3, method="fused")
    with platform.db.session() as s:
        assert suggestions.embed_framework(s, platform, "tiny") == len(SKILLS)
        assert suggestions.embed_framework(s, platform, "tiny") == 0
    assert ask(platform, "welding", embed_up_to=3).method == "fused"


def test_bad_requests_are_refused_with_a_reason(platform: Any) -> None:
    save(platform)
    with pytest.raises(NotFound, match=r"no framework 'nope' here \(there are: tiny\)"):
        ask_framework(platform, "nope")
    with pytest.raises(UsageError, match="ask for 1 to 100 suggestions"):
        ask(platform, "welding", top=0)
    with pytest.raises(UsageError, match="no method 'magic'"):
        ask(platform, "welding", method="magic")


def ask_framework(platform: Any, framework_id: str) -> suggestions.Answer:
    with platform.db.session() as s:
        return suggestions.suggest(s, platform, SYSTEM, framework_id, ["welding"])


def test_confirmed_items_become_alignments(platform: Any) -> None:
    save(platform)
    with platform.db.session() as s:
        found = suggestions.alignments(s, "tiny", [ESCO + "c3", "29-2042.00", ESCO + "c3"])
        assert found == [
            {
                "targetName": "weld metal parts",
                "targetUrl": ESCO + "c3",
                "targetFramework": "Tiny ESCO",
                "targetType": "ceasn:Competency",
            },
            {
                "targetName": "Emergency Medical Technicians",
                "targetCode": "29-2042.00",
                "targetFramework": "Tiny ESCO",
                "targetType": "ext:Occupation",
            },
        ]
        with pytest.raises(UsageError, match="Tiny ESCO holds no item 'x'"):
            suggestions.alignments(s, "tiny", ["x"])
