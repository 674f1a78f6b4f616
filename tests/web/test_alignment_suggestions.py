"""The issuer's alignment picker: "Suggest skills" in the achievement editor suggests a
framework's competencies for the name, description and criteria; those ticked become OB 3.0
alignments of the next version — without JavaScript — and the JSON endpoint for programs;
only the organization's achievement editors may ask (both ways)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from openler.services.people.accounts import Principal
from openler.services.skills import embedder, frameworks, suggestions
from openler.skills import Framework, Item
from openler.store.models import SkillFramework
from tests.web.conftest import changes, recorded_state
from tests.web.test_achievement_pages import post_form
from tests.web.test_members import as_

EDIT = "/issuer/ohio-nursing/achievements/registered-nurse/edit"
ESCO = "http://data.europa.eu/esco/skill/"
SKILLS = (
    Item(ESCO + "n1", "skill", "apply nursing care", ("provide nursing care",)),
    Item(ESCO + "n2", "skill", "administer medication", ("give medicines",)),
    Item(ESCO + "w1", "skill", "weld metal parts", ("welding",)),
    Item("29-1141.00", "occupation", "Registered Nurses", code="29-1141.00"),
)
FIELDS = {
    "name": "Registered Nurse",
    "description": "Licensed to practise as a Registered Nurse: nursing care for patients.",
    "criteria": "Approved nursing program, NCLEX-RN, Ohio Revised Code 4723.",
    "achievement_type": "License",
    "alignment_rows": "0",
    "resultDescription_rows": "0",
    "suggest_framework": "care",
}


def save_framework(platform: Any) -> None:
    with platform.db.session() as s:
        framework = Framework("care", "esco", "Care skills", items=SKILLS)
        frameworks.save(s, platform, Principal.system("test"), framework)


def test_the_issuer_confirms_suggested_skills_into_the_next_version(
    client: TestClient, demo_platform: Any
) -> None:
    save_framework(demo_platform)
    as_(client, "olivia")
    form = client.get(EDIT)
    assert '<option value="care">Care skills</option>' in form.text
    # the demo's own framework first; a military crosswalk teaches nothing and is not offered
    assert re.search(r'<option value="demo" selected>', form.text)
    assert 'value="military"' not in form.text
    before = recorded_state(demo_platform)

    shown = post_form(client, EDIT, {**FIELDS, "step": "suggest"})
    assert shown.status_code == 200, shown.text
    assert "Skills of Care skills that this achievement seems to be about" in shown.text
    assert 'name="suggested" value="http://data.europa.eu/esco/skill/n1"' in shown.text
    assert "apply nursing care" in shown.text and "score " in shown.text
    assert f'href="{ESCO}n1"' in shown.text  # the item's address in the framework
    assert "weld metal parts" not in shown.text  # nothing about welding here
    assert changes(before, recorded_state(demo_platform)) == {}  # nothing saved yet

    ticked = {**FIELDS, "step": "add-suggested", "suggested": [ESCO + "n1", "29-1141.00"]}
    added = post_form(client, EDIT, ticked)  # type: ignore[arg-type]
    assert added.status_code == 200
    assert 'value="apply nursing care"' in added.text and 'value="29-1141.00"' in added.text
    assert 'name="alignment-3-targetName"' in added.text  # two rows and a blank one
    assert changes(before, recorded_state(demo_platform)) == {}

    rows = {
        "alignment_rows": "2",
        "alignment-1-targetName": "apply nursing care",
        "alignment-1-targetUrl": ESCO + "n1",
        "alignment-1-targetFramework": "Care skills",
        "alignment-1-targetType": "ceasn:Competency",
        "alignment-2-targetName": "Registered Nurses",
        "alignment-2-targetUrl": "https://www.onetonline.org/link/summary/29-1141.00",
        "alignment-2-targetCode": "29-1141.00",
        "alignment-2-targetType": "ext:Occupation",
    }
    # ticked and saved at once: the ticked one joins the rows, each once
    saved = post_form(
        client,
        EDIT,
        {**FIELDS, **rows, "step": "save", "suggested": [ESCO + "n1", ESCO + "n2"]},  # type: ignore[dict-item]
    )
    assert "Saved as version 2" in saved.text
    with demo_platform.db.session() as s:
        from openler.services.issuers import achievements, orgs

        org = orgs.organization_by_slug(s, "ohio-nursing")
        row = achievements.achievement_by_slug(s, org, "registered-nurse")
        names = [(a["targetName"], a.get("targetFramework")) for a in row.data["alignment"]]
    assert names == [
        ("apply nursing care", "Care skills"),
        ("Registered Nurses", None),
        ("administer medication", "Care skills"),
    ]


def test_the_picker_says_what_is_wrong(client: TestClient, demo_platform: Any) -> None:
    as_(client, "olivia")
    with demo_platform.db.session() as s:  # the demo's own frameworks gone: none is here
        s.execute(delete(SkillFramework))
    none_here = client.get(EDIT)
    assert "No skills framework is imported here yet" in none_here.text
    save_framework(demo_platform)
    empty = post_form(
        client, EDIT, {**FIELDS, "name": "", "description": "", "criteria": "", "step": "suggest"}
    )
    assert empty.status_code == 400 and "write the name or description first" in empty.text
    wrong = post_form(client, EDIT, {**FIELDS, "suggest_framework": "nope", "step": "suggest"})
    assert wrong.status_code == 400 and "no framework" in wrong.text
    forged = post_form(
        client, EDIT, {**FIELDS, "step": "add-suggested", "suggested": "not-an-item"}
    )
    assert forged.status_code == 400 and "Care skills holds no item" in forged.text


def test_the_json_endpoint_for_editors_only(client: TestClient, demo_platform: Any) -> None:
    save_framework(demo_platform)
    url = "/api/orgs/ohio-nursing/achievements/suggest"
    body = {"framework": "care", "texts": ["nursing care and giving medicines"], "top": 2}
    as_(client, "olivia")
    answer = client.post(url, json=body)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["framework"] == {"id": "care", "name": "Care skills", "kind": "esco"}
    assert found["method"] in ("lexical", "fused")
    suggested = found["results"][0]["suggestions"]
    assert {s["id"] for s in suggested} == {ESCO + "n1", ESCO + "n2"}
    assert suggested[0]["alignment"]["targetFramework"] == "Care skills"
    refused = client.post(url, json={**body, "top": 0})
    assert refused.status_code == 422
    unknown = client.post(url, json={**body, "framework": "nope"})
    assert unknown.status_code == 404
    as_(client, "trainer")  # staff of another organization
    assert client.post(url, json=body).status_code == 403


def test_a_new_achievement_gets_suggestions_too(client: TestClient, demo_platform: Any) -> None:
    save_framework(demo_platform)
    as_(client, "olivia")
    new = "/issuer/ohio-nursing/achievements/new"
    fields = {**FIELDS, "slug": "welder", "name": "Welder", "description": "Welds metal parts."}
    shown = post_form(client, new, {**fields, "step": "suggest"})
    assert shown.status_code == 200 and 'value="welder"' in shown.text
    assert 'name="suggested" value="http://data.europa.eu/esco/skill/w1"' in shown.text
    created = post_form(client, new, {**fields, "step": "save", "suggested": ESCO + "w1"})
    assert "created as version 1" in created.text
    assert "weld metal parts" in created.text


@pytest.mark.skipif(not embedder.available(), reason="the openler[ml] extra is not installed")
def test_a_framework_too_large_to_embed_now_is_matched_by_words_and_the_page_says_so(
    client: TestClient, demo_platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_framework(demo_platform)
    monkeypatch.setattr(suggestions, "PAGE_EMBED_LIMIT", 2)  # as ESCO against 3,000
    as_(client, "olivia")
    shown = post_form(client, EDIT, {**FIELDS, "step": "suggest"})
    assert shown.status_code == 200
    assert "Found by the words of the skills' names in your text." in shown.text
    assert "run `openler skills embed --framework care` once" in shown.text
    assert 'name="suggested" value="http://data.europa.eu/esco/skill/n1"' in shown.text
