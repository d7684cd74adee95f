"""HTTP baseline: a real server process, load from a separate process, figures printed side by side.

Measures, on SQLite and (when reachable) PostgreSQL, requests/s and p50/p95/p99 latency of:
  - GET /health              the trivial ceiling (no auth, no database)
  - GET /api/v1/auth/me/     JWT verification + one query (user + revocation check)
  - POST /api/v1/auth/login/ argon2 verification + token issue (deliberately slow: password hashing)
and prints each as a ratio to the ceiling.

    .venv/bin/python benchmarks/http_baseline.py [--seconds 5] [--concurrency 16] [--db sqlite,postgres]

PostgreSQL: BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/test) names the server; a throwaway
database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import LOADGEN, Server, pg_available, print_table, run_load

PASSWORD = "Correct-horse-staple-77"


def bench_db(db: str, seconds: float, concurrency: int) -> list[tuple[str, dict[str, float]]]:
    """Start a server on ``db``, create a user, run every scenario; return the rows."""
    with tempfile.TemporaryDirectory(prefix="scrum-bench-") as tmp, Server(db, Path(tmp)) as server:
        base = server.bases[0]
        email = "bench@example.com"
        body = {"email": email, "username": "bench", "password": PASSWORD, "password_confirm": PASSWORD}
        httpx.post(f"{base}/api/v1/auth/register/", json=body, timeout=30).raise_for_status()
        login = httpx.post(f"{base}/api/v1/auth/login/", json={"email": email, "password": PASSWORD}, timeout=30)
        token = login.json()["access"]
        options = {"seconds": seconds, "concurrency": concurrency}
        return [
            ("GET /health (ceiling)", run_load(base, "GET", ["/health"], **options)),
            ("GET /api/v1/auth/me/", run_load(base, "GET", ["/api/v1/auth/me/"], token=token, **options)),
            (
                "POST /api/v1/auth/login/",
                run_load(
                    base, "POST", ["/api/v1/auth/login/"], bodies=[{"email": email, "password": PASSWORD}], **options
                ),
            ),
        ]


def main() -> None:
    """Parse arguments, run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--db", default="sqlite,postgres")
    args = parser.parse_args()
    print(
        f"{args.seconds:.0f} s per scenario, {args.concurrency} concurrent connections, 1 server process, "
        f"load from a separate process ({LOADGEN}), {os.cpu_count()} cores"
    )
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        if db == "postgres" and not pg_available():
            print(f"\n[{db}] skipped: PostgreSQL not reachable")
            continue
        print_table(db, bench_db(db, args.seconds, args.concurrency))


if __name__ == "__main__":
    main()
