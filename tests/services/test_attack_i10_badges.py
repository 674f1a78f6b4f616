"""Attacks on badge images (issue 10): an SVG that reaches out to another site, or runs a
link, when it is opened on its own — a baked badge downloaded and opened from disk has no
Content-Security-Policy to stop it. Each is refused on upload; ordinary SVG (classes in a
``<style>``, gradients referenced by fragment, inline images) is accepted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openler.services.errors import UsageError
from openler.services.issuers.badges import SVG, image_type

NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def svg(body: str, *, before: str = "") -> bytes:
    return f'{before}<svg {NS} viewBox="0 0 10 10">{body}</svg>'.encode()


REACHING_OUT = {
    "style @import": svg('<style>@import url("https://evil.example/t.css");</style><rect/>'),
    "style @import string": svg('<style>@import "https://evil.example/t.css";</style><rect/>'),
    "style url": svg("<style>rect { fill: url(https://evil.example/p.svg#g) }</style><rect/>"),
    "style escaped url": svg(r"<style>rect { background: \75rl(https://evil.example/x) }</style>"),
    "style font-face": svg(
        "<style>@font-face { font-family: x; src: url(https://evil.example/f.woff) }</style>"
    ),
    "style image-set": svg(
        '<style>rect { background-image: image-set("https://evil.example/a.png" 1x) }</style>'
    ),
    "style attribute url": svg("<rect style=\"fill: url( 'https://evil.example/p#g' )\"/>"),
    "presentation attribute url": svg('<rect fill="url(https://evil.example/p.svg#g)"/>'),
    "filter url": svg('<rect filter="url(//evil.example/f.svg#f)"/>'),
    "stylesheet instruction": svg(
        "<rect/>", before='<?xml-stylesheet type="text/css" href="https://evil.example/s.css"?>'
    ),
    "animated href": svg(
        '<a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a>'
    ),
    "set xlink:href": svg(
        '<a><set attributeName="xlink:href" to="https://evil.example/"/><text>x</text></a>'
    ),
    "animated event": svg('<rect><set attributeName="onclick" to="alert(1)"/></rect>'),
}


@pytest.mark.parametrize("content", REACHING_OUT.values(), ids=list(REACHING_OUT))
def test_an_svg_that_reaches_out_or_runs_a_link_is_refused(content: bytes) -> None:
    with pytest.raises(UsageError):
        image_type(content)


ORDINARY = {
    "classes": svg("<style>.a { fill: #c00; stroke: rgb(0, 0, 0) }</style><rect class='a'/>"),
    "gradient by fragment": svg(
        '<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>'
        '<rect fill="url(#g)" style="stroke: url( #g )"/>'
    ),
    "inline image": svg('<image href="data:image/png;base64,iVBORw0KGgo="/><rect/>'),
    "fill by data": svg("<rect style=\"fill: url('data:image/png;base64,AAAA')\"/>"),
    "xml declaration": svg("<rect/>", before='<?xml version="1.0" encoding="UTF-8"?>'),
    "animated colour": svg('<rect><animate attributeName="fill" values="red;blue"/></rect>'),
}


@pytest.mark.parametrize("content", ORDINARY.values(), ids=list(ORDINARY))
def test_ordinary_svg_is_accepted(content: bytes) -> None:
    assert image_type(content) == SVG


@settings(max_examples=150, deadline=None)
@given(
    scheme=st.sampled_from(["https://", "http://", "//", "ftp://", "HTTPS://", ""]),
    host=st.from_regex(r"[a-z]{1,8}\.example", fullmatch=True),
    quote=st.sampled_from(["", "'", '"']),
    space=st.sampled_from(["", " ", "\t", "\n"]),
    where=st.sampled_from(["style-element", "style-attribute", "fill", "mask", "clip-path"]),
)
def test_no_url_to_another_document_passes(
    scheme: str, host: str, quote: str, space: str, where: str
) -> None:
    """Property: any ``url(…)`` that is not a fragment or an inline image is refused,
    however it is quoted or spaced and wherever it is written."""
    ref = f"url({space}{quote}{scheme}{host}/x.svg#a{quote}{space})"
    body = {
        "style-element": f"<style>rect {{ fill: {ref} }}</style><rect/>",
        "style-attribute": f'<rect style="fill: {ref.replace(chr(34), chr(39))}"/>',
    }.get(where, f"<rect {where}='{ref.replace(chr(39), chr(34))}'/>")
    with pytest.raises(UsageError):
        image_type(svg(body))
