"""Text the services hand to pages, marked for translation.

``N_("…")`` returns its argument unchanged: it only marks the text so that ``make messages``
finds it (``babel.cfg`` reads the services for ``N_``). The pages translate such text as they
show it (``{{ _(text) }}``); text that is not marked, such as an issuer's own words, is shown
as it was written.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (the name gettext tools look for)
    """``message`` as it is (marked for translation)."""
    return message
