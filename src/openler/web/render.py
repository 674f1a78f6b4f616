"""Rendering server-side pages: the templates (each form carries the session's CSRF token,
which ``csrf`` checks), and error pages for people (API clients get JSON from the same
handler)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.routing import BaseRoute, Match

from openler.services.errors import NotFound, ServiceError
from openler.services.holders import reading
from openler.services.issuers import achievements
from openler.services.people.accounts import Principal
from openler.services.verifiers import answers
from openler.services.verifiers.credential_state import CredentialState, repeats_label
from openler.services.wording import N_
from openler.store.models import IssuedCredential, Organization
from openler.web import i18n
from openler.web.deps import SESSION_COOKIE, SessionDep

templates = Jinja2Templates(directory=str(resources.files("openler.web").joinpath("templates")))


def capital_first(text: object) -> str:
    """A message as a sentence: its first letter in capitals when it starts with a letter,
    and left as it is when it starts with what someone typed (quoted) or a number.

    >>> capital_first("the form expired"), capital_first("'not-an-email@' is not an email")
    ('The form expired', "'not-an-email@' is not an email")
    """
    value = str(text)
    shown = value[:1].upper() + value[1:] if value[:1].isalpha() else value
    return Markup(shown) if isinstance(text, Markup) else shown  # noqa: S704 - it was markup


templates.env.filters["capital_first"] = capital_first
templates.env.filters["said"] = i18n.said
templates.env.filters["identity_label"] = answers.identity_label


def state_parts(state: CredentialState) -> tuple[Markup | None, Markup | None]:
    """A credential's state as a page says it, in the page's language: its label and its
    reason, the label None where the reason opens with it — "suspended on …" after
    "suspended" would say it twice, so the reason says it alone, capitalised — and the
    reason None where there is none (the ``credential_state`` and ``state_words`` macros).

    >>> state_parts(CredentialState.worded("expired", "expired on %(day)s", day="2026-01-01"))
    (None, Markup('Expired on 2026-01-01'))
    >>> state_parts(CredentialState("unverified", "proof <failed>"))
    (Markup('does not verify'), Markup('proof &lt;failed&gt;'))
    """
    label = Markup(i18n.translate(state.label))  # noqa: S704 - a label is marked text
    if not state.reason:
        return label, None
    reason = i18n.said(state.wording) if state.wording is not None else escape(state.reason)
    if repeats_label(str(label), str(reason)):
        return None, Markup(capital_first(reason))  # noqa: S704 - it was markup
    return label, reason


def kind_name(term: str) -> str:
    """A kind of credential (an ``achievementType`` term) named in the page's language:
    ``GeneralEducationDevelopment`` is "GED" (``reading.kind_name``); a kind an issuer made
    up is shown in its own words."""
    name = reading.kind_name(term)
    return i18n.translate(name) if name in reading.KIND_NAMES else name


templates.env.filters["state_parts"] = state_parts
templates.env.filters["kind_name"] = kind_name
templates.env.filters["place"] = answers.place_name
templates.env.filters["place_label"] = answers.place_label


def unbroken(value: object) -> Markup:
    """``value`` kept on one line (a phone breaks a date such as 2029-11-25 at its hyphens).

    >>> str(unbroken("2029-11-25"))
    '<span class="nowrap">2029-11-25</span>'
    """
    return Markup('<span class="nowrap">{}</span>').format(value)


templates.env.filters["unbroken"] = unbroken

#: where a file's name or a path may break across lines: after these
_BREAKS = re.compile(r"([/\\_.\-])(?=.)")


def breakable(value: object) -> Markup:
    """``value`` (a file's name, a path) allowed to break after its slashes, dots, hyphens
    and underscores, rather than anywhere (a narrow column broke "licences" in two).

    >>> str(breakable("licences/rn-0997.json"))
    'licences/<wbr>rn-<wbr>0997.<wbr>json'
    >>> str(breakable("<b>.x"))
    '&lt;b&gt;.<wbr>x'
    """
    return Markup(_BREAKS.sub(r"\1<wbr>", str(escape(str(value)))))  # noqa: S704 - escaped


templates.env.filters["breakable"] = breakable


def file_size(size: int) -> str:
    """A number of bytes as people read a file's size: in MB from 1 MB, else in kB.

    >>> file_size(50_000_000), file_size(1_500_000), file_size(12_345_678), file_size(800_000)
    ('50 MB', '1.5 MB', '12.3 MB', '800 kB')
    """
    if size >= 1_000_000:
        return f"{size / 1_000_000:,.1f}".removesuffix(".0") + " MB"
    return f"{size / 1000:,.0f} kB"


templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.translate, i18n.translate_plural, newstyle=True
)

#: paths answered in JSON whatever the client accepts
_API_PREFIXES = ("/api/", "/credentials/", "/presentations/", "/trust", "/status/", "/orgs/")


#: the page to come back to after signing in (a same-site path; only /login reads it)
RETURN_COOKIE = "openler_return"
_NOT_RETURNED_TO = ("/login", "/logout")


def same_site_path(value: str | None) -> str | None:
    """``value`` when a browser can only read it as a path on this site, else None: one
    leading ``/`` (``//host`` and ``/\\host`` name other sites to a browser), no scheme or
    host, printable ASCII without spaces or backslashes (control characters can split
    headers), at most 2,000 characters.

    >>> same_site_path("/requests/abc?x=1")
    '/requests/abc?x=1'
    >>> [same_site_path(v) for v in ("//evil.example", "/\\\\evil.example", "https://x.example/")]
    [None, None, None]
    """
    if not value or len(value) > 2000 or not value.startswith("/"):
        return None
    if value.startswith(("//", "/\\")) or any(not "!" <= c <= "~" or c == "\\" for c in value):
        return None
    parts = urlsplit(value)
    return None if parts.scheme or parts.netloc else value


def return_path(value: str | None) -> str | None:
    """A :func:`same_site_path` worth coming back to after signing in (not the sign-in
    pages themselves), else None."""
    path = same_site_path(value)
    if path is None:
        return None
    route = urlsplit(path).path
    if any(route == p or route.startswith(p + "/") for p in _NOT_RETURNED_TO):
        return None
    return path


def requested_path(request: Request) -> str | None:
    """The path and query of a page request, as a :func:`return_path` (None for a form
    post, which cannot be repeated by a redirect)."""
    if request.method not in ("GET", "HEAD"):
        return None
    path = quote(request.url.path, safe="/:@!$&'()*+,;=-._~")
    query = request.url.query
    return return_path(f"{path}?{query}" if query else path)


def language_of(request: Request, principal: Principal | None) -> str:
    """The language of ``request``'s pages: the person's choice, the visitor's cookie, the
    browser's ``Accept-Language``, English (``i18n.choose``)."""
    return i18n.choose(
        chosen=principal.locale if principal is not None else None,
        cookie=request.cookies.get(i18n.LANGUAGE_COOKIE),
        accept=request.headers.get("accept-language"),
    )


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("principal", None)
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    language = language_of(request, context["principal"])
    context.setdefault("language", language)
    context.setdefault("languages", i18n.languages())
    with i18n.speaking(language):
        response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Content-Language"] = language
    return response


def achievement_form(
    request: Request,
    session: SessionDep,
    principal: Principal,
    organization: Organization,
    name: str,
    *,
    status: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """An issuer's form that starts with the choice of one of ``organization``'s
    achievements (the template ``name``: ``batch.html``, ``exchange_issue.html``), shown
    again with the ``error`` and what was typed (``values``) when sending it failed."""
    return page(
        request,
        name,
        status,
        principal=principal,
        organization=organization,
        achievements=achievements.achievements_of(session, principal, organization),
        error=error,
        values=values or {},
    )


@dataclass(frozen=True)
class Ask:
    """A field the confirmation page asks for (a reason, a number of days): posted with
    the confirmation, its value shown again when the page is shown again."""

    name: str
    label: str
    value: str = ""
    hint: str | None = None
    required: bool = True
    kind: str = "text"  # text (a line), textarea, number, date
    maxlength: int | None = None
    min: int | None = None
    max: int | None = None


def confirmation(
    request: Request,
    *,
    title: str,
    question: str,
    action: str,
    fields: Mapping[str, str | list[str]],
    button: str,
    cancel: str,
    consequences: list[str] | None = None,
    changes: list[tuple[str, str, str]] | None = None,
    danger: bool = True,
    asks: list[Ask] | None = None,
    error: str | ServiceError | None = None,
    status: int = 200,
) -> Response:
    """The page that asks before a consequential action (no JavaScript needed): it posts
    ``fields`` again to ``action`` with ``confirm=yes``, with what ``asks`` asks for;
    Cancel goes back to ``cancel``. Nothing has changed when it is shown; ``error`` says
    what to correct when it is shown again.

    Asked for by a form (a POST), the page is not the answer itself: the browser is sent
    on (303) to ``/confirm`` with the page in the address, signed for this session
    (:func:`confirm_address`), so that Back and Reload show it again without sending the
    form twice. The final POST carries the CSRF token and the action checks everything
    again, as it would without the detour."""
    shown = {
        "title": title,
        "question": question,
        "action": action,
        "fields": {k: v if isinstance(v, str) else list(v) for k, v in fields.items()},
        "button": button,
        "cancel": cancel,
        "consequences": list(consequences or []),
        "changes": [list(c) for c in changes or []],
        "danger": danger,
        "asks": [asdict(a) for a in asks or []],
    }
    if request.method == "POST" and status == 200 and error is None:
        address = confirm_address(request, shown)
        if address is not None:
            return RedirectResponse(address, status_code=303)
    return confirmation_page(request, shown, error=error, status=status)


def confirmation_page(
    request: Request,
    shown: Mapping[str, Any],
    *,
    error: str | ServiceError | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The confirmation page for ``shown`` (what :func:`confirmation` collected)."""
    context = dict(shown)
    context["asks"] = [Ask(**a) for a in shown["asks"]]
    response = page(
        request,
        "confirm.html",
        status,
        principal=getattr(request.state, "principal", None),
        error=error,
        **context,
    )
    response.headers["Cache-Control"] = "no-store"  # it carries the session's CSRF token
    return response


#: the page that shows a confirmation asked for by a form (see :func:`confirmation`)
CONFIRM_PATH = "/confirm"
#: a longer confirmation is answered directly (an address this long is refused by some servers)
_MAX_ADDRESS = 6000


def _signature(key: str, payload: str) -> str:
    mac = hmac.new(key.encode(), b"confirm:" + payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def confirm_address(request: Request, shown: Mapping[str, Any]) -> str | None:
    """``/confirm?c=…``: the confirmation ``shown``, compressed and signed with the session's
    CSRF token (so only this session can open it, and nobody can write one); None without a
    session, or when it would make too long an address."""
    key = getattr(request.state, "csrf_token", "")
    if not key:
        return None
    packed = zlib.compress(json.dumps(shown, separators=(",", ":")).encode(), 9)
    payload = base64.urlsafe_b64encode(packed).decode().rstrip("=")
    address = f"{CONFIRM_PATH}?c={payload}.{_signature(key, payload)}"
    return address if len(address) <= _MAX_ADDRESS else None


def opened_confirmation(request: Request, value: str) -> dict[str, Any] | None:
    """What :func:`confirm_address` signed for this session, or None when ``value`` was not
    signed for it (another session's, altered, or the session has changed since)."""
    key = getattr(request.state, "csrf_token", "")
    payload, _, signature = value.partition(".")
    if not key or not hmac.compare_digest(signature.encode(), _signature(key, payload).encode()):
        return None
    try:
        data = zlib.decompress(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        shown = json.loads(data)
    except (ValueError, zlib.error):
        return None
    return shown if isinstance(shown, dict) else None


def wants_html(request: Request) -> bool:
    """A person's browser asking for a page (not an API client)."""
    if request.url.path.startswith(_API_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


TITLES = {
    400: N_("Please check what you sent"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    409: N_("Not possible"),
    410: N_("No longer available"),
    413: N_("Too large to accept"),
    422: N_("Please check the form"),
    429: N_("Too many attempts"),
}


def form_page_of(request: Request) -> str | None:
    """For a form sent with POST, the page at the same address when there is one (most
    forms post to the page that shows them), as a way back after an error."""
    if request.method in ("GET", "HEAD"):
        return None
    scope = {**request.scope, "method": "GET"}
    for route in request.app.router.routes:
        if isinstance(route, BaseRoute) and route.matches(scope)[0] == Match.FULL:
            return same_site_path(quote(request.url.path, safe="/:@!$&'()*+,;=-._~"))
    return None


def error_page(request: Request, status: int, message: str | ServiceError) -> HTMLResponse:
    """The page a person sees for an error, with a way on: back to the form, sign in, or
    home; a service's worded refusal is said in the page's language."""
    principal = getattr(request.state, "principal", None)
    return page(
        request,
        "error.html",
        status,
        principal=principal,
        # answered before the session was read (a body too large): it may still be valid
        returning=principal is not None or SESSION_COOKIE in request.cookies,
        title=TITLES.get(status, N_("Something went wrong")),
        message=message,
        code=status,
        back=form_page_of(request),
    )


def credential_download(session: SessionDep, row: IssuedCredential, kind: str) -> Response:
    """An issued credential as a file: JSON, or (``kind`` "badge") baked into its
    achievement's badge image — the holder's download and the issuer's alike."""
    if kind == "badge":
        badge = achievements.badge_of(session, row)
        if badge is None:
            raise NotFound("this credential's achievement has no badge image; download the JSON")
        disposition = f'attachment; filename="{badge.filename}"'
        return Response(
            badge.content, media_type=badge.media_type, headers={"Content-Disposition": disposition}
        )
    name = "".join(c if c.isalnum() else "-" for c in str(row.document.get("name", "credential")))
    return Response(
        json.dumps(row.document, indent=2, ensure_ascii=False),
        media_type="application/vc",
        headers={"Content-Disposition": f'attachment; filename="{name.lower()}.json"'},
    )


def download(body: bytes | str, media_type: str, filename: str) -> Response:
    """A file to save, never cached (it may be personal data, or carry links)."""
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
