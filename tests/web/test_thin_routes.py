"""The web layer stays thin: routes parse, call a service and render. No SQL in ``web/``
(the services own every query), no hand-made organization lookup, no hand-made CSRF check."""

from __future__ import annotations

import ast
import re
from importlib import resources
from pathlib import Path

WEB = Path(str(resources.files("openler.web")))
#: the one SQLAlchemy name web/ may use: the type of the request's session (deps.py)
ALLOWED_IMPORTS = {("deps.py", "sqlalchemy.orm", "Session")}
QUERYING = re.compile(r"\bselect\(|\.execute\(|\.scalars?\(|\.query\(|\bsession\.get\(")


def _modules() -> list[Path]:
    found = sorted(WEB.rglob("*.py"))
    assert len(found) > 15  # pages, api/, deps, render, ...
    return found


def test_web_runs_no_sql() -> None:
    problems = []
    for path in _modules():
        name = str(path.relative_to(WEB))
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                problems += [
                    f"{name}: import {a.name}"
                    for a in node.names
                    if a.name.startswith("sqlalchemy")
                ]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                problems += [
                    f"{name}: from {node.module} import {a.name}"
                    for a in node.names
                    if (name, node.module, a.name) not in ALLOWED_IMPORTS
                ]
        for number, line in enumerate(source.splitlines(), 1):
            if QUERYING.search(line):
                problems.append(f"{name}:{number}: {line.strip()}")
    assert not problems, "\n".join(problems)


def test_routes_take_their_organization_and_csrf_check_from_dependencies() -> None:
    """``OrgDep`` looks up the ``{slug}``; ``deps.optional_principal`` checks CSRF."""
    problems = []
    for path in _modules():
        name = str(path.relative_to(WEB))
        source = path.read_text(encoding="utf-8")
        if name != "deps.py" and "organization_by_slug" in source:
            problems.append(f"{name}: organization_by_slug (use OrgDep)")
        if "check_csrf" in source:
            problems.append(f"{name}: check_csrf (the principal dependency checks it)")
    assert not problems, "\n".join(problems)


def test_the_check_catches_sql() -> None:
    """The pattern is not hollow: the lines web/ used to have are caught."""
    for line in (
        "session.execute(select(Organization).order_by(Organization.name)).scalars()",
        "row = session.get(IssuerKey, key)",
    ):
        assert QUERYING.search(line), line
    assert not QUERYING.search("issuing.issued_summary(session, principal, organization)")
