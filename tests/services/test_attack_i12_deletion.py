"""Attack pass on deleting an account (issue 12): after Maria deletes hers, no table but
the ones docs/security.md names still holds her id, her email or her name; her session
and her imports are gone; nobody else can delete it."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from openler.services import demo
from openler.services.errors import Forbidden
from openler.services.holders import exports, imports, sharing
from openler.services.holders.imports import Upload
from openler.services.people import accounts, deletion
from openler.store.models import Base, Person, SelfReported
from tests.conftest import load_demo
from tests.services.test_sharing_record import share, who

MARIA, JAMES = "maria@demo.openler.org", "james@demo.openler.org"
#: where docs/security.md says what names her stays: the audit trail (chained), and the
#: issuers' own records of what they issued (the recipient they recorded)
KEPT = {"audit_events", "credentials"}


@pytest.fixture
def world(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
    return platform


def _mentions(session: Session, needles: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in KEPT:
            continue
        for row in session.execute(select(table)).all():
            blob = json.dumps([str(v) for v in row], ensure_ascii=False).lower()
            if any(n.lower() in blob for n in needles):
                found[table.name] = found.get(table.name, 0) + 1
    return found


def test_after_deletion_nothing_names_her_and_nothing_acts_for_her(world: Any) -> None:
    created = share(world, names=["Registered Nurse"])
    with world.db.session() as s:
        maria = who(s, MARIA)
        person = s.get(Person, maria.person_id)
        assert person is not None
        needles = [str(person.id), person.email, person.name]
        s.add(SelfReported(person_id=person.id, kind="skill", title="Spanish"))
        imports.import_files(s, world, maria, [Upload("x.json", b'{"name": "cv"}')])
        exports.print_links(s, world, maria)
        james = who(s, JAMES)
        # Maria opens James's share (her id goes into his access log as a viewer)
    his = share(world, JAMES)
    with world.db.session() as s:
        sharing.view_share(s, world, his.token, viewer="person:x", principal=who(s, MARIA))
        sharing.view_share(s, world, created.token, viewer="person:y", principal=james)
        session_token = accounts.login(s, world, email=MARIA, password=demo.DEMO_PASSWORD).token
    with world.db.session() as s:  # an organization's token acting for her may not
        token = replace(who(s, MARIA), token_scope=("ohio-nursing", "issuer"))
        with pytest.raises(Forbidden):
            deletion.delete_account(s, world, token, confirm=MARIA)
    with world.db.session() as s:
        assert _mentions(s, needles)  # the scan sees her before
        deletion.delete_account(s, world, who(s, MARIA), confirm=MARIA)
    with world.db.session() as s:
        assert _mentions(s, needles) == {}
        assert accounts.resolve_session(s, world, session_token) is None
        assert (
            s.execute(
                text("select count(*) from share_views where viewer_person_id is not null")
            ).scalar_one()
            == 0
        )
