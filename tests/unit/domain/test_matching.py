"""Matching our ledger against the debtor's: normalization, the three stages, and the explained difference."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.domain.matching import (LedgerLine, MatchOptions, Reconciliation, document_hints, ledger_line,
                                         normalize_document, reconcile)

D = Decimal
DAY = date(2026, 11, 5)


def ours(document: str, amount: str, on: date = DAY, kind: str = "invoice") -> LedgerLine:
    return ledger_line("ours", document, on, D(amount), kind, f"{kind} {document}")


def theirs(document: str, amount: str, on: date = DAY, description: str = "", row: int = 0) -> LedgerLine:
    kind = "invoice" if D(amount) > 0 else "payment"
    return ledger_line("theirs", document, on, D(amount), kind, f"row {row or document}", description)


def lines_of(result: Reconciliation) -> list[LedgerLine]:
    found = [x for g in result.matched for x in g.ours + g.theirs]
    found += [x for d in result.differences for x in d.ours + d.theirs]
    return found + list(result.only_ours) + list(result.only_theirs)


# --- normalization of document numbers --------------------------------------------------------------------

@pytest.mark.parametrize("written", ["INV-0012", "inv 12", "ＩＮＶ－００１２", "No.0012", "NO. 12", "№12",
                                     "发票号：00012", "发票号码 12", "第12号", "#12", "Invoice No. 012", " 12 "])
def test_document_numbers_as_people_write_them_normalize_alike(written: str) -> None:
    assert normalize_document(written) == "12"


def test_words_that_only_begin_like_a_prefix_are_kept() -> None:
    assert normalize_document("INVENTORY-5") == "INVENTORY-5"
    assert normalize_document("NORTH1") == "NORTH-1"


def test_credit_note_numbers_stay_apart_from_invoice_numbers() -> None:
    assert normalize_document("CN-001") != normalize_document("INV-001")


def test_separators_and_leading_zeros_inside_a_number_do_not_matter() -> None:
    assert normalize_document("INV/2026/0012") == normalize_document("inv-2026-12") == "2026-12"


def test_empty_document_number_normalizes_to_nothing() -> None:
    assert normalize_document("  ") == ""


def test_description_yields_the_document_numbers_it_mentions() -> None:
    assert "2026-12" in document_hints("收到华建发票INV-2026-0012货款")


# --- stage 1: document number ------------------------------------------------------------------------------

def test_same_document_same_amount_is_matched_whatever_the_dates() -> None:
    result = reconcile([ours("INV-1", "100.00")], [theirs("inv 001", "100.00", DAY + timedelta(days=40))])
    assert [g.stage for g in result.matched] == ["document"]
    assert result.difference == 0 and result.explained


def test_same_document_different_amount_is_an_amount_difference() -> None:
    result = reconcile([ours("INV-1", "1000.00")], [theirs("INV1", "900.00")])
    assert not result.matched
    [difference] = result.differences
    assert difference.difference == D("100.00")
    assert result.difference == D("100.00") and result.explained


def test_their_payment_row_carrying_our_invoice_number_is_not_a_difference_of_that_invoice() -> None:
    result = reconcile([ours("INV-1", "1000.00"), ours("BANK-7", "-1000.00", kind="payment")],
                       [theirs("INV-1", "1000.00"), theirs("INV-1", "-1000.00")])
    assert not result.differences and not result.only_ours and not result.only_theirs
    assert [g.stage for g in result.matched] == ["document", "amount_date"]


def test_their_invoice_number_found_in_the_description_matches() -> None:
    result = reconcile([ours("INV-2026-0012", "500.00")],
                       [theirs("记-88", "500.00", DAY + timedelta(days=30), description="收到发票INV-2026-0012")])
    assert [g.stage for g in result.matched] == ["document"]


def test_an_invoice_booked_twice_by_them_leaves_the_duplicate_only_in_theirs() -> None:
    result = reconcile([ours("INV-1", "300.00")], [theirs("INV-1", "300.00", row=4), theirs("INV-1", "300.00", row=9)])
    assert len(result.matched) == 1 and len(result.only_theirs) == 1
    assert result.difference == D("-300.00") and result.explained


def test_one_invoice_booked_by_them_in_parts_under_its_number_is_matched() -> None:
    result = reconcile([ours("INV-1", "1000.00")], [theirs("INV-1", "600.00"), theirs("INV-1", "400.00")])
    assert [g.stage for g in result.matched] == ["document"] and not result.differences


# --- stage 2: amount within the date window --------------------------------------------------------------

def test_equal_amount_within_the_window_matches() -> None:
    result = reconcile([ours("BANK-1", "-2500.00", kind="payment")],
                       [theirs("付-3", "-2500.00", DAY + timedelta(days=7))])
    assert [g.stage for g in result.matched] == ["amount_date"]


def test_equal_amount_outside_the_window_does_not_match() -> None:
    result = reconcile([ours("BANK-1", "-2500.00", kind="payment")],
                       [theirs("付-3", "-2500.00", DAY + timedelta(days=8))])
    assert not result.matched and len(result.only_ours) == len(result.only_theirs) == 1
    assert result.explained


def test_the_window_is_an_option() -> None:
    result = reconcile([ours("BANK-1", "-2500.00", kind="payment")],
                       [theirs("付-3", "-2500.00", DAY + timedelta(days=20))], MatchOptions(window_days=30))
    assert len(result.matched) == 1


def test_same_amount_many_times_pairs_each_month_with_its_own_month() -> None:
    months = [date(2026, m, 10) for m in range(1, 13)]
    mine = [ours(f"R-{i}", "-10000.00", d, "payment") for i, d in enumerate(months)]
    yours = [theirs(f"付-{i}", "-10000.00", d + timedelta(days=3)) for i, d in enumerate(months)]
    result = reconcile(mine, yours)
    assert len(result.matched) == 12
    assert all(abs((g.ours[0].on - g.theirs[0].on).days) == 3 for g in result.matched)


def test_same_day_pairs_are_preferred_to_earlier_ones() -> None:
    result = reconcile([ours("R-1", "-50.00", DAY, "payment")],
                       [theirs("x", "-50.00", DAY - timedelta(days=5)), theirs("y", "-50.00", DAY)])
    assert result.matched[0].theirs[0].on == DAY


# --- stage 3: one against several ----------------------------------------------------------------------

def test_one_payment_of_ours_against_several_of_theirs() -> None:
    result = reconcile([ours("BANK-9", "-3000.00", kind="payment")],
                       [theirs("付-1", "-1000.00"), theirs("付-2", "-1200.00", DAY + timedelta(days=1)),
                        theirs("付-3", "-800.00", DAY + timedelta(days=2))])
    [group] = result.matched
    assert group.stage == "split" and len(group.theirs) == 3
    assert not result.only_ours and not result.only_theirs


def test_several_partial_payments_of_ours_against_one_of_theirs() -> None:
    result = reconcile([ours("BANK-1", "-400.00", kind="payment"), ours("BANK-2", "-350.50", kind="payment")],
                       [theirs("付-1", "-750.50", DAY + timedelta(days=2))])
    [group] = result.matched
    assert group.stage == "split" and len(group.ours) == 2


def test_parts_outside_the_window_are_not_used() -> None:
    result = reconcile([ours("BANK-9", "-3000.00", kind="payment")],
                       [theirs("付-1", "-1000.00"), theirs("付-2", "-2000.00", DAY + timedelta(days=30))])
    assert not result.matched and result.explained


def test_parts_of_the_other_sign_are_not_used() -> None:
    result = reconcile([ours("BANK-9", "-1000.00", kind="payment")],
                       [theirs("付-1", "-1500.00"), theirs("x", "500.00")])
    assert not [g for g in result.matched if g.stage == "split"]


def test_split_search_is_bounded_by_the_number_of_parts() -> None:
    parts = [theirs(f"付-{i}", "-100.00") for i in range(6)]
    assert not reconcile([ours("BANK-1", "-600.00", kind="payment")], parts, MatchOptions(max_parts=5)).matched
    assert len(reconcile([ours("BANK-1", "-600.00", kind="payment")], parts, MatchOptions(max_parts=6)).matched) == 1


# --- edges -------------------------------------------------------------------------------------------------

def test_both_sides_empty_is_explained_at_zero() -> None:
    result = reconcile([], [])
    assert result.our_balance == result.their_balance == result.difference == 0 and result.explained


def test_one_side_empty_leaves_every_line_unmatched() -> None:
    result = reconcile([ours("INV-1", "10.00"), ours("CN-1", "-2.50", kind="credit_note")], [])
    assert len(result.only_ours) == 2 and result.difference == D("7.50") and result.explained


def test_zero_amount_lines_match_by_document_and_do_not_move_the_balance() -> None:
    result = reconcile([ours("INV-0", "0.00"), ours("INV-5", "0.00")], [theirs("INV-0", "0.00")])
    assert len(result.matched) == 1 and len(result.only_ours) == 1 and result.difference == 0


def test_negative_amounts_on_both_sides_are_credits_and_match() -> None:
    result = reconcile([ours("CN-3", "-120.00", kind="credit_note")], [theirs("CN 003", "-120.00")])
    assert result.matched and result.explained


def test_a_line_on_the_wrong_side_is_refused() -> None:
    with pytest.raises(ValueError, match="theirs among ours"):
        reconcile([theirs("INV-1", "1.00")], [])


def test_window_beyond_a_year_is_refused() -> None:
    with pytest.raises(ValueError, match="window"):
        MatchOptions(window_days=400)


# --- property: every line lands once and the difference is explained to the cent -------------------------

cents = st.integers(min_value=-500_000, max_value=500_000).map(lambda c: D(c).scaleb(-2))
days = st.integers(min_value=0, max_value=90).map(lambda n: date(2026, 1, 1) + timedelta(days=n))
numbers = st.sampled_from(["INV-1", "INV-2", "inv 002", "No.3", "发票号:4", "ＩＮＶ－５", "", "BANK-1", "CN-1", "7"])


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[LedgerLine], list[LedgerLine]]:
    """Two ledgers sharing some lines (exact, date-shifted, split, changed amount) plus lines of their own."""
    mine: list[LedgerLine] = []
    yours: list[LedgerLine] = []
    for index in range(draw(st.integers(0, 25))):
        number, amount, on = draw(numbers), draw(cents), draw(days)
        how = draw(st.sampled_from(["exact", "shifted", "split", "changed", "ours", "theirs"]))
        if how != "theirs":
            mine.append(ledger_line("ours", number, on, amount, "invoice", f"ours {index}"))
        if how == "exact":
            yours.append(ledger_line("theirs", number, on, amount, "invoice", f"row {index}"))
        elif how == "shifted":
            yours.append(ledger_line("theirs", "", on + timedelta(days=draw(st.integers(-10, 10))), amount,
                                     "payment", f"row {index}"))
        elif how == "split":
            first = draw(cents)
            for part, piece in enumerate((first, amount - first)):
                yours.append(ledger_line("theirs", "", on, piece, "payment", f"row {index}.{part}"))
        elif how == "changed":
            yours.append(ledger_line("theirs", number, on, amount + draw(cents), "invoice", f"row {index}"))
        elif how == "theirs":
            yours.append(ledger_line("theirs", number, on, amount, "invoice", f"row {index}"))
    return mine, yours


@settings(max_examples=150, deadline=None)
@given(ledgers(), st.integers(0, 14))
def test_the_difference_of_balances_is_explained_to_the_cent(pair: tuple[list[LedgerLine], list[LedgerLine]],
                                                            window: int) -> None:
    mine, yours = pair
    result = reconcile(mine, yours, MatchOptions(window_days=window))
    assert result.explained
    assert result.our_balance - result.their_balance == result.explanation
    assert sorted(map(id, lines_of(result))) == sorted(map(id, mine + yours))  # each line exactly once
    for group in result.matched:
        assert sum(x.amount for x in group.ours) == sum(x.amount for x in group.theirs)
        if group.stage != "document":
            assert all(abs((a.on - b.on).days) <= window for a in group.ours for b in group.theirs
                       if len(group.ours) == 1 or len(group.theirs) == 1)


@settings(max_examples=60, deadline=None)
@given(ledgers())
def test_a_ledger_matched_against_itself_leaves_nothing_unmatched(pair: tuple[list[LedgerLine], list[LedgerLine]]
                                                                 ) -> None:
    mine, _ = pair
    copy = [ledger_line("theirs", x.document, x.on, x.amount, x.kind, x.source) for x in mine]
    result = reconcile(mine, copy)
    assert not result.only_ours and not result.only_theirs and not result.differences
    assert result.difference == 0 and result.explained
