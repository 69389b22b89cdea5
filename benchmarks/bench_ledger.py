"""Ledger benchmarks: CSV import rate into SQLite, and aging of the large demo on SQLite and PostgreSQL.

    python benchmarks/bench_ledger.py import [--rows 1000000]
    python benchmarks/bench_ledger.py aging [--postgres URL] [--runs 3]

Both go through the real `receivables` command (a fresh process per run), so start-up, parsing and
JSON output are included. Peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.data import write_debtors_csv, write_invoices_csv  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
AS_OF = "2026-11-29"


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Seconds, peak MB of this child, stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(["receivables", *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"receivables {' '.join(args)} failed: {done.stderr.strip()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024, done.stdout


def bench_import(rows: int) -> None:
    folder = OUT / "import"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    debtors, invoices = folder / "debtors.csv", folder / "invoices.csv"
    write_debtors_csv(debtors, 20_000)
    write_invoices_csv(invoices, rows, 20_000)
    env = {**os.environ, "RECEIVABLES_HOME": str(folder / "home")}
    env.pop("RECEIVABLES_DATABASE_URL", None)
    run(["init", "--company", "Benchmark Co."], env)
    run(["import", "debtors", str(debtors)], env)
    seconds, peak, _ = run(["import", "invoices", str(invoices)], env)
    print(f"import {rows:,} invoice rows into SQLite: {seconds:.1f} s, {rows / seconds:,.0f} rows/s, "
          f"peak {peak:,.0f} MB")
    seconds, peak, _ = run(["import", "invoices", str(invoices)], env)
    print(f"re-import of the same file (all unchanged): {seconds:.1f} s, {rows / seconds:,.0f} rows/s")


def bench_aging(postgres: str | None, runs: int) -> None:
    targets = {"sqlite": f"sqlite:///{OUT / 'large' / 'receivables.sqlite'}"}
    if postgres:
        targets["postgresql"] = postgres
    for name, url in targets.items():
        env = {**os.environ, "RECEIVABLES_HOME": str(OUT / "large"), "RECEIVABLES_DATABASE_URL": url}
        probe = subprocess.run(["receivables", "debtor", "show", "D00001", "--format", "json"], env=env,
                               capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"{name}: loading the large demo (20,000 debtors, 1,000,000 receivables) ...", flush=True)
            seconds, _, _ = run(["demo", "--size", "large", "--as-of", AS_OF], env)
            print(f"{name}: demo loaded in {seconds:.0f} s")
        timings = []
        for _ in range(runs):
            seconds, peak, out = run(["aging", "--as-of", AS_OF, "--format", "json"], env)
            timings.append((seconds, peak))
        best = min(t for t, _ in timings)
        print(f"{name}: aging of 1,000,000 receivables, JSON out: best {best:.2f} s of {runs} "
              f"(all: {', '.join(f'{t:.2f}' for t, _ in timings)}), peak {max(p for _, p in timings):,.0f} MB, "
              f"{len(out):,} bytes of JSON")
        seconds, _, _ = run(["aging", "--as-of", "2025-12-31", "--format", "json"], env)
        print(f"{name}: aging as of 2025-12-31 (past date): {seconds:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    importing = sub.add_parser("import")
    importing.add_argument("--rows", type=int, default=1_000_000)
    aging = sub.add_parser("aging")
    aging.add_argument("--postgres", default=os.environ.get("RECEIVABLES_TEST_POSTGRES_URL"))
    aging.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.what == "import":
        bench_import(args.rows)
    else:
        bench_aging(args.postgres, args.runs)


if __name__ == "__main__":
    main()
