"""``openler skills suggest --framework ID --top K --jsonl``: one JSON line per line of
standard input, ``{"text", "suggestions": [{"id", "label", "score"}]}`` — a contract that
checks depend on — against a framework saved in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


#: the command line as where openler[ml] is not installed
WITHOUT_ML = """
import sys
for name in ("numpy", "onnxruntime", "tokenizers"):
    sys.modules[name] = None
from openler.cli import main
main()
"""


def test_without_the_extra_the_lexical_method_runs_and_says_so(
    platform: Any, database_url: str, tmp_path: Path
) -> None:
    with platform.db.session() as s:
        frameworks.save(
            s, platform, Principal.system("test"), Framework("mini", "esco", "Mini", items=ITEMS)
        )
    env = {"OPENLER_DATABASE_URL": database_url, "OPENLER_DATA_DIR": str(tmp_path / "var")}
    args = ["skills", "suggest", "--framework", "mini", "--top", "1", "--jsonl"]
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_ML, *args],
        input="truck driving\n",
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["suggestions"][0]["label"] == "drive heavy trucks"
    assert "by the lexical method" in done.stderr
    assert "the embedding model is not installed (pip install 'openler[ml]')" in done.stderr
    fused = subprocess.run(
        [sys.executable, "-c", WITHOUT_ML, *args, "--method", "fused"],
        input="truck driving\n",
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )
    assert fused.returncode != 0 and "the fused method cannot run" in fused.stderr
