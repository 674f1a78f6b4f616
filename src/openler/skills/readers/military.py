"""A military crosswalk: which civilian occupations (O*NET-SOC codes) a military occupation
code translates to, as O*NET publishes it (one row per code and occupation: the service, the
military occupation code and its title, its status — active, reserve — or personnel
category, and the O*NET-SOC code) in CSV or tab-separated text.

Columns are found by their header, in the spellings the published files use (O*NET's
crosswalk and DMDC's MOC–O*NET table: ``mocsvc``, ``moccode``, ``moceo``, ``onetcode``):
``MOC`` / ``MOC Code`` / ``Military Code``, ``Service`` / ``Branch`` (a name or the one-letter code
A, C, F, M, N, S), ``Title`` / ``MOC Title``, ``Status`` / ``Category``, ``O*NET-SOC Code``.
Each military occupation is one item, identified ``<service lower-case>:<code>`` (``army:68W``);
each row one ``translates`` relation to the occupation of its O*NET-SOC code.

>>> text = "Service,MOC,Title,Status,O*NET-SOC Code\\nArmy,68W,Combat Medic,Active,29-2042.00\\n"
>>> crosswalk = read_military(text)
>>> crosswalk.items[0].identifier, crosswalk.relations[0].target
('army:68W', '29-2042.00')
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from openler.skills.frameworks import Framework, Item, Relation
from openler.skills.readers._common import (
    LIMITS,
    Limits,
    Problem,
    Problems,
    ReaderError,
    check_items,
    clip,
    rows_of,
    text_of,
)

SERVICES = {
    "a": "Army",
    "c": "Coast Guard",
    "f": "Air Force",
    "m": "Marine Corps",
    "n": "Navy",
    "s": "Space Force",
}
_COLUMNS = {
    "code": (
        "moc",
        "moc code",
        "moccode",
        "military code",
        "military occupation code",
        "code",
        "mos",
    ),
    "service": ("service", "branch", "military service", "mocsvc", "service branch"),
    "title": (
        "title",
        "moc title",
        "moctitle",
        "military title",
        "military occupation title",
        "moc name",
    ),
    "status": ("status", "category", "personnel category", "moceo", "moc status", "component"),
    "soc": (
        "o*net-soc code",
        "onet-soc code",
        "onet soc code",
        "o*net soc code",
        "onetcode",
        "o*net-soc",
        "onet code",
        "soc code",
    ),
}
_SOC = re.compile(r"^\d{2}-\d{4}\.\d{2}$")


def service_name(value: str) -> str:
    """``A`` or ``army`` → ``Army``; a name not known is kept as written."""
    value = value.strip()
    key = value.lower()
    if key in SERVICES:
        return SERVICES[key]
    for name in SERVICES.values():
        if name.lower() == key:
            return name
    return value


def military_identifier(service: str, code: str) -> str:
    """The item identifier of a military occupation: ``army:68W``."""
    return f"{service_name(service).lower()}:{code.strip()}"


def read_military(
    data: bytes | str,
    *,
    id: str | None = None,
    name: str | None = None,
    source: str = "crosswalk.csv",
    limits: Limits = LIMITS,
    problems: list[Problem] | None = None,
) -> Framework:
    """The crosswalk: one ``military`` item per service and code, ``translates`` relations."""
    text = text_of(data, source, limits)
    found = Problems(problems, limits)
    header, rows = rows_of(text, source, limits, found)
    columns = _columns(header, source)
    items: dict[str, Item] = {}
    relations: dict[tuple[str, str], Relation] = {}
    for row in rows:
        code, service = row.get(columns["code"]), row.get(columns["service"])
        soc = row.get(columns["soc"])
        if not code or not service:
            found.add(source, row.line, "no service or military code: skipped")
            continue
        if not _SOC.match(soc):
            found.add(source, row.line, f"{soc!r} is not an O*NET-SOC code (like 29-2042.00)")
            continue
        identifier = military_identifier(service, code)
        if identifier not in items:
            title = row.get(columns["title"]) if "title" in columns else ""
            status = row.get(columns["status"]) if "status" in columns else ""
            items[identifier] = Item(
                identifier,
                "military",
                clip(title or code, 1000),
                code=code.strip(),
                extra={"service": service_name(service), "status": status or None},
            )
            check_items(len(items), source, limits)
        relations.setdefault((identifier, soc), Relation(identifier, soc, "translates"))
    return Framework(
        id or "military",
        "military",
        name or "Military occupations crosswalk",
        items=tuple(items.values()),
        relations=tuple(relations.values()),
    )


def _columns(header: Sequence[str], source: str) -> dict[str, str]:
    spelled = {h.lower().strip(): h for h in header}
    columns: dict[str, str] = {}
    for role, names in _COLUMNS.items():
        for spelling in names:
            if spelling in spelled:
                columns[role] = spelled[spelling]
                break
    missing = [role for role in ("code", "service", "soc") if role not in columns]
    if missing:
        wanted = {"code": "MOC", "service": "Service", "soc": "O*NET-SOC Code"}
        raise ReaderError(
            f"{source} is not a military crosswalk: no {', '.join(wanted[m] for m in missing)} "
            f"column (it has {', '.join(map(repr, header[:12]))})"
        )
    return columns
