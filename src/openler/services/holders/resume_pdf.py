"""The printed résumé as a PDF (fpdf2): the person's name, their credentials by group with
dates and states, a QR code beside each credential that has a printed link (it opens a
verification made when it is scanned), and what they wrote, marked self-reported.

Its page, fonts and fixed words in the reader's language are :mod:`openler.services.printing`'s.
Names, issuers and dates are data, printed as they are.
"""

from __future__ import annotations

import io

import segno

from openler.services.holders.exports import Line, Resume
from openler.services.printing import FAMILY as _FAMILY
from openler.services.printing import Printed, Translate, english
from openler.services.wording import N_

_QR_MM = 24.0


def title_of(resume: Resume, translate: Translate = english) -> str:
    return translate(N_("Résumé of %(name)s")) % {"name": resume.name}


def _qr_png(link: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return buffer


def _dates(line: Line, translate: Translate) -> str:
    """When, as the printable page says it: issued and valid until, or the span of what
    the person wrote."""
    if line.self_reported:
        if line.started:
            end = line.ended or translate(N_("now"))
            return translate(N_("%(start)s – %(end)s")) % {"start": line.started, "end": end}
        return translate(N_("until %(day)s")) % {"day": line.ended} if line.ended else ""
    words = [translate(N_("issued %(day)s")) % {"day": line.issued}] if line.issued else []
    if line.until:
        words.append(translate(N_("valid until %(day)s")) % {"day": line.until})
    return ", ".join(words)


def _state(line: Line, translate: Translate) -> str:
    if line.self_reported:
        return translate(N_("Self-reported: not verified"))
    message = (
        N_("State: %(state)s · scan the code to verify it now")
        if line.link
        else N_("State: %(state)s")
    )
    return translate(message) % {"state": translate(line.state)}


def _line(pdf: Printed, line: Line) -> None:
    text_width = pdf.epw - (_QR_MM + 4 if line.link else 0)
    top = pdf.get_y()
    needed = _QR_MM + 2 if line.link else 16
    if top + needed > pdf.h - pdf.b_margin:
        pdf.add_page()
        top = pdf.get_y()
    pdf.set_font(_FAMILY, "B", 11)
    pdf.multi_cell(text_width, 5.5, line.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FAMILY, size=9.5)
    details = [part for part in (line.by, _dates(line, pdf.translate)) if part]
    if details:
        pdf.multi_cell(text_width, 5, " · ".join(details), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(text_width, 5, _state(line, pdf.translate), new_x="LMARGIN", new_y="NEXT")
    if line.link:
        pdf.image(_qr_png(line.link), x=pdf.l_margin + text_width + 4, y=top, w=_QR_MM, h=_QR_MM)
        pdf.set_y(max(pdf.get_y(), top + _QR_MM))
    pdf.ln(3)


def render(resume: Resume, *, translate: Translate = english) -> bytes:
    """The résumé as PDF bytes, its fixed words through ``translate`` (English when it is
    not given)."""
    pdf = Printed(translate, title=title_of(resume, translate), author=resume.name)
    pdf.add_page()
    pdf.set_font(_FAMILY, "B", 20)
    pdf.multi_cell(0, 10, resume.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FAMILY, size=10)
    pdf.multi_cell(0, 6, resume.email, new_x="LMARGIN", new_y="NEXT")
    if resume.links_until:
        words = translate(
            N_(
                "Each code opens a verification of that credential, made when it is "
                "scanned, until %(day)s."
            )
        )
        pdf.multi_cell(0, 5, words % {"day": resume.links_until}, new_x="LMARGIN", new_y="NEXT")
    for heading, lines in resume.groups:
        pdf.ln(4)
        pdf.set_font(_FAMILY, "B", 14)
        pdf.multi_cell(0, 8, translate(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        for line in lines:
            _line(pdf, line)
    return bytes(pdf.output())
