"""`receivables statements`: statements of account, their distribution and the debtor's responses."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
