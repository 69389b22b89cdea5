"""Dunning benchmark: a dry run over the large demo (20,000 debtors, 1,000,000 receivables) on SQLite.

    python benchmarks/bench_dunning.py [--runs 3]

Goes through the real `receivables dunning run --dry-run --format json` (a fresh process per run, start-up
and JSON output included). The large demo is copied from `benchmarks/out/large` (loaded there by
`bench_ledger.py aging` on first use) into `benchmarks/out/dunning` and upgraded, so the shared copy is
left as it is. Wall time and CPU time (user + sys) are both reported: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_ledger import AS_OF, best_of
from benchmarks.large_demo import large_demo_copy


def prepare() -> dict[str, str]:
    return large_demo_copy("dunning")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = prepare()
    best, measured = best_of(args.runs, ["dunning", "run", "--as-of", AS_OF, "--dry-run", "--format", "json"], env)
    document = json.loads(best.stdout)
    items = sum(len(p["items"]) for p in document["proposals"])
    print(f"dunning dry run over the large demo as of {AS_OF}, best of {args.runs} by CPU: {best} "
          f"(walls: {', '.join(f'{m.wall:.2f}' for m in measured)}; CPUs: {', '.join(f'{m.cpu:.2f}' for m in measured)}), "
          f"{len(document['proposals']):,} proposals covering {items:,} items, {len(best.stdout):,} bytes of JSON")


if __name__ == "__main__":
    main()
