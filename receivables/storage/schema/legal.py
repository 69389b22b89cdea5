"""Delivery evidence, law firms, limitation events."""

from __future__ import annotations

from receivables.storage.schema.base import Base  # noqa: F401
