"""Dunning policies and levels, runs, proposals, the actions they took, call tasks."""

from __future__ import annotations

from receivables.storage.schema.base import Base  # noqa: F401
