"""HR Open LER-RS résumés (Learning and Employment Record Resume Standard), as an import
reads them: whether a document is one, and the verifiable credentials it carries — in a
``verifications`` list beside what it states, or as base64 attachments. The rest of a
résumé (the person, contact details, narratives, histories, skills) is not a credential.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def is_ler_rs(document: Mapping[str, Any]) -> bool:
    """An HR Open LER-RS résumé: bare (its ``type`` the LER-RS schema) or wrapped in a
    credential whose subject is one.

    >>> is_ler_rs({"type": "http://schema.hropenstandards.org/4.4/recruiting/json/ler-rs/LER-RSType.json"})
    True
    >>> is_ler_rs({"type": ["VerifiableCredential"], "credentialSubject": {"id": "did:x"}})
    False
    """
    subject = document.get("credentialSubject")
    subject_types = _types(subject.get("type")) if isinstance(subject, Mapping) else []
    return any("ler-rs" in t.lower() for t in _types(document.get("type")) + subject_types)


def verifications(document: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Every credential an LER-RS résumé carries in a ``verifications`` list, with where."""
    if isinstance(document, Mapping):
        for key, value in document.items():
            here = f"{where}.{key}" if where else str(key)
            if key == "verifications":
                for i, item in enumerate(_as_list(value), start=1):
                    yield f"{_plain_path(where)} verification {i}", item
            elif key != "attachments":
                yield from verifications(value, here)
    elif isinstance(document, list):
        for i, item in enumerate(document):
            yield from verifications(item, f"{where}[{i}]")


def attachments(document: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The attachments an LER-RS résumé carries (anywhere), numbered."""
    found: list[Mapping[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                if key == "attachments":
                    found.extend(a for a in _as_list(inner) if isinstance(a, Mapping))
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(document)
    for i, attachment in enumerate(found, start=1):
        yield f"attachment {i}", attachment


def attachment_name(attachment: Mapping[str, Any]) -> str:
    content = attachment.get("content")
    filename = content.get("filename") if isinstance(content, Mapping) else None
    ident = attachment.get("id")
    value = ident.get("value") if isinstance(ident, Mapping) else ident
    name = filename or value
    return repr(str(name)[:100]) if name else "(unnamed)"


def _plain_path(where: str) -> str:
    """``credentialSubject.certifications[0]`` as ``certifications 1``."""
    last = where.rsplit(".", 1)[-1]
    found = re.fullmatch(r"(\w+)\[(\d+)\]", last)
    return f"{found.group(1)} {int(found.group(2)) + 1}" if found else last or "résumé"
