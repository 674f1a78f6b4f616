"""The printed résumé as a PDF (fpdf2): the person's name, their credentials by group with
dates and states, a QR code beside each credential that has a printed link (it opens a
verification made when it is scanned), and what they wrote, marked self-reported.

The text is set in DejaVu Sans, shipped with openler (``fonts/``, with its licence): the
PDF's built-in fonts carry Latin-1 only, and names need more.

Its fixed words are marked ``N_`` and said through ``translate``, the person's language's
catalogue (English when none is given): the page that offers the PDF passes the page's
language, the CLI ``--language``. Names, issuers and dates are data, printed as they are.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import segno
from fpdf import FPDF

from openler.services.holders.exports import Line, Resume
from openler.services.wording import N_

#: a message marked ``N_`` in the reader's language (a catalogue's ``gettext``)
Translate = Callable[[str], str]

_FONTS = Path(__file__).parent / "fonts"
_FAMILY = "DejaVu"
_QR_MM = 24.0
_MARGIN = 18.0


def _english(message: str) -> str:
    return message


def title_of(resume: Resume, translate: Translate = _english) -> str:
    return translate(N_("Résumé of %(name)s")) % {"name": resume.name}


def _qr_png(link: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return buffer


class _Page(FPDF):
    def __init__(self, translate: Translate) -> None:
        super().__init__(format="A4")
        self.translate = translate

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FAMILY, size=8)
        words = self.translate(N_("Page %(page)s of %(pages)s"))
        self.cell(0, 6, words % {"page": self.page_no(), "pages": "{nb}"}, align="C")


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


def _line(pdf: _Page, line: Line) -> None:
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


def render(resume: Resume, *, translate: Translate = _english) -> bytes:
    """The résumé as PDF bytes, its fixed words through ``translate`` (English when it is
    not given)."""
    pdf = _Page(translate)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=_MARGIN)
    pdf.add_font(_FAMILY, "", str(_FONTS / "DejaVuSans.ttf"))
    pdf.add_font(_FAMILY, "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title_of(resume, translate))
    pdf.set_author(resume.name)
    pdf.set_creator("openler")
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
