"""The data-model check of many documents of one shape, once per shape.

An issuer checks every credential it signs (:func:`openler.vc.verify.credential_problems`:
the contexts, compact form, the VC data model, the OB 3.0 / CLR 2.0 schema and types).
The documents of a roster are all built from one achievement: they have the same
*shape* — the skeleton of :mod:`openler.vc.fastrdf`, the JSON with every string that
cannot steer JSON-LD processing taken out — and differ only in some of those strings
(the recipient's identity hashes, the credential's id, its status entries).

:class:`ShapeChecks` checks the first document of a shape in full and keeps it as the
shape's *reference*. A later document of the same shape is checked only where its
strings differ from the reference's, by the rules that read those strings:

* its canonical form is computed from the shape's quad template, as the full check does
  (an IRI position that would not take the value sends the document to the full check);
* a string under a key that the OB 3.0 / CLR 2.0 models validate beyond "a string"
  (:func:`string_rules`) must be a date-time where the models want one and be the
  reference's string anywhere else;
* when a string under a member the VC data-model object rules read changed (``id``,
  ``issuer``, ``credentialStatus`` …, :data:`openler.vc.datamodel.OBJECT_KEYS`), those
  rules are applied to that member (they judge each member on its own); likewise the
  date order for a changed date;
* a changed string holding an unpaired surrogate sends the document to the full check
  (signing refuses what ``jsontext.check`` refuses).

Everything else the full check decides depends only on the shape — which keys, which
kept strings (contexts, types, terms), which numbers, booleans and nulls, which nesting —
so it is the reference's verdict. Whatever this cannot vouch for goes to the full check,
whose answer is returned: the verdict, the problems' wording and the canonical form are
the full check's in every case (``tests/vc/test_shapecheck.py`` holds it to that on
generated documents).
"""

from __future__ import annotations

import threading
import types
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import MaxLen, MinLen
from pydantic import AfterValidator, BaseModel, Strict
from pydantic.fields import FieldInfo

from openler.vc import jsonld, jsontext, models
from openler.vc.dataintegrity import CanonicalForms
from openler.vc.datamodel import OBJECT_KEYS, object_problems
from openler.vc.dates import parse_datetime
from openler.vc.errors import InputError
from openler.vc.verify import DATE_KEYS, credential_problems, date_order_problems

#: how the models validate a string at a position: any string, a date-time, or more
PLAIN, DATETIME, CONSTRAINED = 0, 1, 2
#: shapes remembered per checker (a roster has a handful)
MAX_SHAPES = 256


def _string_rule(annotation: Any) -> int:
    """How a value of ``annotation`` (a pydantic field's type) validates a string inside it
    that no nested model governs: :data:`PLAIN` when any string passes, :data:`DATETIME`
    for ``models.DateTime``, :data:`CONSTRAINED` for anything else (patterns,
    enumerations, literals, unknown validators)."""
    if annotation in (str, type(None), Any):
        return PLAIN
    if annotation in (bool, int, float):
        return CONSTRAINED  # lax: "5" is an int there, "five" is not
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return PLAIN  # its own fields are judged by their own keys
    if isinstance(annotation, FieldInfo):
        return _field_rule(annotation.annotation, annotation.metadata)
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        return _field_rule(base, metadata)
    if origin in (Union, types.UnionType):
        return max(_string_rule(member) for member in get_args(annotation))
    if origin is list:
        return _string_rule(get_args(annotation)[0])
    if origin is dict:
        return max((_string_rule(member) for member in get_args(annotation)), default=PLAIN)
    return CONSTRAINED  # a Literal, or a type this module does not know


def _field_rule(base: Any, metadata: list[Any]) -> int:
    """:func:`_string_rule` of ``base`` with pydantic ``metadata`` applied to it."""
    if base in (bool, int, float) and any(isinstance(m, Strict) for m in metadata):
        return PLAIN  # a strict number or boolean is never a string: the shape decides
    rule = _string_rule(base)
    for item in metadata:
        if isinstance(item, Strict):
            continue  # strict types: JSON's own strings, numbers and booleans
        if isinstance(item, MinLen | MaxLen) and get_origin(base) is list:
            continue  # a list's length: the shape
        if isinstance(item, FieldInfo) and get_origin(base) is list:
            if all(isinstance(m, MinLen | MaxLen) for m in item.metadata):
                continue
            return CONSTRAINED
        if isinstance(item, AfterValidator) and item.func is models.validate_datetime:
            rule = max(rule, DATETIME)
            continue
        return CONSTRAINED
    return rule


def _model_classes() -> list[type[models.LDModel]]:
    found: list[type[models.LDModel]] = []
    frontier: list[type[models.LDModel]] = [models.LDModel]
    while frontier:
        cls = frontier.pop()
        found.append(cls)
        frontier.extend(cls.__subclasses__())
    return found


