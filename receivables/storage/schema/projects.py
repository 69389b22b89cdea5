"""Construction contracts: milestones, settlements, retention, collection targets."""

from __future__ import annotations

from receivables.storage.schema.base import Base  # noqa: F401
