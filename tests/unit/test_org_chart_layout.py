"""The organization chart's tidy-tree layout: leaves side by side, parents centred, loops still drawn."""

from __future__ import annotations

from receivables.domain.orgchart import OrgContact
from receivables.files.org_chart import tidy_layout


def person(id: int, reports_to: int | None = None, role: str = "other") -> OrgContact:
    return OrgContact(id, 1, f"p{id}", role, reports_to_id=reports_to)


def positions(contacts: list[OrgContact]) -> dict[int, tuple[float, int]]:
    return {p.contact.id: (p.x, p.depth) for p in tidy_layout(contacts)}


def test_a_parent_is_centred_over_its_children_and_leaves_do_not_overlap():
    placed = positions([person(1, role="boss"), person(2, 1), person(3, 1), person(4, 2), person(5, 2)])
    assert placed[4] == (0, 2) and placed[5] == (1, 2)
    assert placed[2] == (0.5, 1) and placed[3] == (2, 1)
    assert placed[1] == (1.25, 0)


def test_separate_trees_sit_side_by_side():
    placed = positions([person(1), person(2)])
    assert {placed[1], placed[2]} == {(0, 0), (1, 0)}


def test_people_in_a_reporting_loop_are_still_drawn():
    placed = positions([person(1, 2), person(2, 1)])
    assert set(placed) == {1, 2}