@cache
def string_rules() -> dict[str, int]:
    """For every key (field name or alias) of the OB 3.0 / CLR 2.0 models whose strings
    are validated beyond "a string": the strictest rule any model applies under it. A
    key not listed takes any string wherever it appears."""
    rules: dict[str, int] = {}
    for cls in _model_classes():
        for name, info in cls.model_fields.items():
            rule = _field_rule(info.annotation, info.metadata)
            if rule == PLAIN:
                continue
            for key in {name, info.alias or name}:
                rules[key] = max(rules.get(key, PLAIN), rule)
    return rules


@dataclass(frozen=True)
class _Reference:
    """A document of one shape that passed the full check: its values, and per value
    what a different string there must satisfy."""

    values: list[str]
    #: per value: PLAIN, DATETIME or CONSTRAINED (must stay the reference's string)
    rules: list[int]
    #: per value: the member the VC data-model object rules read it under ("" for none)
    objects: list[str]
    #: per value: whether the date-order rule reads it
    dates: list[bool]


def _reference(document: Mapping[str, Any], values: list[str]) -> _Reference | None:
    paths = jsonld.DEFAULT_LOADER.fastpath.value_paths(document)
    if len(paths) != len(values):  # never: the two walks are one
        return None
    rules, by_key = [], string_rules()
    for path in paths:
        keys = [step for step in path if isinstance(step, str)]
        rules.append(by_key.get(keys[-1], PLAIN) if keys else CONSTRAINED)
    return _Reference(
        values,
        rules,
        [str(path[0]) if path and path[0] in OBJECT_KEYS else "" for path in paths],
        [len(path) == 1 and path[0] in DATE_KEYS for path in paths],
    )


def _is_datetime(value: str) -> bool:
    try:
        parse_datetime(value)
    except InputError:
        return False
    return True


class ShapeChecks:
    """:func:`credential_problems` for many unsecured documents with the same default
    contexts (the signing workers keep one per process). Thread-safe."""

    def __init__(self) -> None:
        self._references: dict[Any, _Reference | None] = {}
        self._lock = threading.Lock()
        self.full = 0  # documents checked in full (first of a shape, or not vouched for)

    def problems(self, document: dict[str, Any], forms: CanonicalForms) -> list[str]:
        """``credential_problems(document, forms=forms)``: the same problems, and ``forms``
        holding the same canonical form for signing."""
        if forms.loader not in (None, jsonld.DEFAULT_LOADER) or "proof" in document:
            return self._full(document, forms)
        fastpath = jsonld.DEFAULT_LOADER.fastpath
        walked = fastpath.walked(document) if jsonld.DEFAULT_LOADER.fast else None
        if walked is None:
            return self._full(document, forms)
        key, values = walked
        try:
            reference = self._references[key]
        except KeyError:  # the first document of its shape: checked in full, remembered
            problems = self._full(document, forms)
            self._learn(key, document, values, forms, problems)
            return problems
        if reference is None or not self._vouch(document, values, reference):
            return self._full(document, forms)
        canonical = fastpath.canonical_of(key, values)
        if canonical is None:
            return self._full(document, forms)
        forms.keep_unsecured(document, canonical.encode("utf-8"), json_checked=True)
        return []

    def _full(self, document: dict[str, Any], forms: CanonicalForms) -> list[str]:
        self.full += 1
        return credential_problems(document, forms=forms)

    def _learn(
        self,
        key: Any,
        document: dict[str, Any],
        values: list[str],
        forms: CanonicalForms,
        problems: list[str],
    ) -> None:
        """Keep ``document`` as its shape's reference when it passed the full check by the
        fast path's canonical form and signing would read it (``jsontext.check``)."""
        reference = None
        canonical = jsonld.DEFAULT_LOADER.fastpath.canonical_of(key, values)
        if (
            not problems
            and canonical is not None
            and forms.unsecured_form(document) == canonical.encode("utf-8")
            and _json_ok(document)
        ):
            reference = _reference(document, list(values))
        with self._lock:
            if len(self._references) >= MAX_SHAPES:
                self._references.clear()
            self._references[key] = reference

    @staticmethod
    def _vouch(document: dict[str, Any], values: list[str], reference: _Reference) -> bool:
        """Whether the strings where ``document`` differs from the reference pass every rule
        that reads them (``document`` has the reference's shape)."""
        objects: set[str] = set()
        dates = False
        surrogate = jsontext.has_surrogate
        for index, (value, known) in enumerate(zip(values, reference.values, strict=True)):
            if value is known or value == known:
                continue
            rule = reference.rules[index]
            if rule == CONSTRAINED or (rule == DATETIME and not _is_datetime(value)):
                return False
            if surrogate(value):
                return False
            objects.add(reference.objects[index])
            dates = dates or reference.dates[index]
        objects.discard("")
        # the object rules judge each member on its own, and the reference's members
        # passed them: only the members that changed are judged again
        if objects and object_problems({member: document[member] for member in objects}):
            return False
        return not (dates and date_order_problems(document))


def _json_ok(document: Mapping[str, Any]) -> bool:
    try:
        jsontext.check(document)
    except InputError:
        return False
    return True
