"""Text the services hand to pages, marked for translation.

``N_("…")`` returns its argument unchanged: it only marks the text so that ``make messages``
finds it (``babel.cfg`` reads the services for ``N_``). The pages translate such text as they
show it (``{{ _(text) }}``); text that is not marked, such as an issuer's own words, is shown
as it was written.

A sentence that combines values is handed over as a :data:`Wording`: the marked message and
its values, each value either data shown as written (a name, a date, a number) or itself a
wording — a fixed phrase marked ``N_`` (:func:`phrase`) or a sentence of its own — which the
page translates too. :func:`filled` is the English, as the CLI and the API say it.

>>> why = worded(N_("%(state)s: %(reason)s"), state=phrase(N_("expired")), reason="2026-01-01")
>>> filled(worded(N_("%(name)s cannot be sent: %(why)s"), name="RN", why=why))
'RN cannot be sent: expired: 2026-01-01'
>>> wording_from_json(wording_to_json(why)) == why
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

#: a message marked ``N_`` and its values, sorted by name: ``("expired on %(day)s",
#: (("day", "2026-01-01"),))``; a value that is itself a wording is translated too
Wording: TypeAlias = "tuple[str, tuple[tuple[str, str | Wording], ...]]"


def N_(message: str) -> str:  # noqa: N802 (the name gettext tools look for)
    """``message`` as it is (marked for translation)."""
    return message


def worded(message: str, **values: str | Wording) -> Wording:
    """``message`` (marked ``N_``) with its ``values``."""
    return message, tuple(sorted(values.items()))


def phrase(message: str) -> Wording:
    """A fixed phrase (marked ``N_``) used as the value of another wording: translated
    with it, where a plain string value is data shown as written."""
    return message, ()


def _same(message: str) -> str:
    return message


def filled(wording: Wording, translate: Callable[[str], str] = _same) -> str:
    """The English of ``wording``: its message filled with its values, in turn filled; or,
    given a catalogue's ``translate``, the same in its language (for text that is not a
    page, such as a PDF)."""
    message, values = wording
    if not values:
        return translate(message)
    return translate(message) % {
        k: v if isinstance(v, str) else filled(v, translate) for k, v in values
    }


def wording_to_json(wording: Wording) -> list[Any]:
    """``wording`` as JSON (kept with a stored report): ``[message, [[name, value], …]]``,
    a value that is a wording being a list in turn."""
    message, values = wording
    return [message, [[k, v if isinstance(v, str) else wording_to_json(v)] for k, v in values]]


def wording_from_json(data: Any) -> Wording | None:
    """What :func:`wording_to_json` wrote, or None for anything else (a report kept before
    rows had wordings)."""
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], str)):
        return None
    values: list[tuple[str, str | Wording]] = []
    for pair in data[1] if isinstance(data[1], list) else ():
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            return None
        value = pair[1] if isinstance(pair[1], str) else wording_from_json(pair[1])
        if value is None:
            return None
        values.append((pair[0], value))
    return data[0], tuple(values)
