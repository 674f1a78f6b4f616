"""The examples in openler's docstrings run and give what they say (``make check`` runs
them with the rest of the tests)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import openler

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(openler.__path__, "openler.")
    if ".migrations" not in info.name  # Alembic's scripts run only inside Alembic
)
WITH_EXAMPLES = [
    name
    for name in MODULES
    if any(test.examples for test in doctest.DocTestFinder().find(importlib.import_module(name)))
]


def test_examples_are_found() -> None:
    # a finder that silently found nothing would pass every case below
    assert {"openler.vc.jcs", "openler.vc.models", "openler.vc.verify"} <= set(WITH_EXAMPLES)


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=True
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) in {name} failed (see the output)"
