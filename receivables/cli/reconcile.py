"""`receivables reconcile match`: our ledger against the debtor's own."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
