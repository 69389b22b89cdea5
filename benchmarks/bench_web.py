"""Web benchmarks on the large demo: server time of the debtor list and the dashboard, and requests per
second of the API's debtor list under 10 concurrent clients.

    python benchmarks/bench_web.py [--postgres URL] [--workers 4] [--seconds 20] [--clients 10]

It starts the real `receivables serve` (SQLite: 1 worker by default; PostgreSQL: --workers), signs in as a
viewer over HTTP, reads each page's `Server-Timing` header (the time the application worked on it), then
runs the load: each client thread keeps one connection and asks for a random page of 50 debtors.
The load generator runs on the same machine and takes CPU from the server: the figures are a floor.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_ledger import OUT  # noqa: E402
from benchmarks.large_demo import large_demo_copy  # noqa: E402

PASSWORD = "bench-password-not-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ready_demo(env: dict[str, str], name: str) -> None:
    if name == "postgresql":
        subprocess.run(["receivables", "init"], env=env, check=True, capture_output=True)  # upgrade, keep data
        probe = subprocess.run(["receivables", "debtor", "show", "D00001", "--format", "json"], env=env,
                               capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"{name}: loading the large demo (20,000 debtors, 1,000,000 receivables) ...", flush=True)
            subprocess.run(["receivables", "demo", "--size", "large", "--as-of", "2026-11-29"], env=env, check=True)
    subprocess.run(["receivables", "user", "add", "bench-viewer", "--role", "viewer", "--password-stdin"],
                   input=PASSWORD + "\n", env=env, capture_output=True, text=True)  # exists after the first run


def _token(env: dict[str, str]) -> str:
    made = subprocess.run(["receivables", "token", "create", f"bench-{os.getpid()}-{time.time_ns()}", "--role",
                           "viewer"], env=env, capture_output=True, text=True, check=True)
    return made.stdout.strip().splitlines()[-1]


def _serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(["receivables", "serve", "--port", str(port), "--workers", str(workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/signin", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("the server did not answer within 120 s")


def _signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    answer = client.post("/signin", data={"user_name": "bench-viewer", "password": PASSWORD, "csrf_token": token,
                                          "next": "/"})
    if answer.status_code != 303:
        raise SystemExit(f"sign-in failed: {answer.status_code}")
    return client


def _server_ms(client: httpx.Client, path: str, repeat: int) -> list[float]:
    for _ in range(2):  # the first answers compute the day's cached figures
        client.get(path)
    timings = []
    for _ in range(repeat):
        answer = client.get(path)
        answer.raise_for_status()
        timings.append(float(answer.headers["Server-Timing"].split("dur=")[1]))
    return timings


def _load(base: str, token: str, clients: int, seconds: float) -> tuple[int, int, list[float]]:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client_loop(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                answer = http.get("/api/v1/debtors", params={"page": rng.randint(1, 400), "per_page": 50})
                mine.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    with lock:
                        failures[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), failures[0], latencies


def _summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if len(ordered) >= 20 else ordered[-1]
    return f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"


def bench(name: str, url: str | None, workers: int, clients: int, seconds: float) -> None:
    base_env = large_demo_copy("web") if url is None else {**os.environ, "RECEIVABLES_HOME": str(OUT / "web-pg"),
                                                             "RECEIVABLES_DATABASE_URL": url}
    env = {**base_env, "RECEIVABLES_SECRET_KEY": "bench-" + "k" * 40, "RECEIVABLES_USER": "bench"}
    _ready_demo(env, name)
    token = _token(env)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(env, port, workers)
    try:
        client = _signed_in(base)
        try:
            for path, label in (("/debtors", "debtor list page"), ("/", "dashboard")):
                print(f"{name}: {label}: server time {_summary(_server_ms(client, path, 20))} (20 requests, warm)")
        finally:
            client.close()
        _load(base, token, clients, 3)  # warm every worker's cache
        count, failed, latencies = _load(base, token, clients, seconds)
        print(f"{name}: API debtor list, {clients} clients, {workers} worker(s), {seconds:.0f} s: "
              f"{count / seconds:,.0f} requests/s, {failed} failed; client latency "
              f"{_summary([s * 1000 for s in latencies])}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="a database of its own (the demo is loaded into it), never the test one")
    parser.add_argument("--workers", type=int, default=4, help="workers for PostgreSQL (SQLite runs one)")
    parser.add_argument("--sqlite-workers", type=int, default=1)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        bench("sqlite", None, args.sqlite_workers, args.clients, args.seconds)
    if args.postgres:
        bench("postgresql", args.postgres, args.workers, args.clients, args.seconds)


if __name__ == "__main__":
    main()
