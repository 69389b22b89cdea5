"""The `receivables` command line: parses input, calls one service, renders the result."""

from __future__ import annotations

from receivables.cli.app import app, main

__all__ = ["app", "main"]
