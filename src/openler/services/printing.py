"""The PDFs openler prints (fpdf2): A4, DejaVu Sans, page numbers in the reader's language.

The text is set in DejaVu Sans, shipped with openler (``holders/fonts``, with its licence):
the PDF's built-in fonts carry Latin-1 only, and names need more. Fixed words are marked
``N_`` and said through ``translate``, a catalogue's ``gettext`` (English when none is
given): a page that offers a PDF passes the page's language, the CLI ``--language``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF

from openler.services.wording import N_

#: a message marked ``N_`` in the reader's language (a catalogue's ``gettext``)
Translate = Callable[[str], str]

FONTS = Path(__file__).parent / "holders" / "fonts"
FAMILY = "DejaVu"
MARGIN = 18.0


def english(message: str) -> str:
    return message


class Printed(FPDF):
    """An A4 document in DejaVu Sans (regular and bold), with ``title`` and ``author`` in
    its properties and "Page 1 of 2" at the foot of each page."""

    def __init__(self, translate: Translate = english, *, title: str, author: str) -> None:
        super().__init__(format="A4")
        self.translate = translate
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_author(author)
        self.set_creator("openler")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        words = self.translate(N_("Page %(page)s of %(pages)s"))
        self.cell(0, 6, words % {"page": self.page_no(), "pages": "{nb}"}, align="C")

    def lines(self, text: str, *, size: float = 10, bold: bool = False, height: float = 5) -> None:
        """``text`` as a paragraph across the page, wrapped."""
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(0, height, text, new_x="LMARGIN", new_y="NEXT", align="L")
