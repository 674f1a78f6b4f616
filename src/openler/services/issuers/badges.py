"""Badge images: what an issuer may upload as an achievement's image (PNG or SVG, checked by
content, not by name), and the baked badge a holder or issuer downloads — the image with the
credential inside (Open Badges 3.0 §5.3, baking).

An SVG is read with defusedxml (no entities, no DTDs) and refused when it could run code or
reach out when opened on its own: scripts, event attributes, ``foreignObject``, links to
anything but its own fragments or inline images, animations that change a link or an event
attribute, processing instructions (``<?xml-stylesheet?>``), and CSS — in ``<style>`` or in
any attribute — that could load something: ``url(…)`` of anything but a fragment or an
inline image, ``@import``, ``@font-face``, ``image-set()`` and escapes that could spell them.

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
#: a processing instruction other than the XML declaration
_INSTRUCTION = re.compile(rb"<\?(?!xml[\s?])", re.IGNORECASE)
#: the start of what a ``url(…)`` may name: a fragment of this image or an inline image
_OWN = re.compile(r"""\s*['"]?\s*(#|data:image/(png|jpeg|gif|webp)[;,])""", re.IGNORECASE)
#: CSS that loads another document whatever it names (or spells such CSS in escapes)
_LOADS = re.compile(r"@import|@font-face|image-set\(|image\(|src\(|\\", re.IGNORECASE)
_URL = re.compile(r"url\(", re.IGNORECASE)
_ANIMATIONS = {"animate", "set", "animateMotion", "animateTransform", "animateColor"}


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
    if _INSTRUCTION.search(content):
        raise UsageError(
            "the SVG has a processing instruction (such as <?xml-stylesheet?>); remove it"
        )
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
        if name == "style":
            _check_css("".join(element.itertext()))
        if name in _ANIMATIONS:
            target = element.attrib.get("attributeName", "").rpartition(":")[2].strip().lower()
            if target == "href" or target.startswith("on"):
                raise UsageError(f"the SVG animates its {target} attribute; remove the animation")
        for attribute, value in element.attrib.items():
            _check_css(value)
            attr = attribute.rpartition("}")[2].lower()
            if attr.startswith("on"):
                raise UsageError(f"the SVG has an event attribute ({attr}); remove it")
            if attr == "href" and not re.match(r"\s*(#|data:image/(png|jpeg|gif|webp);)", value):
                raise UsageError(
                    "the SVG links to another document or site "
                    f"({value[:60]}); embed everything in the file"
                )


def _check_css(text: str) -> None:
    """Refuse CSS (or an attribute value read as CSS) that could load another document."""
    found = _LOADS.search(text)
    if found:
        raise UsageError(
            f"the SVG's style uses {found.group(0)!r}, which can load another document; "
            "embed everything in the file"
        )
    for match in _URL.finditer(text):
        if not _OWN.match(text, match.end()):
            raise UsageError(
                "the SVG's style refers to another document "
                f"({text[match.start() : match.start() + 60]}); embed everything in the file"
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
