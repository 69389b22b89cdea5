"""Limitation listing benchmark: every open item's limitation period over the large demo (20,000 debtors,
1,000,000 receivables, about 280,000 of them open) on SQLite.

    python benchmarks/bench_limitation.py [--runs 3] [--as-of 2026-11-29]

Goes through the real `receivables limitation --as-of DATE --format json` (a fresh process per run, start-up
included), its JSON written to `benchmarks/out/limitation/listing.json` as a user would redirect it (some
430 MB). The large demo is copied from `benchmarks/out/large` (loaded there by `bench_ledger.py aging` on first
use) into `benchmarks/out/limitation` and upgraded, so the shared copy is left as it is. Wall time, CPU time
(user + sys) and peak memory are reported, best of --runs by CPU: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_ledger import AS_OF, OUT, Measured
from benchmarks.large_demo import large_demo_copy

LISTING = OUT / "limitation" / "listing.json"
ITEM = b'{"debtor":'
"""Each item's document opens with this; inside a JSON string the quotes would be escaped, so it counts items."""


def run_to_file(args: list[str], env: dict[str, str], path: Path) -> Measured:
    """Run `receivables ARGS` with stdout into `path`; measure that one child (os.wait4, as bench_ledger.run)."""
    with path.open("wb") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(["receivables", *args], env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"receivables {' '.join(args)} failed: {err.read().strip()}")
    return Measured(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, "")


def count_items(path: Path) -> int:
    """The items in the listing, counted in the file as it streams by (loading 430 MB of JSON would take GBs)."""
    count, tail = 0, b""
    with path.open("rb") as listing:
        while block := listing.read(1 << 24):
            data = tail + block
            count += data.count(ITEM)
            tail = data[-(len(ITEM) - 1):]  # too short to hold a whole marker: none is counted twice
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--as-of", default=AS_OF)
    args = parser.parse_args()
    env = large_demo_copy("limitation")
    command = ["limitation", "--as-of", args.as_of, "--format", "json"]
    measured = [run_to_file(command, env, LISTING) for _ in range(args.runs)]
    best = min(measured, key=lambda m: m.cpu)
    print(f"limitation listing over the large demo as of {args.as_of}, JSON to a file, best of {args.runs} by CPU: "
          f"{best} (walls: {', '.join(f'{m.wall:.2f}' for m in measured)}; "
          f"CPUs: {', '.join(f'{m.cpu:.2f}' for m in measured)}), {count_items(LISTING):,} open items, "
          f"{LISTING.stat().st_size:,} bytes of JSON in {LISTING}")


if __name__ == "__main__":
    main()
