"""The wallet's QueryByExample match (as LCW matches): properties."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from openler.services.protocols.wallet_exchanges import matches

scalars = st.one_of(st.text(max_size=5), st.integers(), st.booleans())
documents = st.recursive(
    st.dictionaries(st.text(max_size=4), scalars, max_size=4),
    lambda inner: st.dictionaries(
        st.text(max_size=4), st.one_of(inner, st.lists(scalars, max_size=4)), max_size=4
    ),
    max_leaves=12,
)


def sub_example(document: Any, data: st.DataObject) -> Any:
    """An example a document must match: some of its members, some of each list."""
    if isinstance(document, dict):
        keys = (
            data.draw(st.lists(st.sampled_from(sorted(document)), unique=True)) if document else []
        )
        return {k: sub_example(document[k], data) for k in keys}
    if isinstance(document, list):
        return data.draw(st.lists(st.sampled_from(document))) if document else []
    return document


@given(documents, st.data())
def test_a_document_matches_every_example_drawn_from_it(document: Any, data: st.DataObject) -> None:
    assert matches(sub_example(document, data), document)


@given(documents, st.text(min_size=1, max_size=4), scalars)
def test_a_value_the_document_lacks_does_not_match(document: Any, key: str, value: Any) -> None:
    if key in document:
        return
    assert not matches({key: value}, document)
