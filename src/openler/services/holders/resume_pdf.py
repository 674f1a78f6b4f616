"""The printed résumé as a PDF (fpdf2): the person's name, their credentials by group with
dates and states, a QR code beside each credential that has a printed link (it opens a
verification made when it is scanned), and what they wrote, marked self-reported.

The text is set in DejaVu Sans, shipped with openler (``fonts/``, with its licence): the
PDF's built-in fonts carry Latin-1 only, and names need more.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from fpdf import FPDF

from openler.services.holders.exports import Line, Resume

_FONTS = Path(__file__).parent / "fonts"
_FAMILY = "DejaVu"
_QR_MM = 24.0
_MARGIN = 18.0


def title_of(resume: Resume) -> str:
    return f"Résumé of {resume.name}"


def _qr_png(link: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=6, border=2)
    buffer.seek(0)
    return buffer


class _Page(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FAMILY, size=8)
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")


def _line(pdf: FPDF, line: Line) -> None:
    text_width = pdf.epw - (_QR_MM + 4 if line.link else 0)
    top = pdf.get_y()
    needed = _QR_MM + 2 if line.link else 16
    if top + needed > pdf.h - pdf.b_margin:
        pdf.add_page()
        top = pdf.get_y()
    pdf.set_font(_FAMILY, "B", 11)
    pdf.multi_cell(text_width, 5.5, line.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FAMILY, size=9.5)
    details = [part for part in (line.by, line.dates) if part]
    if details:
        pdf.multi_cell(text_width, 5, " · ".join(details), new_x="LMARGIN", new_y="NEXT")
    state = "Self-reported: not verified" if line.self_reported else f"State: {line.state}"
    if line.link:
        state += " · scan the code to verify it now"
    pdf.multi_cell(text_width, 5, state, new_x="LMARGIN", new_y="NEXT")
    if line.link:
        pdf.image(_qr_png(line.link), x=pdf.l_margin + text_width + 4, y=top, w=_QR_MM, h=_QR_MM)
        pdf.set_y(max(pdf.get_y(), top + _QR_MM))
    pdf.ln(3)


def render(resume: Resume) -> bytes:
    """The résumé as PDF bytes."""
    pdf = _Page(format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=_MARGIN)
    pdf.add_font(_FAMILY, "", str(_FONTS / "DejaVuSans.ttf"))
    pdf.add_font(_FAMILY, "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title_of(resume))
    pdf.set_author(resume.name)
    pdf.set_creator("openler")
    pdf.add_page()
    pdf.set_font(_FAMILY, "B", 20)
    pdf.multi_cell(0, 10, resume.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FAMILY, size=10)
    pdf.multi_cell(0, 6, resume.email, new_x="LMARGIN", new_y="NEXT")
    if resume.links_until:
        pdf.multi_cell(
            0,
            5,
            "Each code opens a verification of that credential, made when it is scanned, "
            f"until {resume.links_until}.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    for heading, lines in resume.groups:
        pdf.ln(4)
        pdf.set_font(_FAMILY, "B", 14)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        for line in lines:
            _line(pdf, line)
    return bytes(pdf.output())
