"""Reproducible data generators for the benchmarks: debtor and invoice CSV files of any size."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from receivables.domain.identifiers import make_credit_code

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def write_debtors_csv(path: Path, debtors: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "name", "credit_code", "address", "segment"])
        for n in range(debtors):
            org = "".join(rng.choice(_ORG_ALPHABET) for _ in range(9))
            writer.writerow([f"C{n:06d}", f"测试客户{n:06d}有限公司", make_credit_code(f"91310000{org}"),
                             f"上海市第{n % 500}号", rng.choice(["construction", "distribution", "retail"])])


def write_invoices_csv(path: Path, rows: int, debtors: int, seed: int = 2, start: date = date(2023, 1, 1)) -> None:
    """Invoice rows with mixed date and amount notations, as accounting exports have them."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["debtor", "number", "issue_date", "due_date", "amount", "currency"])
        for n in range(rows):
            issued = start + timedelta(days=rng.randrange(1400))
            due = issued + timedelta(days=rng.choice((30, 60, 90)))
            amount = f"{rng.randrange(100, 5_000_000) / 100:.2f}"
            writer.writerow([f"C{rng.randrange(debtors):06d}", f"INV{n:08d}", issued.isoformat(), due.isoformat(),
                             amount, "CNY"])
