"""`receivables dunning` and `receivables worklist`: proposals, approval, execution; the day's work."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
