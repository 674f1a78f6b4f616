"""A verify page's result as a PDF report (fpdf2, :mod:`openler.services.printing`): what
was verified, when and by which site, each credential's answer (its standing, holder,
issuer, identifiers, alignments and what may be relied on), what the issuers here say,
endorsements, and every check with its result.

It prints a record of :mod:`~openler.services.verifiers.sealed_results` — the result as it
was when checked, never checked again — in the reader's language (``translate``); the
checks' details and the issuers' own words are printed as they were written.
"""

from __future__ import annotations

from typing import Any

from openler.services.printing import FAMILY, Printed, Translate, english
from openler.services.verifiers.credential_state import sentence_end
from openler.services.wording import N_, filled, wording_from_json


def _say(data: Any, fallback: Any, translate: Translate) -> str:
    """A wording kept in the record, in the reader's language; else its English."""
    wording = wording_from_json(data)
    if wording is not None:
        return filled(wording, translate)
    return str(fallback or "")


def title_of(translate: Translate = english) -> str:
    return translate(N_("Verification report"))


def _facts(pdf: Printed, rows: list[tuple[str, str]]) -> None:
    """Labelled lines: the label in bold, then its value, wrapped."""
    for label, value in rows:
        if not value:
            continue
        pdf.set_font(FAMILY, "B", 9.5)
        pdf.multi_cell(0, 5, label, new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_font(FAMILY, "", 9.5)
        pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(2)


def _answer(pdf: Printed, answer: dict[str, Any]) -> None:
    t = pdf.translate
    said = answer.get("said", {})
    headline = _say(said.get("answer"), answer.get("answer"), t)
    pdf.lines(sentence_end(headline[:1].upper() + headline[1:]), size=12, bold=True, height=6)
    pdf.ln(1)
    standing = _say(said.get("standing"), answer.get("standing"), t)
    holder = answer.get("holder")
    bound = _say(said.get("bound"), answer.get("bound"), t)
    registered = (
        t(N_("registered in the trust registry here"))
        if answer.get("issuerRegistered")
        else t(N_("as the credential names itself: not in the trust registry"))
    )
    rows = [
        (t(N_("Standing")), standing[:1].upper() + standing[1:]),
        (t(N_("Holder")), f"{holder}. {bound}" if holder else bound),
        (t(N_("Issuer")), f"{answer.get('issuer')} — {registered}"),
    ]
    for identifier in answer.get("identifiers", []):
        label = t(str(identifier.get("label", "")))
        rows.append((label[:1].upper() + label[1:], str(identifier.get("value", ""))))
    aligned = [
        str(a.get("name", ""))
        + (
            f" ({a['framework']}{' ' + a['code'] if a.get('code') else ''})"
            if a.get("framework")
            else ""
        )
        for a in answer.get("alignments", [])
    ]
    if aligned:
        rows.append((t(N_("Aligned to")), "; ".join(aligned)))
    rows.append((t(N_("What you may rely on")), _say(said.get("rely"), answer.get("rely"), t)))
    _facts(pdf, rows)


def _checks(pdf: Printed, report: dict[str, Any], depth: int = 0) -> None:
    t = pdf.translate
    for check in report.get("checks", []):
        line = (
            f"{t(str(check.get('id')))} — {t(str(check.get('status')))}: {check.get('message', '')}"
        )
        pdf.set_font(FAMILY, "", 8.5)
        pdf.set_x(pdf.l_margin + 4 * depth)
        pdf.multi_cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT", align="L")
    for inner in report.get("credentials", []):
        pdf.ln(1)
        pdf.set_font(FAMILY, "B", 9)
        pdf.set_x(pdf.l_margin + 4 * (depth + 1))
        pdf.multi_cell(0, 5, str(inner.get("input", "")), new_x="LMARGIN", new_y="NEXT", align="L")
        _checks(pdf, inner, depth + 1)


def render(record: dict[str, Any], *, translate: Translate = english) -> bytes:
    """``record`` (:func:`~openler.services.verifiers.sealed_results.record_of`) as PDF
    bytes, its fixed words through ``translate``."""
    t = translate
    site = str(record.get("verifiedBy", ""))
    when = str(record.get("checkedAt", "")).replace("T", " ").replace("Z", " UTC")
    pdf = Printed(translate, title=title_of(translate), author=site)
    pdf.add_page()
    pdf.lines(title_of(translate), size=18, bold=True, height=9)
    pdf.lines(t(N_("Checked by %(site)s on %(when)s.")) % {"site": site, "when": when})
    given = record.get("input", {})
    described = _say(given.get("said"), given.get("described"), t)
    pdf.lines(t(N_("What was verified: %(what)s.")) % {"what": described})
    if given.get("sha256"):
        pdf.lines(
            t(N_("SHA-256 of what was verified: %(digest)s")) % {"digest": given["sha256"]},
            size=8.5,
        )
    pdf.lines(
        t(
            N_(
                "This report shows the result when it was checked; verify the credential "
                "again for its standing later. This site kept nothing of what was verified."
            )
        ),
        size=8.5,
    )
    pdf.ln(4)
    if record.get("problem"):
        pdf.lines(_say(record.get("problemSaid"), record["problem"], t), bold=True)
        pdf.ln(2)
    for answer in record.get("answers", []):
        _answer(pdf, answer)
    notes = [*record.get("updates", []), *record.get("issuerNotes", [])]
    if notes:
        pdf.lines(t(N_("What the issuer says")), size=12, bold=True, height=7)
        for note in notes:
            pdf.lines(f"• {note}", size=9.5)
        pdf.ln(2)
    if record.get("endorsements"):
        pdf.lines(t(N_("Endorsements")), size=12, bold=True, height=7)
        for shown in record["endorsements"]:
            state = t(N_("verified")) if shown.get("verified") else t(N_("not verified"))
            pdf.lines(
                f"• {t(N_('Endorsed by'))} {shown.get('endorser')} ({state}): "
                f"{shown.get('comment')} ({t(N_('of %(name)s')) % {'name': shown.get('about')}})",
                size=9.5,
            )
        pdf.ln(2)
    pdf.lines(t(N_("How it was checked")), size=12, bold=True, height=7)
    report = record.get("report", {})
    pdf.lines(str(report.get("summary", "")), size=9)
    pdf.ln(1)
    _checks(pdf, report)
    return bytes(pdf.output())
