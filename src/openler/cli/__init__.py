"""The ``openler`` command line (Typer). Thin: parse options, call a service, render."""

from openler.cli.app import app, main

__all__ = ["app", "main"]
