"""Web administration: template versions, application settings, the debtor's personal links."""

from __future__ import annotations

from receivables.storage.schema.base import Base  # noqa: F401
