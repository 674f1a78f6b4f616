"""Badge images: what an issuer may upload as an achievement's image (PNG or SVG, checked by
content, not by name), and the baked badge a holder or issuer downloads — the image with the
credential inside (Open Badges 3.0 §5.3, baking).

An SVG is read with defusedxml (no entities, no DTDs) and refused when it could run code or
reach out when opened on its own: scripts, event attributes, ``foreignObject``, and links to
anything but its own fragments or inline images.

>>> image_type(b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>')
'image/svg+xml'
>>> image_type(b"\\x89PNG\\r\\n\\x1a\\n" + b"junk")
Traceback (most recent call last):
...
openler.services.errors.UsageError: the PNG image has no header chunk; save it again as PNG
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from openler.services.errors import UsageError
from openler.vc import InputError, bake_png, bake_svg

PNG = "image/png"
SVG = "image/svg+xml"
MAX_IMAGE_BYTES = 500_000
_SVG_NS = "{http://www.w3.org/2000/svg}"
_UNSAFE_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "handler"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def image_type(content: bytes) -> str:
    """The media type of an uploaded badge image (``image/png`` or ``image/svg+xml``), from
    its content; raises :class:`UsageError` saying what to do for anything else."""
    if not content:
        raise UsageError("the image file is empty")
    if len(content) > MAX_IMAGE_BYTES:
        raise UsageError(
            f"the image is {len(content) / 1000:.0f} kB; a badge image may be at most "
            f"{MAX_IMAGE_BYTES // 1000} kB — export it smaller"
        )
    if content.startswith(_PNG_SIGNATURE):
        if content[12:16] != b"IHDR":
            raise UsageError("the PNG image has no header chunk; save it again as PNG")
        try:
            bake_png(content, "")  # reads every chunk: a truncated file is refused here
        except InputError as exc:
            raise UsageError(
                f"the PNG image is damaged ({exc.message}); save it again and upload it once more"
            ) from None
        return PNG
    head = content[:1000].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) or b"<svg" in head:
        _check_svg(content)
        return SVG
    raise UsageError("the image must be a PNG or an SVG file (its content is neither)")


def _check_svg(content: bytes) -> None:
    try:
        root = SafeET.fromstring(content)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise UsageError(f"the SVG is not well-formed, safe XML ({exc}); export it again") from None
    if root.tag not in (f"{_SVG_NS}svg", "svg"):
        raise UsageError("the file is XML but not an SVG image (its root element is not <svg>)")
    if len(root) == 0:
        raise UsageError("the SVG draws nothing (its <svg> element is empty)")
    for element in root.iter():
        name = str(element.tag).rpartition("}")[2]
        if name in _UNSAFE_ELEMENTS:
            raise UsageError(f"the SVG contains a <{name}> element; remove it (badges are images)")
        for attribute, value in element.attrib.items():
            attr = attribute.rpartition("}")[2].lower()
            if attr.startswith("on"):
                raise UsageError(f"the SVG has an event attribute ({attr}); remove it")
            if attr == "href" and not re.match(r"\s*(#|data:image/(png|jpeg|gif|webp);)", value):
                raise UsageError(
                    "the SVG links to another document or site "
                    f"({value[:60]}); embed everything in the file"
                )


@dataclass(frozen=True)
class Badge:
    """A downloadable baked badge."""

    content: bytes
    media_type: str
    filename: str


def bake(image: bytes, media_type: str, credential: dict[str, Any], name: str) -> Badge:
    """``image`` with ``credential`` (as JSON) baked in, named after ``name``.

    >>> from openler.vc import extract_svg
    >>> svg = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'
    >>> badge = bake(svg, "image/svg+xml", {"id": "urn:x"}, "RN Licence")
    >>> badge.filename, json.loads(extract_svg(badge.content))["id"]
    ('rn-licence.svg', 'urn:x')
    """
    text = json.dumps(credential, ensure_ascii=False)
    stem = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "badge"
    try:
        if media_type == PNG:
            return Badge(bake_png(image, text), PNG, f"{stem}.png")
        baked = bake_svg(image.decode("utf-8-sig"), text)
    except (InputError, UnicodeDecodeError) as exc:
        raise UsageError(f"the badge image could not be baked: {exc}") from None
    return Badge(baked.encode("utf-8"), SVG, f"{stem}.svg")
