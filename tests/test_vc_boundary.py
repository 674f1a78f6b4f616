"""The standards engine is used through its public surface only.

``openler.vc`` exports a small, safe set of names (``openler/vc/__init__.py``, ``__all__``);
its modules are implementation. Outside ``vc``, code imports from ``openler.vc`` and never
from ``openler.vc.<module>``, so that a module can be split or renamed without touching the
rest of openler (../shared/STYLE.md, habits 1 and 2).
"""

from __future__ import annotations

import ast
from pathlib import Path

import openler.vc

SRC = Path(openler.vc.__file__).parents[1]


def _reaches_inside(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openler.vc."):
            found.append((node.lineno, f"from {node.module} import ..."))
        elif isinstance(node, ast.ImportFrom) and node.module == "openler.vc":
            found += [
                (node.lineno, f"from openler.vc import {alias.name} (a module)")
                for alias in node.names
                if alias.name not in openler.vc.__all__
            ]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, f"import {alias.name}")
                for alias in node.names
                if alias.name.startswith("openler.vc.")
            ]
    return found


def test_code_outside_vc_imports_only_the_public_surface() -> None:
    offences = [
        f"{path.relative_to(SRC.parent)}:{line}: {what}"
        for path in sorted(SRC.rglob("*.py"))
        if SRC / "vc" not in path.parents
        for line, what in _reaches_inside(ast.parse(path.read_text("utf-8")))
    ]
    assert offences == [], "import these names from openler.vc instead:\n" + "\n".join(offences)


def test_the_scan_sees_each_way_of_reaching_inside() -> None:
    source = (
        "from openler.vc.trust import TrustEntry\n"
        "import openler.vc.statuslist\n"
        "from openler.vc import jsonld\n"
        "from openler.vc import verify\n"
    )
    assert [line for line, _ in _reaches_inside(ast.parse(source))] == [1, 2, 3]


def test_every_exported_name_exists() -> None:
    missing = [name for name in openler.vc.__all__ if not hasattr(openler.vc, name)]
    assert missing == []
