"""`receivables legal`, `limitation`, `letters deliver`, law firms: claims kept alive and lawyer letters."""

from __future__ import annotations

import typer

legal_app = typer.Typer(help="Legal: law firms, lawyer letters, cases, evidence bundles. 法务。", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command (the `legal` group is shared with cli/cases.py)."""
    app.add_typer(legal_app, name="legal")
