"""Matching our ledger of a debtor against the debtor's own: matched lines, lines one side lacks, differences."""

from __future__ import annotations

import heapq
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

Side = Literal["ours", "theirs"]
Stage = Literal["document", "amount_date", "split"]

ZERO = Decimal("0.00")
OPENING_KEY = "<OPENING>"
"""The key every opening-balance line gets, so both sides' opening balances meet in the document stage."""

# Words people put in front of a document number, longest first so 发票号码 wins over 发票. Latin
# prefixes count only when a separator or digit follows (INV-1, NO.5), so INVENTORY or NORTH stay whole.
_WORD_PREFIXES = ("增值税专用发票", "增值税普通发票", "电子发票", "发票号码", "单据编号", "凭证字号", "发票号", "单据号",
                  "凭证号", "编号", "号码", "票号", "单号", "发票", "单据", "凭证", "第")
_LATIN_PREFIX = re.compile(r"^(?:INVOICE|INV|REFERENCE|REF|DOCUMENT|DOC|NUMBER|NO|NR|NUM)(?=[\d\-_/.:#\s])")
_SEPARATORS = " \t\u3000-_/.:#—–~·,;、"
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_HINT = re.compile(r"[A-Z0-9][A-Z0-9\-_/]*\d[A-Z0-9\-_/]*")


def normalize_document(text: str) -> str:
    """The form a document number is compared in: half-width, upper case, no prefix, separators or
    leading zeros. 'ＩＮＶ－００１２', 'inv 12', 'No.0012' and '发票号：12' all become '12'."""
    value = unicodedata.normalize("NFKC", text).upper().strip(_SEPARATORS)
    while True:
        before = value
        for word in _WORD_PREFIXES:
            if value.startswith(word):
                value = value[len(word):].lstrip(_SEPARATORS)
                break
        value = _LATIN_PREFIX.sub("", value).lstrip(_SEPARATORS)
        if value == before:
            break
    value = value.removesuffix("号")
    tokens = [t.lstrip("0") or "0" if t.isdigit() else t for t in _TOKEN.findall(value)]
    return "-".join(tokens)


def document_hints(text: str) -> tuple[str, ...]:
    """Document numbers a free-text description may hold ('收到发票INV-2026-0012货款'), normalized."""
    if not text:
        return ()
    found = _HINT.findall(unicodedata.normalize("NFKC", text).upper())
    return tuple(dict.fromkeys(normalize_document(t) for t in found if len(t) >= 4))


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One line of either ledger in our sign convention: positive raises what the debtor owes us
    (invoice, fee, reversed payment), negative lowers it (payment, credit note)."""

    side: Side
    document: str
    key: str
    on: date
    amount: Decimal
    kind: str
    source: str
    description: str = ""
    hints: tuple[str, ...] = ()


def ledger_line(side: Side, document: str, on: date, amount: Decimal, kind: str, source: str,
                description: str = "", *, keyed: bool = True) -> LedgerLine:
    """A line with its normalized document number and the numbers its description mentions. `keyed=False`
    for a number that is only the debtor's own (a voucher number): shown, never matched on."""
    key = OPENING_KEY if kind == "opening" else normalize_document(document) if keyed else ""
    return LedgerLine(side, document, key, on, amount, kind, source, description, document_hints(description))


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """How far matching looks: the date window of stages 2 and 3 and the bounds of the subset search."""

    window_days: int = 7
    max_parts: int = 5
    candidate_limit: int = 14
    search_budget: int = 400

    def __post_init__(self) -> None:
        if not 0 <= self.window_days <= 366:
            raise ValueError(f"the date window must be 0 to 366 days, not {self.window_days}")
        if not 2 <= self.max_parts <= 12:
            raise ValueError(f"a split must have 2 to 12 parts, not {self.max_parts}")


@dataclass(frozen=True, slots=True)
class MatchedGroup:
    """Lines of both sides that agree: one pair, or one line against several (a split)."""

    stage: Stage
    ours: tuple[LedgerLine, ...]
    theirs: tuple[LedgerLine, ...]

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.ours), ZERO)


