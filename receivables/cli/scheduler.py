"""`receivables scheduler`: the persistent schedule of statements, dunning, promises and the limitation watch."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
