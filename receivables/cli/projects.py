"""`receivables projects`, `project`, `retention`, `targets`: construction contracts and what they owe."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the root command."""
