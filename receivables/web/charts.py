"""Geometry of the server-drawn SVG charts (the template draws them; no chart service, no script)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 16, 16, 28, 44


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Decimal
    x: float
    y: float
    width: float
    height: float
    overdue: bool


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]


def bar_chart(values: Mapping[str, Decimal], order: Sequence[str]) -> BarChart:
    """One bar per label in `order`, scaled to the largest; negative values draw as empty bars."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    largest = max((v for v in values.values() if v > 0), default=Decimal(0))
    slot = plot_width / max(len(order), 1)
    bars = []
    for index, label in enumerate(order):
        value = values.get(label, Decimal(0))
        height = float(value / largest) * plot_height if largest > 0 and value > 0 else 0.0
        bars.append(Bar(label, value, LEFT + index * slot + slot * 0.15, TOP + plot_height - height, slot * 0.7,
                        height, index > 0))
    return BarChart(WIDTH, HEIGHT, TOP + plot_height, tuple(bars))
