"""Attack pass on sharing (issue 12): racing for the last view, withdrawn and expired
links, a whole-record share never carrying anyone else's credential."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from openler.services.errors import Conflict, NotFound
from openler.services.holders import sharing
from openler.services.people.accounts import Principal
from openler.store.models import Share, ShareView
from tests.conftest import load_demo
from tests.services.test_sharing_record import JAMES, MARIA, share, who


@pytest.fixture
def world(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
    return platform


def _open(world: Any, token: str, outcomes: list[str], barrier: threading.Barrier) -> None:
    barrier.wait()
    try:
        with world.db.session() as s:
            sharing.view_share(
                s, world, token, viewer="link:race", principal=Principal.system("share link")
            )
        outcomes.append("opened")
    except Conflict:
        outcomes.append("refused")
    except Exception as exc:  # a lost race may fail; it must not open
        outcomes.append(f"error:{type(exc).__name__}")


@pytest.mark.parametrize("racers", [2, 4])
def test_racing_for_the_last_view_lets_one_through(world: Any, racers: int) -> None:
    created = share(world, names=["Registered Nurse"], max_views=1)
    outcomes: list[str] = []
    barrier = threading.Barrier(racers)
    threads = [
        threading.Thread(target=_open, args=(world, created.token, outcomes, barrier))
        for _ in range(racers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("opened") == 1, outcomes
    assert set(outcomes) <= {"opened", "refused"}, outcomes  # the others told why
    with world.db.session() as s:
        views = s.execute(
            select(func.count())
            .select_from(ShareView)
            .where(ShareView.share_id == created.share.id)
        ).scalar_one()
    assert views == 1


def test_a_withdrawn_or_expired_share_never_opens(world: Any) -> None:
    withdrawn = share(world, names=["Registered Nurse"])
    expired = share(world, names=["Registered Nurse"], days=1)
    with world.db.session() as s:
        sharing.revoke_share(s, world, who(s, MARIA), withdrawn.share.id)
        row = s.get(Share, expired.share.id)
        assert row is not None
        row.expires_at = world.now() - timedelta(seconds=1)
    for created in (withdrawn, expired):
        with world.db.session() as s, pytest.raises(Conflict):
            sharing.view_share(
                s,
                world,
                created.token,
                viewer="link:test",
                principal=Principal.system("share link"),
            )
    # a token differing in case, padding or whitespace is not the token
    for spelling in (withdrawn.token.upper(), withdrawn.token + "=", f" {withdrawn.token}"):
        with world.db.session() as s, pytest.raises((NotFound, Conflict)):
            sharing.view_share(
                s, world, spelling, viewer="link:test", principal=Principal.system("share link")
            )


def test_a_whole_record_share_holds_only_the_sharers_credentials(world: Any) -> None:
    created = share(world, whole_record=True)
    with world.db.session() as s:
        james_ids = {
            c.id
            for c in s.execute(
                select(Share).where(Share.person_id == who(s, JAMES).person_id)
            ).scalars()
        }
        assert created.share.id not in james_ids
        from openler.services.issuers import issuing

        hers = {
            r.id
            for r in issuing.credentials_of(s, str(who(s, MARIA).person_id), include_replaced=True)
        }
    inner = created.share.presentation["verifiableCredential"]
    ids = {c["id"] for c in inner if isinstance(c, dict)}
    assert ids and ids <= hers
