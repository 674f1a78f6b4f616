"""``openler skills suggest --framework ID --top K --jsonl``: one JSON line per line of
standard input, ``{"text", "suggestions": [{"id", "label", "score"}]}`` — a contract that
checks depend on — against a framework saved in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openler.services.people.accounts import Principal
from openler.services.skills import embedder, frameworks
from openler.skills import Framework, Item
from tests.web.test_members import _openler

ESCO = "http://data.europa.eu/esco/skill/"
ITEMS = (
    Item(ESCO + "a1", "skill", "administer medication", ("give medicines",)),
    Item(ESCO + "b2", "skill", "perform cardiopulmonary resuscitation", ("CPR",)),
    Item(ESCO + "c3", "skill", "weld metal parts", ("welding",)),
    Item(ESCO + "d4", "skill", "drive heavy trucks", ("truck driving",)),
)


def test_suggestions_as_json_lines(platform: Any, database_url: str, tmp_path: Path) -> None:
    with platform.db.session() as s:
        frameworks.save(
            s, platform, Principal.system("test"), Framework("mini", "esco", "Mini", items=ITEMS)
        )
    env = {"OPENLER_DATABASE_URL": database_url, "OPENLER_DATA_DIR": str(tmp_path / "var")}
    texts = ["Certified in CPR and giving medicines", "", "MIG welding of metal parts"]
    done = _openler(
        env, "skills", "suggest", "--framework", "mini", "--top", "2", "--jsonl",
        stdin="\n".join(texts) + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["text"] for line in lines] == texts
    method = "fused" if embedder.available() else "lexical"
    assert f"suggestions from Mini by the {method} method" in done.stderr
    first, empty, welding = (line["suggestions"] for line in lines)
    assert {s["id"] for s in first} == {ESCO + "a1", ESCO + "b2"}
    assert empty == []
    assert welding[0] == {
        "id": ESCO + "c3",
        "label": "weld metal parts",
        "score": welding[0]["score"],
    }
    assert all(0 < s["score"] <= 1 for line in lines for s in line["suggestions"])
    assert [s["score"] for s in first] == sorted((s["score"] for s in first), reverse=True)

    listing = _openler(env, "skills", "suggest", "--framework", "mini", stdin="welding\n")
    assert listing.returncode == 0 and "weld metal parts" in listing.stdout

    lexical = _openler(
        env, "skills", "suggest", "--framework", "mini", "--jsonl", "--method", "lexical",
        stdin="truck driving\n",
    )  # fmt: skip
    assert json.loads(lexical.stdout)["suggestions"][0]["label"] == "drive heavy trucks"
    assert "by the lexical method" in lexical.stderr

    missing = _openler(env, "skills", "suggest", "--framework", "nope", stdin="x\n")
    assert missing.returncode != 0 and "no framework 'nope' here" in missing.stderr
    zero = _openler(env, "skills", "suggest", "--framework", "mini", "--top", "0", stdin="x\n")
    assert zero.returncode != 0 and "ask for 1 to 100 suggestions" in zero.stderr
