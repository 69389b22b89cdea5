"""Ledger benchmarks: CSV import rate into SQLite, and aging of the large demo on SQLite and PostgreSQL.

    python benchmarks/bench_ledger.py import [--rows 1000000] [--runs 3]
    python benchmarks/bench_ledger.py aging [--postgres URL] [--runs 3]

Both go through the real `receivables` command (a fresh process per run), so start-up, parsing and
JSON output are included. Each figure is the best of --runs by CPU time (user + sys of the child and the
reader process it forks), with wall time beside it; peak memory is the child's maximum resident set size.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.data import write_debtors_csv, write_invoices_csv  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
AS_OF = "2026-11-29"


@dataclass(frozen=True)
class Measured:
    """One child run: wall seconds, CPU seconds (user + sys, with the processes it waited for), peak MB."""

    wall: float
    cpu: float
    peak_mb: float
    stdout: str

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU, peak {self.peak_mb:,.0f} MB"


def run(args: list[str], env: dict[str, str]) -> Measured:
    """Run `receivables ARGS` and measure that one child: os.wait4 gives its own rusage (including the
    reader process it forks and waits for), where RUSAGE_CHILDREN would mix in every earlier child."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(["receivables", *args], env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"receivables {' '.join(args)} failed: {err.read().strip()}")
        return Measured(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read())


def best_of(runs: int, args: list[str], env: dict[str, str]) -> tuple[Measured, list[Measured]]:
    """The run with the least CPU time of `runs` (wall times on a shared machine are noisy)."""
    measured = [run(args, env) for _ in range(runs)]
    return min(measured, key=lambda m: m.cpu), measured


def _import_files(folder: Path, rows: int) -> tuple[Path, Path]:
    """The debtor and invoice CSV files, generated once per row count (deterministic, so reusable)."""
    debtors, invoices, marker = folder / "debtors.csv", folder / "invoices.csv", folder / "rows.txt"
    if not (marker.exists() and marker.read_text() == str(rows) and invoices.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        write_debtors_csv(debtors, 20_000)
        write_invoices_csv(invoices, rows, 20_000)
        marker.write_text(str(rows))
    return debtors, invoices


def bench_import(rows: int, runs: int) -> None:
    folder = OUT / "import"
    debtors, invoices = _import_files(folder, rows)
    base, home = folder / "base", folder / "home"
    shutil.rmtree(base, ignore_errors=True)
    env = {**os.environ, "RECEIVABLES_HOME": str(base)}
    env.pop("RECEIVABLES_DATABASE_URL", None)
    run(["init", "--company", "Benchmark Co."], env)
    run(["import", "debtors", str(debtors)], env)
    measured = []
    for _ in range(runs):  # each run into a fresh copy of the database that holds only the debtors
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(base, home)
        measured.append(run(["import", "invoices", str(invoices)], {**env, "RECEIVABLES_HOME": str(home)}))
    best = min(measured, key=lambda m: m.cpu)
    print(f"import {rows:,} invoice rows into SQLite, best of {runs} by CPU: {best}, "
          f"{rows / best.wall:,.0f} rows/s wall, {rows / best.cpu:,.0f} rows/s CPU "
          f"(walls: {', '.join(f'{m.wall:.1f}' for m in measured)})")
    again, _ = best_of(runs, ["import", "invoices", str(invoices)], {**env, "RECEIVABLES_HOME": str(home)})
    print(f"re-import of the same file (all unchanged): {again}, {rows / again.wall:,.0f} rows/s wall")


def bench_aging(postgres: str | None, runs: int) -> None:
    targets = {"sqlite": f"sqlite:///{OUT / 'large' / 'receivables.sqlite'}"}
    if postgres:
        targets["postgresql"] = postgres
    for name, url in targets.items():
        env = {**os.environ, "RECEIVABLES_HOME": str(OUT / "large"), "RECEIVABLES_DATABASE_URL": url}
        probe = subprocess.run(["receivables", "aging", "--as-of", AS_OF, "--format", "json"], env=env,
                               capture_output=True, text=True)
        if "schema" in probe.stderr:
            raise SystemExit(f"{name}: {probe.stderr.strip()}")
        if probe.returncode != 0 or '"rows":[]' in probe.stdout:
            print(f"{name}: loading the large demo (20,000 debtors, 1,000,000 receivables) ...", flush=True)
            print(f"{name}: demo loaded: {run(['demo', '--size', 'large', '--as-of', AS_OF], env)}")
        started, _ = best_of(runs, ["--help"], env)
        print(f"{name}: start-up (`receivables --help`): {started}")
        for as_of, what in ((AS_OF, "today"), ("2025-12-31", "past date")):
            best, measured = best_of(runs, ["aging", "--as-of", as_of, "--format", "json"], env)
            print(f"{name}: aging of 1,000,000 receivables as of {as_of} ({what}), JSON out, best of {runs} by "
                  f"CPU: {best} (walls: {', '.join(f'{m.wall:.2f}' for m in measured)}), "
                  f"{len(best.stdout):,} bytes of JSON")


def compile_bytecode() -> None:
    """Compile the packages as an installation has them. With PYTHONDONTWRITEBYTECODE set (as on the machine
    these figures come from) an editable install would otherwise recompile every module on every command."""
    root = Path(__file__).resolve().parent.parent
    for package in ("receivables", "letters"):
        compileall.compile_dir(root / package, quiet=1)


def reference_loop() -> float:
    """Seconds for a fixed pure-Python loop: how fast the machine is right now. A shared virtual machine's
    speed drifts (the same loop took 2.1 to 3.3 s within an hour here), so each figure is printed with it."""
    start = time.process_time()
    total = 0
    for number in range(20_000_000):
        total += number
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    importing = sub.add_parser("import")
    importing.add_argument("--rows", type=int, default=1_000_000)
    importing.add_argument("--runs", type=int, default=3)
    aging = sub.add_parser("aging")
    aging.add_argument("--postgres", default=os.environ.get("RECEIVABLES_BENCH_POSTGRES_URL"),
                       help="a database of its own (the demo is loaded into it), never the test database")
    aging.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    compile_bytecode()
    print(f"reference loop before: {reference_loop():.2f} s CPU", flush=True)
    if args.what == "import":
        bench_import(args.rows, args.runs)
    else:
        bench_aging(args.postgres, args.runs)
    print(f"reference loop after: {reference_loop():.2f} s CPU")


if __name__ == "__main__":
    main()
