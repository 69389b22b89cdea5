"""Geometry of the server-drawn SVG charts (the template draws them; no chart service, no script)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from receivables.files.org_chart import Placed

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


@dataclass(frozen=True, slots=True)
class LinePoint:
    label: str
    value: Decimal | None
    x: float
    y: float | None


@dataclass(frozen=True, slots=True)
class LineChart:
    width: int
    height: int
    baseline: float
    top_value: Decimal
    points: tuple[LinePoint, ...]
    segments: tuple[str, ...]
    """SVG polyline point lists; a point without a value breaks the line."""


def line_chart(values: Sequence[tuple[str, Decimal | None]]) -> LineChart:
    """Points left to right, scaled from zero to the largest value; None leaves a gap."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    largest = max((v for _, v in values if v is not None and v > 0), default=Decimal(0))
    slot = plot_width / max(len(values), 1)
    points, segments, current = [], [], []
    for index, (label, value) in enumerate(values):
        x = LEFT + index * slot + slot / 2
        y = None
        if value is not None:
            share = float(max(value, Decimal(0)) / largest) if largest > 0 else 0.0
            y = TOP + plot_height - share * plot_height
            current.append(f"{x:.1f},{y:.1f}")
        elif current:
            segments.append(" ".join(current))
            current = []
        points.append(LinePoint(label, value, x, y))
    if current:
        segments.append(" ".join(current))
    return LineChart(WIDTH, HEIGHT, TOP + plot_height, largest, tuple(points), tuple(segments))


ORG_BOX_W, ORG_BOX_H, ORG_COL_W, ORG_ROW_H, ORG_MARGIN = 150, 54, 170, 90, 12


@dataclass(frozen=True, slots=True)
class OrgBox:
    contact_id: int
    name: str
    role: str
    title: str
    stance: str
    x: float
    y: float
    on_route: bool
    decision_maker: bool
    active: bool


@dataclass(frozen=True, slots=True)
class OrgLink:
    x1: float
    y1: float
    x2: float
    y2: float
    on_route: bool


@dataclass(frozen=True, slots=True)
class OrgChart:
    width: int
    height: int
    boxes: tuple[OrgBox, ...]
    links: tuple[OrgLink, ...]


def org_chart(placed: Sequence[Placed], route_ids: frozenset[int]) -> OrgChart:
    """Boxes on the tidy layout's grid, a line from each contact up to its superior; the route stands out."""
    boxes = {p.contact.id: OrgBox(p.contact.id, p.contact.name, p.contact.role, p.contact.title or "",
                                  p.contact.stance, ORG_MARGIN + p.x * ORG_COL_W, ORG_MARGIN + p.depth * ORG_ROW_H,
                                  p.contact.id in route_ids, p.contact.decision_maker, p.contact.active)
             for p in placed}
    links = []
    for p in placed:
        superior = boxes.get(p.contact.reports_to_id) if p.contact.reports_to_id is not None else None
        if superior is None or superior.contact_id == p.contact.id:
            continue
        box = boxes[p.contact.id]
        links.append(OrgLink(superior.x + ORG_BOX_W / 2, superior.y + ORG_BOX_H, box.x + ORG_BOX_W / 2, box.y,
                             box.on_route and superior.on_route))
    width = int(max((b.x for b in boxes.values()), default=0) + ORG_BOX_W + ORG_MARGIN)
    height = int(max((b.y for b in boxes.values()), default=0) + ORG_BOX_H + ORG_MARGIN)
    return OrgChart(width, height, tuple(boxes.values()), tuple(links))
