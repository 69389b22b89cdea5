"""Legal cases and their stages, recoveries and commissions; debtor credit events."""

from __future__ import annotations

from receivables.storage.schema.base import Base  # noqa: F401
