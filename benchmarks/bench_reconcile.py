"""Reconciliation benchmark: matching 50,000 lines of ours against 50,000 of the debtor's (target ≤ 5 s).

    python benchmarks/bench_reconcile.py domain [--lines 50000] [--runs 3]
    python benchmarks/bench_reconcile.py cli [--lines 50000] [--runs 1]

`domain` times the pure matching (receivables.domain.matching.reconcile) on generated lines, after building
the lines (normalizing document numbers, timed apart). `cli` goes through the real command: a SQLite
database holding our side, their ledger as a messy GBK CSV (title rows, two-row header, monthly subtotals,
their own numbering), `receivables reconcile match --format json --out report.xlsx`. The machine is shared:
CPU time (user + sys) is reported beside wall time, and the best run by CPU time is kept.

The data generator is `generate()`: a realistic mix of invoices matched by number written differently,
payments booked on other days under their own voucher numbers, payments split or combined, amounts that
differ, and lines missing on either side.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_ledger import Measured, run  # noqa: E402
from receivables.domain.matching import LedgerLine, ledger_line, reconcile  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "reconcile"
START = date(2025, 1, 1)
AS_OF = "2026-12-31"


@dataclass(frozen=True)
class OurRow:
    kind: str
    number: str
    on: date
    amount: Decimal  # our convention: invoices positive, payments negative


@dataclass(frozen=True)
class TheirRow:
    on: date
    voucher: str
    document: str
    description: str
    amount: Decimal  # our convention; written to their file as credit (positive) or debit (negative)


def _money(rng: random.Random, low: int = 10_000, high: int = 20_000_000) -> Decimal:
    return Decimal(rng.randrange(low, high)).scaleb(-2)


def _their_number(rng: random.Random, year: int, n: int) -> str:
    """Our invoice number as their clerk typed it."""
    return rng.choice((f"INV-{year}-{n:06d}", f"inv {year}-{n}", f"No.{year}-{n:06d}",
                       f"ＩＮＶ－{year}－{n:06d}", f"{year}-{n}"))


def generate(lines: int, seed: int = 7) -> tuple[list[OurRow], list[TheirRow]]:
    """About `lines` lines on each side: 60 % invoices, 40 % payments, with the mix described above."""
    rng = random.Random(seed)
    ours: list[OurRow] = []
    theirs: list[TheirRow] = []
    voucher = 0
    invoice = 0
    payment = 0

    def their(on: date, document: str, description: str, amount: Decimal) -> None:
        nonlocal voucher
        voucher += 1
        theirs.append(TheirRow(on, f"记-{voucher:05d}", document, description, amount))

    while len(ours) < lines:
        on = START + timedelta(days=rng.randrange(700))
        if rng.random() < 0.6:
            invoice += 1
            amount = _money(rng)
            number = f"INV-{on.year}-{invoice:06d}"
            ours.append(OurRow("invoice", number, on, amount))
            fate = rng.random()
            later = on + timedelta(days=rng.randrange(0, 6))
            if fate < 0.90:
                their(later, _their_number(rng, on.year, invoice), "采购发票", amount)
            elif fate < 0.93:
                their(later, _their_number(rng, on.year, invoice), "采购发票（金额有误）",
                      amount - _money(rng, 100, 100_000))
            elif fate < 0.97:
                their(later, "", f"收到发票{number}", amount)  # number only in the description
            # else: not booked by them yet
        else:
            payment += 1
            amount = -_money(rng)
            reference = f"BANK-{payment:07d}"
            fate = rng.random()
            later = on + timedelta(days=rng.randrange(0, 4))
            if fate < 0.80:
                ours.append(OurRow("payment", reference, on, amount))
                their(later, "", "付货款", amount)
            elif fate < 0.90:  # one transfer of ours, booked by them per invoice
                ours.append(OurRow("payment", reference, on, amount))
                parts = rng.randrange(2, 5)
                cuts = sorted(rng.sample(range(1, int(-amount * 100)), parts - 1))
                pieces = [b - a for a, b in zip([0, *cuts], [*cuts, int(-amount * 100)])]
                for piece in pieces:
                    their(later, "", "付货款（分笔）", -Decimal(piece).scaleb(-2))
            elif fate < 0.95:  # several partial payments of ours, one line of theirs
                parts = rng.randrange(2, 4)
                cuts = sorted(rng.sample(range(1, int(-amount * 100)), parts - 1))
                pieces = [b - a for a, b in zip([0, *cuts], [*cuts, int(-amount * 100)])]
                for index, piece in enumerate(pieces):
                    ours.append(OurRow("payment", f"{reference}-{index}", on, -Decimal(piece).scaleb(-2)))
                their(later, "", "合并付款", amount)
            else:  # paid by them, not yet received by us
                their(later, "", "付货款（在途）", amount)
    for _ in range(lines // 100):  # their own lines we never had: bank fees, a supplier's other invoice
        their(START + timedelta(days=rng.randrange(700)), f"Q-{rng.randrange(10**6)}", "其他", -_money(rng, 100, 50_000))
    return ours, theirs


def our_lines(rows: list[OurRow]) -> list[LedgerLine]:
    return [ledger_line("ours", r.number, r.on, r.amount, r.kind, f"{r.kind} {r.number}") for r in rows]


def their_lines(rows: list[TheirRow]) -> list[LedgerLine]:
    return [ledger_line("theirs", r.document or r.voucher, r.on, r.amount, "invoice" if r.amount > 0 else "payment",
                        f"row {i + 5}", r.description, keyed=bool(r.document)) for i, r in enumerate(rows)]


def bench_domain(lines: int, runs: int) -> None:
    ours_rows, theirs_rows = generate(lines)
    print(f"domain matching: {len(ours_rows):,} lines of ours, {len(theirs_rows):,} of theirs")
    best: tuple[float, float] | None = None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        ours, theirs = our_lines(ours_rows), their_lines(theirs_rows)
        built = time.perf_counter() - wall, time.process_time() - cpu
        wall, cpu = time.perf_counter(), time.process_time()
        result = reconcile(ours, theirs)
        matched = time.perf_counter() - wall, time.process_time() - cpu
        print(f"  building lines {built[0]:.2f} s wall / {built[1]:.2f} s CPU; "
              f"matching {matched[0]:.2f} s wall / {matched[1]:.2f} s CPU")
        if best is None or matched[1] < best[1]:
            best = matched
    stages: dict[str, int] = {}
    for group in result.matched:
        stages[group.stage] = stages.get(group.stage, 0) + 1
    tracemalloc.start()
    reconcile(our_lines(ours_rows), their_lines(theirs_rows))
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    assert best is not None
    print(f"  matched groups by stage {stages}; only ours {len(result.only_ours):,}, only theirs "
          f"{len(result.only_theirs):,}, differences {len(result.differences):,}; explained {result.explained}")
    print(f"  best matching: {best[0]:.2f} s wall, {best[1]:.2f} s CPU; peak Python memory for building and "
          f"matching {peak:,.0f} MB; process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


def write_their_csv(path: Path, rows: list[TheirRow]) -> None:
    """Their AP ledger as a GBK CSV from an accounting package: title rows, a two-row header, monthly subtotals."""
    ordered = sorted(rows, key=lambda r: r.on)
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["应付账款明细账"])
        writer.writerow(["科目：2202 应付账款 - 华建工程有限公司", "", "", "", "", "", "单位：元"])
        writer.writerow(["日期", "凭证号", "发票号", "摘要", "金额", "", "余额"])
        writer.writerow(["", "", "", "", "借方", "贷方", ""])
        month = None
        balance = Decimal("0.00")
        debit = credit = Decimal("0.00")
        for row in ordered:
            if month is not None and (row.on.year, row.on.month) != month:
                writer.writerow(["", "", "", "本月合计", f"{debit:,.2f}", f"{credit:,.2f}", f"{balance:,.2f}"])
                debit = credit = Decimal("0.00")
            month = (row.on.year, row.on.month)
            balance += row.amount
            out_, in_ = (-row.amount, "") if row.amount < 0 else ("", row.amount)
            debit += out_ or 0
            credit += in_ or 0
            writer.writerow([row.on.strftime("%Y/%m/%d"), row.voucher, row.document, row.description,
                             f"{out_:,.2f}" if out_ != "" else "", f"{in_:,.2f}" if in_ != "" else "",
                             f"{balance:,.2f}"])
        writer.writerow(["", "", "", "本年累计", f"{debit:,.2f}", f"{credit:,.2f}", f"{balance:,.2f}"])


def _load_our_side(home: Path, rows: list[OurRow]) -> None:
    """Our side straight into the tables (set-up, not measured): one debtor, its invoices and payments."""
    from sqlalchemy import insert, select

    from receivables.storage.database import make_engine
    from receivables.storage.schema import Company, Debtor, Payment, Receivable

    engine = make_engine(f"sqlite:///{home / 'receivables.sqlite'}")
    with engine.begin() as connection:
        company = connection.execute(select(Company.id)).scalar_one()
        debtor = connection.execute(insert(Debtor).values(code="D00001", name="华建测试客户有限公司")
                                    .returning(Debtor.id)).scalar_one()
        connection.execute(insert(Receivable), [
            {"company_id": company, "debtor_id": debtor, "kind": "invoice", "number": r.number, "issue_date": r.on,
             "due_date": r.on + timedelta(days=30), "currency": "CNY", "amount": r.amount, "open_amount": r.amount}
            for r in rows if r.kind == "invoice"])
        connection.execute(insert(Payment), [
            {"company_id": company, "debtor_id": debtor, "reference": r.number, "received_on": r.on,
             "currency": "CNY", "amount": -r.amount} for r in rows if r.kind == "payment"])
    engine.dispose()


def bench_cli(lines: int, runs: int) -> None:
    ours_rows, theirs_rows = generate(lines)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as folder:
        home = Path(folder) / "home"
        env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
        env.update({"RECEIVABLES_HOME": str(home), "RECEIVABLES_USER": "bench"})
        subprocess.run(["receivables", "init", "--company", "华建工程有限公司"], env=env, check=True,
                       capture_output=True)
        _load_our_side(home, ours_rows)
        their_file = Path(folder) / "应付账款明细账.csv"
        write_their_csv(their_file, theirs_rows)
        print(f"CLI: {len(ours_rows):,} lines of ours in SQLite, {len(theirs_rows):,} of theirs in a "
              f"{their_file.stat().st_size / 2**20:.1f} MB GBK CSV")
        command = ["reconcile", "match", "--debtor", "D00001", str(their_file), "--as-of", AS_OF, "--format", "json"]
        for label, extra in (("JSON only", []), ("JSON and the XLSX report", ["--out", str(Path(folder) / "r.xlsx")])):
            measured: list[Measured] = []
            for _ in range(runs):
                measured.append(run(command + extra, env))
                print(f"  {label}: {measured[-1]}")
            best = min(measured, key=lambda m: m.cpu)
            print(f"  best {label}: {best}")
        document = json.loads(best.stdout)
        print(f"  matched {document['matched']:,} groups; only ours {len(document['only_ours']):,}, only theirs "
              f"{len(document['only_theirs']):,}, differences {len(document['differences']):,}; difference "
              f"{document['difference']} explained {document['explained']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("domain", "cli"))
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.what == "domain":
        bench_domain(args.lines, args.runs)
    else:
        bench_cli(args.lines, args.runs)


if __name__ == "__main__":
    main()
