"""Dunning benchmark: a dry run over the large demo (20,000 debtors, 1,000,000 receivables) on SQLite.

    python benchmarks/bench_dunning.py [--runs 3]
    python benchmarks/bench_dunning.py --execute 1000

With --execute N, a fresh copy (`benchmarks/out/dunning-execute`) has N debtors moved to the step before the
demand letter; a stored run is proposed, approved and executed through the real commands (PDF and DOCX on all
cores), and the execution alone is timed.

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
import sqlite3
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_ledger import AS_OF, OUT, best_of, run
from benchmarks.large_demo import large_demo_copy


def prepare() -> dict[str, str]:
    return large_demo_copy("dunning")


def bench_execute(letters: int) -> None:
    """Propose, approve and execute a run issuing `letters` demand letters; time the execution."""
    shutil.rmtree(OUT / "dunning-execute", ignore_errors=True)
    env = {**large_demo_copy("dunning-execute"), "RECEIVABLES_USER": "bench-finance"}
    database = Path(env["RECEIVABLES_DATABASE_URL"].removeprefix("sqlite:///"))
    with sqlite3.connect(database) as connection:  # the demand letter is due for these debtors, no other step
        connection.execute("UPDATE debtor SET dunning_level = 6, dunning_stepped_on = ?", (AS_OF,))
        connection.execute("UPDATE debtor SET dunning_level = 3, dunning_stepped_on = '2026-10-01' WHERE id IN "
                           "(SELECT debtor_id FROM receivable WHERE open_amount > 0 AND due_date <= '2026-10-29' "
                           "GROUP BY debtor_id ORDER BY debtor_id LIMIT ?)", (letters,))
    subprocess.run(["receivables", "user", "add", "bench-finance", "--role", "admin", "--password-stdin"],
                   input="bench-password-not-secret\n", env=env, check=True, capture_output=True, text=True)
    proposed = subprocess.run(["receivables", "dunning", "run", "--as-of", AS_OF, "--format", "json"], env=env,
                              check=True, capture_output=True, text=True)
    document = json.loads(proposed.stdout)
    demands = sum(1 for p in document["proposals"] if p["action"] == "letter")
    subprocess.run(["receivables", "dunning", "approve", str(document["run"])], env=env, check=True,
                   capture_output=True)
    measured = run(["dunning", "execute", str(document["run"]), "--letter-format", "pdf,docx"], env)
    print(f"dunning execute: {demands:,} letter steps (PDF and DOCX) of {len(document['proposals']):,} proposals: "
          f"{measured} on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--execute", type=int, metavar="N", help="time executing a run of N demand letters")
    args = parser.parse_args()
    if args.execute:
        bench_execute(args.execute)
        return
    env = prepare()
    best, measured = best_of(args.runs, ["dunning", "run", "--as-of", AS_OF, "--dry-run", "--format", "json"], env)
    document = json.loads(best.stdout)
    items = sum(len(p["items"]) for p in document["proposals"])
    print(f"dunning dry run over the large demo as of {AS_OF}, best of {args.runs} by CPU: {best} "
          f"(walls: {', '.join(f'{m.wall:.2f}' for m in measured)}; CPUs: {', '.join(f'{m.cpu:.2f}' for m in measured)}), "
          f"{len(document['proposals']):,} proposals covering {items:,} items, {len(best.stdout):,} bytes of JSON")


if __name__ == "__main__":
    main()
