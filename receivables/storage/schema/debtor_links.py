"""The debtor's personal links (signed, expiring, revocable) and the answers given through them."""

from __future__ import annotations

from receivables.storage.schema.base import Base  # noqa: F401
