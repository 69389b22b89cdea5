"""`receivables legal case ...` and `legal bundle`: hand-off to law firms, stages, recoveries, evidence."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
