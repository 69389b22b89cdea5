"""The large demo (20,000 debtors, 1,000,000 receivables) as benchmarks use it: loaded once into
`benchmarks/out/large`, then copied per benchmark and upgraded, so no benchmark changes another's data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_ledger import AS_OF, OUT, run  # noqa: E402


def large_demo_copy(name: str) -> dict[str, str]:
    """The environment of a private, upgraded copy of the large demo in `benchmarks/out/NAME`."""
    source, home = OUT / "large" / "receivables.sqlite", OUT / name
    env = {**os.environ, "RECEIVABLES_HOME": str(home),
           "RECEIVABLES_DATABASE_URL": f"sqlite:///{home / 'receivables.sqlite'}"}
    if not (home / "receivables.sqlite").exists():
        if not source.exists():
            large = {**env, "RECEIVABLES_HOME": str(OUT / "large"), "RECEIVABLES_DATABASE_URL": f"sqlite:///{source}"}
            print(f"loading the large demo: {run(['demo', '--size', 'large', '--as-of', AS_OF], large)}", flush=True)
        home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, home / "receivables.sqlite")
    subprocess.run(["receivables", "init", "--company", "Benchmark Co."], env=env, check=True, capture_output=True)
    return env
