"""A page of a long listing knows how many pages there are."""

from __future__ import annotations

import pytest

from receivables.storage.queries.paging import Page


@pytest.mark.parametrize(("total", "pages"), [(0, 1), (1, 1), (50, 1), (51, 2), (100, 2), (101, 3)])
def test_a_listing_has_as_many_pages_as_it_needs_and_one_when_nothing_matched(total: int, pages: int) -> None:
    assert Page(rows=(), total=total, page=1, per_page=50).pages == pages


def test_a_page_is_a_value() -> None:
    page = Page(rows=("a", "b"), total=2, page=1, per_page=50)
    assert page == Page(rows=("a", "b"), total=2, page=1, per_page=50)
    with pytest.raises(AttributeError):
        page.total = 3  # type: ignore[misc]