@dataclass(frozen=True, slots=True)
class AmountDifference:
    """The same document on both sides with different amounts."""

    key: str
    ours: tuple[LedgerLine, ...]
    theirs: tuple[LedgerLine, ...]

    @property
    def our_amount(self) -> Decimal:
        return sum((line.amount for line in self.ours), ZERO)

    @property
    def their_amount(self) -> Decimal:
        return sum((line.amount for line in self.theirs), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.our_amount - self.their_amount


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The outcome: both balances and every line in exactly one of matched, only ours, only theirs, differences."""

    our_balance: Decimal
    their_balance: Decimal
    matched: tuple[MatchedGroup, ...]
    only_ours: tuple[LedgerLine, ...]
    only_theirs: tuple[LedgerLine, ...]
    differences: tuple[AmountDifference, ...]
    options: MatchOptions = field(default_factory=MatchOptions)

    @property
    def difference(self) -> Decimal:
        return self.our_balance - self.their_balance

    @property
    def explanation(self) -> Decimal:
        """What the unmatched and differing lines account for: ours raise the difference, theirs lower it."""
        return (sum((line.amount for line in self.only_ours), ZERO)
                - sum((line.amount for line in self.only_theirs), ZERO)
                + sum((d.difference for d in self.differences), ZERO))

    @property
    def explained(self) -> bool:
        """The difference between the balances equals the explanation to the cent, and every matched group
        balances (a matched group that did not would hide part of the difference)."""
        balanced = all(g.amount == sum((t.amount for t in g.theirs), ZERO) for g in self.matched)
        return balanced and self.difference == self.explanation


def reconcile(ours: Sequence[LedgerLine], theirs: Sequence[LedgerLine],
              options: MatchOptions = MatchOptions()) -> Reconciliation:
    """Match in three stages, each on what the previous left: (1) by normalized document number,
    (2) by equal amount within the date window, (3) one line against several of the other side whose
    amounts add up to it (bounded subset search)."""
    for line in ours:
        if line.side != "ours":
            raise ValueError(f"{line.source}: a line of theirs among ours")
    for line in theirs:
        if line.side != "theirs":
            raise ValueError(f"{line.source}: a line of ours among theirs")
    matched: list[MatchedGroup] = []
    differences, rest_ours, rest_theirs = _by_document(ours, theirs, matched)
    rest_ours, rest_theirs = _by_amount_and_date(rest_ours, rest_theirs, options.window_days, matched)
    rest_ours, rest_theirs = _by_split(rest_ours, rest_theirs, options, matched)
    order = _line_order
    matched.sort(key=lambda g: order((g.ours + g.theirs)[0]))
    return Reconciliation(
        our_balance=sum((line.amount for line in ours), ZERO),
        their_balance=sum((line.amount for line in theirs), ZERO),
        matched=tuple(matched),
        only_ours=tuple(sorted(rest_ours, key=order)),
        only_theirs=tuple(sorted(rest_theirs, key=order)),
        differences=tuple(sorted(differences, key=lambda d: order((d.ours + d.theirs)[0]))),
        options=options,
    )


def _line_order(line: LedgerLine) -> tuple[date, str, str]:
    return line.on, line.key, line.source


def _resolved_keys(lines: Sequence[LedgerLine], other_keys: set[str]) -> list[str]:
    """Each line's key for the document stage: its own number when the other side knows it, else the
    first number in its description that the other side knows, else its own."""
    keys = []
    for line in lines:
        key = line.key
        if key not in other_keys:
            key = next((h for h in line.hints if h in other_keys), key)
        keys.append(key)
    return keys


def _by_document(ours: Sequence[LedgerLine], theirs: Sequence[LedgerLine], matched: list[MatchedGroup]
                 ) -> tuple[list[AmountDifference], list[LedgerLine], list[LedgerLine]]:
    our_keys = {line.key for line in ours if line.key}
    their_keys = {line.key for line in theirs if line.key}
    # Charges and settlements are matched apart: their payment row may carry our invoice's number.
    groups: dict[tuple[str, bool], tuple[list[LedgerLine], list[LedgerLine]]] = defaultdict(lambda: ([], []))
    rest_ours: list[LedgerLine] = []
    rest_theirs: list[LedgerLine] = []
    for index, (lines, keys, rest) in enumerate(((ours, _resolved_keys(ours, their_keys), rest_ours),
                                                  (theirs, _resolved_keys(theirs, our_keys), rest_theirs))):
        for line, key in zip(lines, keys):
            if key:
                groups[key, line.amount < 0][index].append(line)
            else:
                rest.append(line)
    differences: list[AmountDifference] = []
    for (key, _), (mine, yours) in groups.items():
        if not mine or not yours:
            rest_ours.extend(mine)
            rest_theirs.extend(yours)
            continue
        left_ours, left_theirs = _equal_pairs(mine, yours, "document", matched)
        if left_ours and left_theirs:
            group = (tuple(left_ours), tuple(left_theirs))
            if sum((x.amount for x in left_ours), ZERO) == sum((x.amount for x in left_theirs), ZERO):
                matched.append(MatchedGroup("document", *group))
            else:
                differences.append(AmountDifference(key, *group))
        else:
            rest_ours.extend(left_ours)
            rest_theirs.extend(left_theirs)
    return differences, rest_ours, rest_theirs


def _equal_pairs(ours: list[LedgerLine], theirs: list[LedgerLine], stage: Stage,
                 matched: list[MatchedGroup]) -> tuple[list[LedgerLine], list[LedgerLine]]:
    """Pair lines of equal amount one to one, nearest date first; return what is left on each side."""
    if len(ours) == 1 and len(theirs) == 1:
        if ours[0].amount == theirs[0].amount:
            matched.append(MatchedGroup(stage, (ours[0],), (theirs[0],)))
            return [], []
        return ours, theirs
    by_amount: dict[Decimal, list[LedgerLine]] = defaultdict(list)
    for line in theirs:
        by_amount[line.amount].append(line)
    left_ours = []
    taken: set[int] = set()
    for line in sorted(ours, key=_line_order):
        candidates = [c for c in by_amount.get(line.amount, ()) if id(c) not in taken]
        if not candidates:
            left_ours.append(line)
            continue
        best = min(candidates, key=lambda c: abs((c.on - line.on).days))
        taken.add(id(best))
        matched.append(MatchedGroup(stage, (line,), (best,)))
    return left_ours, [line for line in theirs if id(line) not in taken]


def _by_amount_and_date(ours: list[LedgerLine], theirs: list[LedgerLine], window: int,
                        matched: list[MatchedGroup]) -> tuple[list[LedgerLine], list[LedgerLine]]:
    """Equal amounts within the window. Per amount both sides are walked in date order: same-day pairs
    first, then each of ours takes the earliest of theirs still in reach, which pairs as many as can be."""
    theirs_by_amount: dict[Decimal, list[LedgerLine]] = defaultdict(list)
    for line in theirs:
        theirs_by_amount[line.amount].append(line)
    ours_by_amount: dict[Decimal, list[LedgerLine]] = defaultdict(list)
    for line in ours:
        ours_by_amount[line.amount].append(line)
    rest_ours: list[LedgerLine] = []
    rest_theirs: list[LedgerLine] = []
    for amount, mine in ours_by_amount.items():
        yours = theirs_by_amount.pop(amount, None)
        if not yours:
            rest_ours.extend(mine)
            continue
        mine.sort(key=_line_order)
        yours.sort(key=_line_order)
        left_ours, left_theirs = _pair_same_day(mine, yours, matched)
        start = 0
        used = [False] * len(left_theirs)
        for line in left_ours:
            earliest = line.on.toordinal() - window
            latest = line.on.toordinal() + window
            while start < len(left_theirs) and left_theirs[start].on.toordinal() < earliest:
                start += 1
            position = start
            while position < len(left_theirs) and used[position]:
                position += 1
            if position < len(left_theirs) and left_theirs[position].on.toordinal() <= latest:
                used[position] = True
                matched.append(MatchedGroup("amount_date", (line,), (left_theirs[position],)))
            else:
                rest_ours.append(line)
        rest_theirs.extend(t for t, u in zip(left_theirs, used) if not u)
    for yours in theirs_by_amount.values():
        rest_theirs.extend(yours)
    return rest_ours, rest_theirs


def _pair_same_day(ours: list[LedgerLine], theirs: list[LedgerLine], matched: list[MatchedGroup]
                   ) -> tuple[list[LedgerLine], list[LedgerLine]]:
    """Pairs on the same date (both lists sorted by date); what is left, still sorted."""
    left_ours: list[LedgerLine] = []
    left_theirs: list[LedgerLine] = []
    i = j = 0
    while i < len(ours) and j < len(theirs):
        if ours[i].on == theirs[j].on:
            matched.append(MatchedGroup("amount_date", (ours[i],), (theirs[j],)))
            i += 1
            j += 1
        elif ours[i].on < theirs[j].on:
            left_ours.append(ours[i])
            i += 1
        else:
            left_theirs.append(theirs[j])
            j += 1
    left_ours.extend(ours[i:])
    left_theirs.extend(theirs[j:])
    return left_ours, left_theirs


def _cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))


@dataclass(slots=True)
class _Pool:
    """The unmatched lines of one side, by date, for finding the parts of a split."""

    lines: list[LedgerLine]
    days: list[int]
    cents: list[int]
    used: list[bool]

    @classmethod
    def of(cls, lines: Iterable[LedgerLine]) -> _Pool:
        ordered = sorted(lines, key=_line_order)
        return cls(ordered, [x.on.toordinal() for x in ordered], [_cents(x.amount) for x in ordered],
                   [False] * len(ordered))

    def remaining(self) -> list[LedgerLine]:
        return [line for line, used in zip(self.lines, self.used) if not used]


def _by_split(ours: list[LedgerLine], theirs: list[LedgerLine], options: MatchOptions,
              matched: list[MatchedGroup]) -> tuple[list[LedgerLine], list[LedgerLine]]:
    """One line of one side against 2..max_parts lines of the other that add up to it, all in the window:
    one payment for several invoices, several partial payments, an invoice booked in parts."""
    our_pool, their_pool = _Pool.of(ours), _Pool.of(theirs)
    for singles, parts, single_is_ours in ((our_pool, their_pool, True), (their_pool, our_pool, False)):
        # Largest first: a big line is the likeliest sum of others, and its parts are then gone.
        for index in sorted(range(len(singles.lines)), key=lambda i: -abs(singles.cents[i])):
            if singles.used[index] or singles.cents[index] == 0:
                continue
            found = _find_parts(singles.days[index], singles.cents[index], parts, options)
            if found is None:
                continue
            singles.used[index] = True
            for position in found:
                parts.used[position] = True
            one = (singles.lines[index],)
            several = tuple(parts.lines[p] for p in found)
            matched.append(MatchedGroup("split", *((one, several) if single_is_ours else (several, one))))
    return our_pool.remaining(), their_pool.remaining()


def _find_parts(day: int, target: int, pool: _Pool, options: MatchOptions) -> list[int] | None:
    """Positions of unused pool lines in the window, of the target's sign and smaller, that add up to it."""
    low = bisect_left(pool.days, day - options.window_days)
    high = bisect_right(pool.days, day + options.window_days)
    positive = target > 0
    candidates = [p for p in range(low, high) if not pool.used[p]
                  and (0 < pool.cents[p] < target if positive else target < pool.cents[p] < 0)]
    if len(candidates) < 2:
        return None
    seen: dict[int, int] = {}
    for position in candidates:  # two parts: one pass over the whole window
        partner = seen.get(target - pool.cents[position])
        if partner is not None:
            return [partner, position]
        seen.setdefault(pool.cents[position], position)
    if options.max_parts < 3 or len(candidates) < 3:
        return None
    sign = 1 if positive else -1
    # Three or more parts: first those booked on one day (a transfer split per invoice is), nearest day
    # first; then the nearest lines of any day. Each search is bounded, so a line without parts costs little.
    by_day: dict[int, list[int]] = defaultdict(list)
    for position in candidates:
        by_day[pool.days[position]].append(position)
    for _, same_day in sorted(by_day.items(), key=lambda item: abs(item[0] - day)):
        if len(same_day) >= 3:
            found = _search(same_day, pool, sign, target, options)
            if found is not None:
                return found
    if len(by_day) == 1:
        return None
    if len(candidates) > options.candidate_limit:
        candidates = heapq.nsmallest(options.candidate_limit, candidates, key=lambda p: abs(pool.days[p] - day))
    return _search(candidates, pool, sign, target, options)


def _search(candidates: list[int], pool: _Pool, sign: int, target: int, options: MatchOptions) -> list[int] | None:
    ordered = sorted(candidates, key=lambda p: -sign * pool.cents[p])
    values = [sign * pool.cents[p] for p in ordered]
    found = _subset_sum(values, sign * target, options.max_parts, options.search_budget)
    return None if found is None else [ordered[i] for i in found]


def _subset_sum(values: list[int], target: int, max_parts: int, budget: int) -> list[int] | None:
    """Indexes of 3..max_parts positive values (sorted largest first) adding up to target, or None when
    none exists or the search budget runs out. Depth-first with two bounds: the values left can still
    reach what is needed, and so can the largest few of them that the part count still allows."""
    count = len(values)
    prefix = [0] * (count + 1)
    for i, value in enumerate(values):
        prefix[i + 1] = prefix[i] + value
    if prefix[min(max_parts, count)] < target:
        return None
    descending = [-v for v in values]  # ascending, for bisect: the first value not above what is needed
    chosen: list[int] = []
    steps = 0

    def search(start: int, needed: int, parts_left: int) -> bool:
        nonlocal steps
        first = max(start, bisect_left(descending, -needed))
        for i in range(first, count):
            steps += 1
            if steps > budget or prefix[min(i + parts_left, count)] - prefix[i] < needed:
                return False
            value = values[i]
            chosen.append(i)
            if value == needed:
                if len(chosen) >= 3:
                    return True
            elif parts_left > 1 and search(i + 1, needed - value, parts_left - 1):
                return True
            chosen.pop()
        return False

    return chosen if search(0, target, max_parts) else None
