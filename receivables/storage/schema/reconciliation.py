"""Statements of account, their deliveries and the debtor's responses."""

from __future__ import annotations

from receivables.storage.schema.base import Base  # noqa: F401
