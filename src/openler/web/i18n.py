"""The languages of the pages: gettext catalogues read with Babel, and the language of each
request.

A catalogue is a ``messages.po`` file in ``openler/locale/<language>/LC_MESSAGES/``; English
is the language the templates are written in and needs none. Adding a language is adding a
catalogue (``make messages LANG=fr`` starts one from the templates): no code changes. The
catalogues are read once per process, from the ``.po`` files themselves (compiled in memory),
so there is no build step and no binary file in the repository.

The language of a request is the first of: the person's own choice (``Person.locale``, kept
when a signed-in person picks a language), the ``openler_lang`` cookie (a visitor's choice),
the browser's ``Accept-Language``, English.

>>> choose(chosen=None, cookie=None, accept="es-MX,es;q=0.9,en;q=0.5")
'es'
>>> choose(chosen="en", cookie="es", accept="es")
'en'
>>> choose(chosen=None, cookie="xx", accept="de-DE, fr;q=0.8")
'en'
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from markupsafe import Markup, escape

from openler.services.wording import N_, Wording

DEFAULT_LANGUAGE = "en"
#: the cookie that keeps a visitor's choice of language (a year)
LANGUAGE_COOKIE = "openler_lang"
#: at most this many entries of an Accept-Language header are read
_MAX_ACCEPTED = 20


def said(thing: object) -> Markup:
    """What a service said, in the current language, as safe markup: a
    :data:`~openler.services.wording.Wording` translated (its values escaped, those that are
    wordings translated too), or anything carrying one as ``wording`` (a ``ServiceError``, a
    self-reported entry's problem, an import's row); anything without a wording is shown as
    written (its ``message``, or the text itself), escaped. The one way pages show a
    service's message (the ``said`` filter).

    >>> from openler.services.errors import UsageError
    >>> with speaking("es"):
    ...     str(said(UsageError.worded("a share lasts from 1 to 365 days")))
    'un enlace dura de 1 a 365 días'
    >>> str(said("<b>as written</b>"))
    '&lt;b&gt;as written&lt;/b&gt;'
    """
    wording = thing if isinstance(thing, tuple) else getattr(thing, "wording", None)
    if wording is None:
        return escape(getattr(thing, "message", thing))
    return _said(wording)


def _said(wording: Wording) -> Markup:
    message, values = wording
    text = Markup(translate(message))  # noqa: S704 - the catalogue is trusted, as Jinja trusts it
    if not values:
        return text
    return text % {k: v if isinstance(v, str) else _said(v) for k, v in values}


#: what the services hand to pages as text to translate: a credential's state and the
#: wording of its reason (``CredentialState.label`` and ``.wording``)
SERVICE_TEXT = (
    N_("active"),
    N_("suspended"),
    N_("revoked"),
    N_("replaced"),
    N_("expired"),
    N_("not yet valid"),
    N_("issuer not trusted"),
    N_("does not verify"),
    N_("skill"),
    N_("occupation"),
    N_("expired on %(day)s"),
    N_("valid from %(day)s"),
    N_("revoked on %(day)s by %(issuer)s"),
    N_("revoked on %(day)s by %(issuer)s: %(said)s"),
    N_("revoked by %(issuer)s"),
    N_("revoked by %(issuer)s: %(said)s"),
    N_("suspended on %(day)s by %(issuer)s"),
    N_("suspended on %(day)s by %(issuer)s: %(said)s"),
    N_("suspended by %(issuer)s"),
    N_("suspended by %(issuer)s: %(said)s"),
)

_language: ContextVar[str] = ContextVar("openler_language", default=DEFAULT_LANGUAGE)


@cache
def catalogues() -> dict[str, NullTranslations]:
    """Every language the pages can be read in, with its translations."""
    found: dict[str, NullTranslations] = {DEFAULT_LANGUAGE: NullTranslations()}
    root = resources.files("openler").joinpath("locale")
    if not root.is_dir():
        return found
    for folder in sorted(root.iterdir(), key=lambda f: f.name):
        po = folder.joinpath("LC_MESSAGES", "messages.po")
        if not po.is_file():
            continue
        with po.open("rb") as source:
            catalogue = read_po(source, locale=folder.name)
        compiled = io.BytesIO()
        write_mo(compiled, catalogue, use_fuzzy=False)
        compiled.seek(0)
        found[folder.name] = Translations(compiled)
    return found


def languages() -> dict[str, str]:
    """The languages offered, each named in itself (``{"en": "English", "es": "español"}``)."""
    names = {}
    for code in catalogues():
        try:
            names[code] = Locale.parse(code).get_display_name(code) or code
        except (ValueError, UnknownLocaleError):
            names[code] = code
    return names


def _accepted(header: str) -> list[str]:
    """The languages of an ``Accept-Language`` header, most wanted first."""
    weighted = []
    for position, part in enumerate(header.split(",")[:_MAX_ACCEPTED]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def choose(*, chosen: str | None, cookie: str | None, accept: str | None) -> str:
    """The language of a request (see the module's docstring)."""
    available = catalogues()
    for value in (chosen, cookie):
        if value in available:
            return str(value)
    if accept:
        wanted = _accepted(accept[:1000])
        found = negotiate_locale(wanted, list(available), sep="-") or negotiate_locale(
            [w.split("-")[0] for w in wanted], list(available), sep="-"
        )
        if found:
            return str(found)
    return DEFAULT_LANGUAGE


def current() -> str:
    """The language pages are being written in now."""
    return _language.get()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Write in ``language`` (English when there is no catalogue for it) while inside."""
    token = _language.set(language if language in catalogues() else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def gettext(message: str, **variables: Any) -> str:
    """``message`` in the current language, ``%(name)s`` filled from ``variables``."""
    text = translate(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, count: int, **variables: Any) -> str:
    """The form of ``singular``/``plural`` for ``count`` in the current language."""
    return translate_plural(singular, plural, count) % {"num": count, **variables}


def translator(language: str) -> Callable[[str], str]:
    """``gettext`` of ``language``'s catalogue (English's, which changes nothing, when there
    is none): for what is written outside a page, such as the résumé's PDF."""
    found = catalogues().get(language, catalogues()[DEFAULT_LANGUAGE])
    return lambda message: str(found.gettext(message))


def translate(message: str) -> str:
    """``message`` in the current language, unformatted (Jinja's ``_`` formats it)."""
    return str(catalogues()[current()].gettext(message))


def translate_plural(singular: str, plural: str, count: int) -> str:
    """The form for ``count``, unformatted (Jinja's ``ngettext`` formats it)."""
    return str(catalogues()[current()].ngettext(singular, plural, count))
