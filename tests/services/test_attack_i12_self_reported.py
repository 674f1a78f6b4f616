"""Attack pass on what a person writes of themselves (issue 12): any text at all is either
refused with a named problem or stored and read back as typed — never an error of the
database (NUL characters, unpaired surrogates, huge text)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from openler.services.holders import self_reported
from openler.services.holders.self_reported import InvalidEntry, checked
from tests.conftest import load_demo
from tests.services.issuing_world import who

MARIA = "maria@demo.openler.org"
#: any text, with what databases and encoders stumble on mixed in
TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(["\x00", "\ud800", "\udfff", "‮", "<", "&", "\n"]), max_size=8),
    st.just("x" * 20_000),
)


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "a\x00b"),
        ("title", "a\ud800b"),
        ("description", "x\x00"),
        ("organization", "\udfff"),
    ],
)
def test_text_a_database_cannot_keep_is_refused_by_its_field(
    session: Session, platform: Any, field: str, value: str
) -> None:
    typed = {"kind": "job", "title": "Nurse", field: value}
    with pytest.raises(InvalidEntry) as refused:
        self_reported.add(session, platform, who(session, MARIA), checked(**typed))
    assert field in {p.field for p in refused.value.problems}


def test_any_text_is_refused_or_kept_as_typed(session: Session, platform: Any) -> None:
    maria = who(session, MARIA)

    @settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        kind=st.sampled_from(["job", "skill", "volunteer", "x"]),
        title=TEXT,
        where=TEXT,
        about=TEXT,
        start=TEXT,
    )
    def check(kind: str, title: str, where: str, about: str, start: str) -> None:
        try:
            draft = checked(
                kind=kind, title=title, organization=where, description=about, started=start
            )
        except InvalidEntry:
            return  # refused, each problem named by its field (tested above)
        with session.begin_nested():
            row = self_reported.add(session, platform, maria, draft)
            session.flush()
            session.expire(row)
            assert (row.title, row.organization, row.description) == (
                draft.title,
                draft.organization,
                draft.description,
            )

    check()
