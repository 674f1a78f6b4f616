"""Signing many credentials: one key, many files, spread over the machine's cores."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openler.services.errors import ServiceError, UsageError
from openler.services.files.atomic import write_json_atomic
from openler.services.files.documents import context_loader, load_key, read_json_file
from openler.services.files.parallel import parallel_map
from openler.vc import Cryptosuite, DocumentLoader, Multikey, VCError, sign_credential


def with_identifier(document: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The document to sign, given a ``urn:uuid:`` ``id`` when it has none (Open Badges 3.0
    requires one, so a credential signed without it would fail verification), and the id
    that was added (None when the document had its own).

    >>> signed, added = with_identifier({"type": ["VerifiableCredential"]})
    >>> added.startswith("urn:uuid:") and signed["id"] == added
    True
    >>> with_identifier({"id": "urn:example:1"})[1] is None
    True
    """
    if "id" in document:
        return document, None
    added = f"urn:uuid:{uuid.uuid4()}"
    head = {"@context": document["@context"]} if "@context" in document else {}
    return {**head, "id": added, **document}, added


@dataclass(frozen=True)
class SignOptions:
    key_file: str
    out_dir: str
    suite: Cryptosuite
    created: datetime
    contexts: Sequence[str] = ()


@dataclass(frozen=True)
class SignResult:
    input: str
    output: str | None
    error: str | None = None
    #: the ``urn:uuid:`` id given to a document that had none
    added_id: str | None = None


class _Signer:
    def __init__(self, options: SignOptions) -> None:
        self.options = options
        self.key: Multikey = load_key(options.key_file)
        self.loader: DocumentLoader = context_loader(options.contexts)

    def one(self, name: str) -> SignResult:
        target = Path(self.options.out_dir) / Path(name).name
        try:
            document = read_json_file(name, "input")
            if not isinstance(document, dict):
                raise UsageError(f"{name} must hold a JSON object")
            document, added = with_identifier(document)
            signed = sign_credential(
                document,
                self.key,
                cryptosuite=self.options.suite,
                created=self.options.created,
                loader=self.loader,
            )
            write_json_atomic(target, signed)
        except ServiceError as exc:
            return SignResult(name, None, exc.message)
        except VCError as exc:
            return SignResult(name, None, exc.message)
        return SignResult(name, str(target), added_id=added)


def sign_files(
    names: Sequence[str], options: SignOptions, *, jobs: int = 1
) -> Iterator[SignResult]:
    """Sign each file into ``out_dir`` (same file name), in order, one result per file.

    Outputs are written atomically, so a batch that stops half way can be run again: the
    files already signed are simply signed again. The key is read by each worker from its
    file; it is never sent between processes.
    """
    _Signer(options)  # a bad key or option fails here, before any work starts
    out = Path(options.out_dir)
    if not out.is_dir():
        raise UsageError(f"--out-dir {out} is not a directory")
    names_seen: set[str] = set()
    for name in names:
        if Path(name).name in names_seen:
            raise UsageError(f"two inputs are named {Path(name).name}; their outputs would collide")
        names_seen.add(Path(name).name)
        if (out / Path(name).name).resolve() == Path(name).resolve():
            raise UsageError(
                f"{name} would be overwritten by its own signed copy; choose another --out-dir"
            )
    yield from parallel_map(
        _Signer.one, list(names), jobs=jobs, setup=_Signer, setup_args=(options,)
    )
