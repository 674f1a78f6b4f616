"""``openler frameworks``: the stable contract (``import esco PATH`` loads ESCO's skills CSV
as framework ``esco`` into ``OPENLER_DATABASE_URL``), list and show, exit codes 0/1/2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from openler.services.skills import embedder
from openler.store.models import Competency, CompetencyEmbedding
from tests.cli.test_skills_cli import WITHOUT_ML
from tests.web.test_members import _openler

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
CROSSWALK = "Service,MOC,Title,Status,O*NET-SOC Code\nArmy,68W,Combat Medic,Active,29-2042.00\n"


def _env(platform: Any, tmp_path: Path) -> dict[str, str]:
    return {
        "OPENLER_DATABASE_URL": platform.settings.database_url,
        "OPENLER_DATA_DIR": str(tmp_path / "var"),
    }


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data (ESCO's skills) is absent")
def test_import_esco_loads_the_skills_csv_as_framework_esco(platform: Any, tmp_path: Path) -> None:
    env = _env(platform, tmp_path)
    assert _openler(env, "db", "upgrade").returncode == 0
    skills = str(SHARED_DATA / "esco" / "skills_en.csv")
    done = _openler(env, "frameworks", "import", "esco", skills, "--no-embed")
    assert done.returncode == 0, done.stderr
    assert "embedding" not in done.stderr
    assert done.stdout.startswith("esco: ESCO — 13,412 items (13,412 added, 0 updated")
    assert "items: 13,412 of 13,412" in done.stderr  # progress
    with platform.db.session() as s:
        count = (
            select(func.count()).select_from(Competency).where(Competency.framework_id == "esco")
        )
        assert s.execute(count).scalar_one() == 13_412
    listed = _openler(env, "frameworks", "list")
    assert listed.stdout.split("\t")[:3] == ["esco", "esco", "13,412 items"]
    shown = _openler(
        env, "frameworks", "show", "esco", "--search", "welding techniques", "--limit", "1"
    )
    assert (
        "knowledge\twelding techniques\thttp://data.europa.eu/esco/skill/530cb489" in shown.stdout
    )


ESCO_CSV = (
    "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,description\n"
    "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/w1,skill/competence,"
    'sector-specific,weld metal parts,"welding\nMIG welding",Joins metal.\n'
    "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/c2,skill/competence,"
    "cross-sector,perform cardiopulmonary resuscitation,CPR,Revives people.\n"
    "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/t3,skill/competence,"
    "sector-specific,drive heavy trucks,,Drives trucks.\n"
)


def _vectors(platform: Any, framework: str = "esco") -> int:
    with platform.db.session() as s:
        count = select(func.count()).select_from(CompetencyEmbedding)
        where = CompetencyEmbedding.framework_id == framework
        return int(s.execute(count.where(where)).scalar_one())


@pytest.mark.skipif(not embedder.available(), reason="the openler[ml] extra is not installed")
def test_an_import_computes_the_vectors_so_the_first_suggestion_answers_at_once(
    platform: Any, tmp_path: Path
) -> None:
    env = _env(platform, tmp_path)
    path = tmp_path / "skills_en.csv"
    path.write_text(ESCO_CSV)
    bare = _openler(env, "frameworks", "import", "esco", str(path), "--no-embed")
    assert bare.returncode == 0, bare.stderr
    assert "embedding" not in bare.stderr and _vectors(platform) == 0

    done = _openler(env, "frameworks", "import", "esco", str(path))
    assert done.returncode == 0, done.stderr
    assert "embedding the framework: 6 of 6 texts" in done.stderr
    assert _vectors(platform) == 3  # one row an item
    again = _openler(env, "frameworks", "import", "esco", str(path))
    assert again.returncode == 0 and "embedding" not in again.stderr  # nothing changed
    assert _openler(env, "skills", "embed", "--framework", "esco").stdout == "nothing to embed\n"

    found = _openler(
        env, "skills", "suggest", "--framework", "esco", "--top", "1", "--jsonl",
        stdin="MIG welding of steel\n",
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert "embedding" not in found.stderr  # the import did it
    assert "by the fused method" in found.stderr
    assert json.loads(found.stdout)["suggestions"][0]["label"] == "weld metal parts"


def test_without_the_extra_an_import_says_the_vectors_were_not_computed(
    platform: Any, tmp_path: Path
) -> None:
    path = tmp_path / "crosswalk.csv"
    path.write_text(CROSSWALK)
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_ML, "frameworks", "import", "military", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, **_env(platform, tmp_path)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "vectors not computed: openler[ml] is not installed" in done.stderr
    assert _vectors(platform, "military") == 0


def test_exit_codes_say_whole_partial_or_nothing(platform: Any, tmp_path: Path) -> None:
    env = _env(platform, tmp_path)
    whole, partial, wrong = (tmp_path / n for n in ("whole.csv", "partial.csv", "wrong.csv"))
    whole.write_text(CROSSWALK)
    partial.write_text(CROSSWALK + "Army,,Nothing,Active,29-2042.00\n")
    wrong.write_text("a,b\n1,2\n")
    assert _openler(env, "frameworks", "import", "military", str(whole)).returncode == 0
    skipped = _openler(env, "frameworks", "import", "military", str(partial))
    assert skipped.returncode == 1
    assert "partial.csv, line 3: no service or military code: skipped" in skipped.stderr
    refused = _openler(env, "frameworks", "import", "military", str(wrong))
    assert refused.returncode == 2 and "wrong.csv is not a military crosswalk" in refused.stderr
    assert _openler(env, "frameworks", "import", "sideways", str(whole)).returncode == 2
    missing = _openler(env, "frameworks", "show", "nothing")
    assert missing.returncode == 2 and "no framework 'nothing'" in missing.stderr
    directory = _openler(env, "frameworks", "import", "case", str(tmp_path))
    assert directory.returncode == 2 and "is a directory" in directory.stderr
