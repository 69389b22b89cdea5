"""The JSON form of values frozen into rows (audit before/after, letter data): exact amounts, ISO dates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def frozen_value(value: Any) -> Any:
    """Decimals as two-decimal strings, dates as ISO text, mappings and sequences converted throughout."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): frozen_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [frozen_value(v) for v in value]
    return value
