"""Readable rendering of verification reports for a terminal.

Everything a report says comes from the input (names, terms, ids), so it is printed as
plain text, never as Rich markup: ``[/x]`` in a credential must not style the output or
stop it with a markup error.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from openler.vc import VerificationReport

console = Console(highlight=False, emoji=False)

_STYLE = {"passed": "green", "failed": "bold red", "warning": "yellow", "skipped": "dim"}
_MARK = {"passed": "✔", "failed": "✘", "warning": "!", "skipped": "–"}


def print_report(report: VerificationReport, *, indent: int = 0) -> None:
    pad = " " * indent
    console.print(f"{pad}[bold]{escape(report.input)}[/bold]  ({report.format}, {report.kind})")
    table = Table(show_header=False, box=None, padding=(0, 1), pad_edge=False)
    table.add_column(width=indent + 1)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for check in report.checks:
        style = _STYLE[check.status]
        table.add_row(
            pad + _MARK[check.status],
            Text(check.id, style="bold"),
            Text(check.status, style=style),
            Text(check.message),
        )
    console.print(table)
    for inner in report.credentials:
        print_report(inner, indent=indent + 4)
    for endorsement in report.endorsements:
        console.print(f"{pad}    [bold]endorsement[/bold]")
        print_report(endorsement, indent=indent + 4)
    verdict = "VERIFIED" if report.verified else "NOT VERIFIED"
    colour = "bold green" if report.verified else "bold red"
    console.print(f"{pad}[{colour}]{verdict}[/{colour}] — {escape(report.summary)}\n")
