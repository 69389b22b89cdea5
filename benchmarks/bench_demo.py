"""Demo-data benchmark: time `load_demo(size="large")` into a fresh SQLite file (and optionally PostgreSQL).

    python benchmarks/bench_demo.py [--size large|small] [--seed 1] [--postgres URL]

Reports the load time (wall clock, and this process's CPU time, which other load on the machine does
not inflate), rows written per second (all tables, and receivables alone), the share of
receivables still open at as-of, and this process's peak resident memory (resource.getrusage).
With --postgres the same load runs into a throw-away schema of that server, dropped afterwards.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from receivables.services.demo import DemoSize, DemoSummary, load_demo
from receivables.storage.database import make_engine, session_factory
from receivables.storage.schema_version import upgrade_schema

AS_OF = date(2026, 6, 30)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as folder:
        yield f"sqlite:///{Path(folder) / 'demo.sqlite'}"


@contextmanager
def postgres_url(server: str) -> Iterator[str]:
    """A private schema on the server, dropped when the run ends."""
    schema = f"bench_demo_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in server else "?"
    try:
        yield f"{server}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(label: str, url: str, size: DemoSize, seed: int) -> None:
    engine = make_engine(url)
    upgrade_schema(engine)
    start, cpu_start = time.perf_counter(), time.process_time()
    summary: DemoSummary = load_demo(session_factory(engine), size=size, seed=seed, as_of=AS_OF,
                                     actor="benchmark")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    engine.dispose()
    rows = (summary.companies + summary.debtors + summary.contacts + summary.contracts + summary.receivables
            + summary.payments + summary.allocations)
    print(f"{label}: demo {size} seed {seed}: {elapsed:.1f} s ({cpu:.1f} s CPU in this process)")
    print(f"  rows written      {rows:>10,}  ({rows / elapsed:,.0f} rows/s)")
    print(f"  receivables       {summary.receivables:>10,}  ({summary.receivables / elapsed:,.0f} /s), "
          f"{summary.open_fraction:.1%} open at {AS_OF}")
    print(f"  payments          {summary.payments:>10,}  ({summary.reversed_payments} reversed, "
          f"{summary.payments_with_credit} with credit on account)")
    print(f"  allocations       {summary.allocations:>10,}")
    print(f"  debtors/contacts/contracts {summary.debtors:,}/{summary.contacts:,}/{summary.contracts:,}")
    print(f"  peak RSS so far   {peak_rss_mb():>10,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("small", "large"), default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", metavar="URL", help="also load into a throw-away schema of this server")
    options = parser.parse_args()
    with sqlite_url() as url:
        run("SQLite", url, options.size, options.seed)
    if options.postgres:
        with postgres_url(options.postgres) as url:
            run("PostgreSQL", url, options.size, options.seed)


if __name__ == "__main__":
    main()
