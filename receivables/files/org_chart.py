"""Drawing a debtor's organization map as SVG or PNG (matplotlib, no external binary): a tidy tree of boxes."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from receivables.domain.escalation import Route
from receivables.domain.orgchart import ROLE_LABELS_ZH, OrgContact

DEFAULT_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
STANCE_COLOURS = {
    "cooperative": "#b7e1b0", "gatekeeper": "#f6c28b", "decisive": "#9cc3ea", "evasive": "#e9a3a3",
    "unknown": "#dddddd",
}
STANCE_LABELS = {"cooperative": "cooperative 配合", "gatekeeper": "gatekeeper 阻拦", "decisive": "decisive 果断",
                 "evasive": "evasive 回避", "unknown": "unknown 未知"}
PATH_COLOUR = "#c0392b"
BOX_W, BOX_H = 2.1, 1.05
COL_W, ROW_H = 2.5, 1.7


if TYPE_CHECKING:
    from matplotlib.font_manager import FontProperties


class ChartFontWarning(UserWarning):
    """No CJK font was found: Chinese names may show as empty boxes."""


@dataclass(frozen=True, slots=True)
class Placed:
    contact: OrgContact
    x: float
    depth: int


def tidy_layout(contacts: Sequence[OrgContact]) -> list[Placed]:
    """A simple tidy tree: leaves side by side, each parent centred over its children, roots left to right.

    A contact whose superior is unknown (or part of a loop) is drawn as a root.
    """
    by_id = {c.id: c for c in contacts}
    children: dict[int | None, list[OrgContact]] = {}
    for contact in sorted(contacts, key=lambda c: (c.role != "boss", c.id)):
        parent = contact.reports_to_id if contact.reports_to_id in by_id else None
        children.setdefault(parent, []).append(contact)
    placed: list[Placed] = []
    seen: set[int] = set()
    next_leaf = [0.0]

    def place(contact: OrgContact, depth: int) -> float:
        seen.add(contact.id)
        xs = [place(child, depth + 1) for child in children.get(contact.id, []) if child.id not in seen]
        if xs:
            x = (xs[0] + xs[-1]) / 2
        else:
            x = next_leaf[0]
            next_leaf[0] += 1
        placed.append(Placed(contact, x, depth))
        return x

    for root in children.get(None, []):
        place(root, 0)
    for contact in contacts:  # members of a reporting loop have no root: draw them anyway
        if contact.id not in seen:
            place(contact, 0)
    return placed


def _font(font: Path | None) -> tuple[FontProperties | None, list[ChartFontWarning]]:
    from matplotlib import font_manager

    for candidate in (font, DEFAULT_FONT):
        if candidate is not None and candidate.is_file():
            font_manager.fontManager.addfont(str(candidate))
            return font_manager.FontProperties(fname=str(candidate)), []
    wanted = font or DEFAULT_FONT
    return None, [ChartFontWarning(f"CJK font {wanted} not found (set RECEIVABLES_FONT to a .ttf/.ttc file); "
                                   "Chinese text may not show")]


def draw_org_chart(debtor_name: str, contacts: Sequence[OrgContact], route: Route, out: Path,
                   font: Path | None = None) -> list[ChartFontWarning]:
    """Write the chart to `out` (.svg or .png): boxes with name, title and role, stance colours with a
    legend, the decision maker starred, reporting lines, gaps as dashed empty boxes, and the route's
    recipients outlined and numbered in order. Returns warnings (a missing CJK font)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

    props, warnings = _font(font)
    text_kw: dict[str, Any] = {"fontproperties": props} if props is not None else {}
    placed = tidy_layout(contacts)
    gaps = list(route.gaps)
    columns = max([p.x for p in placed] + [0]) + 1 + (1 if gaps else 0)
    depth = max([p.depth for p in placed] + [0]) + 1
    width, height = max(6.0, columns * COL_W + 0.6), max(3.6, depth * ROW_H + 2.0)
    figure, axes = plt.subplots(figsize=(width, height))
    axes.set_xlim(-COL_W / 2 - 0.2, width - COL_W / 2 - 0.2)
    axes.set_ylim(-depth * ROW_H - 0.6, 1.3)
    axes.axis("off")
    axes.set_title(f"{debtor_name} — organization map 组织图", fontsize=13, **text_kw)
    centre = {p.contact.id: (p.x * COL_W, -p.depth * ROW_H) for p in placed}
    order = {r.contact_id: i for i, r in enumerate(route.recipients, 1) if r.contact_id is not None}

    for p in placed:  # reporting lines first, under the boxes
        superior = p.contact.reports_to_id
        if superior in centre:
            (x1, y1), (x2, y2) = centre[superior], centre[p.contact.id]
            axes.plot([x1, x1, x2, x2], [y1 - BOX_H / 2, (y1 + y2) / 2, (y1 + y2) / 2, y2 + BOX_H / 2],
                      color="#555555", linewidth=1.1, zorder=1)
    for p in placed:
        c = p.contact
        x, y = centre[c.id]
        on_path = c.id in order
        axes.add_patch(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                      boxstyle="round,pad=0.02,rounding_size=0.08",
                                      facecolor=STANCE_COLOURS.get(c.stance, "#dddddd"),
                                      edgecolor=PATH_COLOUR if on_path else "#333333",
                                      linewidth=3.0 if on_path else 1.0, alpha=1.0 if c.active else 0.45,
                                      hatch="//" if not c.active else None, zorder=2))
        star = "★ " if c.decision_maker else ""
        left = "" if c.active else " (已离职 left)"
        axes.text(x, y + 0.24, f"{star}{c.name}{left}", ha="center", va="center", fontsize=10.5,
                  fontweight="bold", zorder=3, **text_kw)
        axes.text(x, y - 0.02, c.title or "", ha="center", va="center", fontsize=8.5, zorder=3, **text_kw)
        axes.text(x, y - 0.28, f"{c.role} · {ROLE_LABELS_ZH.get(c.role, c.role)}", ha="center", va="center",
                  fontsize=8, color="#333333", zorder=3, **text_kw)
        if on_path:
            axes.text(x - BOX_W / 2 + 0.05, y + BOX_H / 2 - 0.02, str(order[c.id]), ha="center", va="center",
                      fontsize=9, color="white", fontweight="bold", zorder=4,
                      bbox={"boxstyle": "circle,pad=0.25", "facecolor": PATH_COLOUR, "edgecolor": PATH_COLOUR})
    path = [centre[r.contact_id] for r in route.recipients if r.contact_id in centre]
    for (x1, y1), (x2, y2) in zip(path, path[1:]):
        axes.add_patch(FancyArrowPatch((x1, y1), (x2, y2), arrowstyle="-|>", mutation_scale=14,
                                       connectionstyle="arc3,rad=0.25", color=PATH_COLOUR, linewidth=1.6, alpha=0.7,
                                       linestyle="--", shrinkA=28, shrinkB=28, zorder=5))
    gap_x = (max([p.x for p in placed] + [-1]) + 1) * COL_W
    for index, gap in enumerate(gaps):
        y = -index * (BOX_H + 0.25)
        axes.add_patch(FancyBboxPatch((gap_x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H,
                                      boxstyle="round,pad=0.02,rounding_size=0.08", facecolor="white",
                                      edgecolor="#888888", linestyle="--", linewidth=1.3, zorder=2))
        axes.text(gap_x, y, "\n".join(textwrap.wrap(f"gap 缺失: {gap}", 28)[:4]), ha="center", va="center",
                  fontsize=6.5, color="#666666", zorder=3, **text_kw)
    legend = [Patch(facecolor=STANCE_COLOURS[s], edgecolor="#333333", label=STANCE_LABELS[s]) for s in STANCE_COLOURS]
    legend += [Patch(facecolor="white", edgecolor=PATH_COLOUR, linewidth=2.5, label="escalation path 催收路径 (1, 2…)"),
               Patch(facecolor="white", edgecolor="#888888", linestyle="--", label="gap 缺失"),
               Patch(facecolor="white", edgecolor="white", label="★ decision maker 决策人")]
    axes.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, -0.02), ncol=4, fontsize=7.5,
                frameon=False, prop=props if props is not None else None)
    shown = axes.get_legend()
    if props is not None and shown is not None:
        for text in shown.get_texts():
            text.set_fontproperties(props)
            text.set_fontsize(7.5)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format=out.suffix.lower().lstrip("."), dpi=150, bbox_inches="tight")
    plt.close(figure)
    return warnings
