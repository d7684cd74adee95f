"""HTTP baseline: a real server process, load from a separate process, figures printed side by side.

Measures, on SQLite and (when reachable) PostgreSQL, requests/s and p50/p95/p99 latency of:
  - GET /health              the trivial ceiling (no auth, no database)
  - GET /api/v1/auth/me/     JWT verification + one query (user + revocation check)
  - POST /api/v1/auth/login/ argon2 verification + token issue (deliberately slow: password hashing)
and prints each as a ratio to the ceiling.

    .venv/bin/python benchmarks/http_baseline.py [--seconds 5] [--concurrency 16] [--db sqlite,postgres]

PostgreSQL: BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/test) names the server; a throwaway
database is created and dropped. Only loopback addresses are used; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Correct-horse-staple-77"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
# wrk (C, Debian package `wrk`) when installed: it measures the server, not the client; httpx otherwise.
LOADGEN = os.environ.get("BENCH_LOADGEN") or ("wrk" if shutil.which("wrk") else "httpx")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_available() -> bool:
    try:
        asyncio.run(asyncio.wait_for(_pg_admin("SELECT 1"), 5))
    except Exception:
        return False
    return True


class Server:
    """One uvicorn process of the app on a fresh database."""

    def __init__(self, db: str, workdir: Path) -> None:
        self.db = db
        self.workdir = workdir
        self.port = _free_port()
        self.pg_name: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        if self.db == "postgres":
            self.pg_name = f"scrum_bench_{uuid.uuid4().hex[:8]}"
            asyncio.run(_pg_admin(f'CREATE DATABASE "{self.pg_name}"'))
            url = PG_URL.rsplit("/", 1)[0] + f"/{self.pg_name}"
        else:
            url = f"sqlite:///{(self.workdir / 'bench.db').as_posix()}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRUM_", "DATABASE_", "REDIS_", "LOGIN_"))}
        env.update(
            {
                "DATABASE_URL": url,
                "SCRUM_VAR_DIR": str(self.workdir),
                "SCRUM_PLUGINS": "",
                "LOG_LEVEL": "WARNING",
                "LOGIN_RATE_LIMIT_PER_IP": "100000000",
                "LOGIN_RATE_LIMIT_PER_ACCOUNT": "100000000",
            }
        )
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "core.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                time.sleep(0.1)
        msg = "server did not start"
        raise RuntimeError(msg)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.pg_name:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))


async def _drive(base: str, scenario: dict[str, object], seconds: float, concurrency: int) -> dict[str, float]:
    """Closed-loop load: ``concurrency`` workers send the request back to back for ``seconds``."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.request(
                    str(scenario["method"]),
                    str(scenario["path"]),
                    headers=scenario.get("headers"),
                    json=scenario.get("json"),  # type: ignore[arg-type]
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code >= 400:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / elapsed,
        "p50": quantiles[49] * 1000,
        "p95": quantiles[94] * 1000,
        "p99": quantiles[98] * 1000,
        "errors": errors,
        "requests": len(latencies),
    }


def drive_main(args: argparse.Namespace) -> None:
    """Entry of the load-generating child process: prints one JSON line of results."""
    scenario = json.loads(args.scenario)
    result = asyncio.run(_drive(args.base, scenario, args.seconds, args.concurrency))
    print(json.dumps(result))


_WRK_SCRIPT = """
wrk.method = os.getenv("BENCH_METHOD")
wrk.body = os.getenv("BENCH_BODY") ~= "" and os.getenv("BENCH_BODY") or nil
wrk.headers["Content-Type"] = "application/json"
if os.getenv("BENCH_AUTH") ~= "" then wrk.headers["Authorization"] = os.getenv("BENCH_AUTH") end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
  io.write(string.format('{"rps": %f, "p50": %f, "p95": %f, "p99": %f, "errors": %d, "requests": %d}\\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, summary.requests))
end
"""


def _run_wrk(base: str, scenario: dict[str, object], seconds: float, concurrency: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT)
    headers = scenario.get("headers") or {}
    env = {
        **os.environ,
        "BENCH_METHOD": str(scenario["method"]),
        "BENCH_BODY": json.dumps(scenario["json"]) if scenario.get("json") else "",
        "BENCH_AUTH": headers.get("Authorization", "") if isinstance(headers, dict) else "",
    }
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{int(seconds)}s", "-s", script.name, base + str(scenario["path"])]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60, env=env)
    Path(script.name).unlink()
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _run_scenario(base: str, scenario: dict[str, object], seconds: float, concurrency: int) -> dict[str, float]:
    if LOADGEN == "wrk":
        return _run_wrk(base, scenario, seconds, concurrency)
    child = [
        sys.executable,
        __file__,
        "--drive",
        "--base",
        base,
        "--scenario",
        json.dumps(scenario),
        "--seconds",
        str(seconds),
        "--concurrency",
        str(concurrency),
    ]
    out = subprocess.run(child, capture_output=True, text=True, check=True, timeout=seconds + 120)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def bench_db(db: str, seconds: float, concurrency: int) -> list[tuple[str, dict[str, float]]]:
    """Start a server on ``db``, create a user, run every scenario; return the rows."""
    with tempfile.TemporaryDirectory(prefix="scrum-bench-") as tmp, Server(db, Path(tmp)) as base:
        email = "bench@example.com"
        body = {
            "email": email,
            "username": "bench",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "first_name": "Bench",
            "last_name": "Mark",
        }
        httpx.post(f"{base}/api/v1/auth/register/", json=body, timeout=30).raise_for_status()
        login = httpx.post(f"{base}/api/v1/auth/login/", json={"email": email, "password": PASSWORD}, timeout=30)
        token = login.json()["access"]
        scenarios = {
            "GET /health (ceiling)": {"method": "GET", "path": "/health"},
            "GET /api/v1/auth/me/": {
                "method": "GET",
                "path": "/api/v1/auth/me/",
                "headers": {"Authorization": f"Bearer {token}"},
            },
            "POST /api/v1/auth/login/": {
                "method": "POST",
                "path": "/api/v1/auth/login/",
                "json": {"email": email, "password": PASSWORD},
            },
        }
        return [(name, _run_scenario(base, sc, seconds, concurrency)) for name, sc in scenarios.items()]


def main() -> None:
    """Parse arguments, run the benchmark (or the load child) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive_main(args)
        return
    print(
        f"{args.seconds:.0f} s per scenario, {args.concurrency} concurrent connections, 1 server process, "
        f"load from a separate process ({LOADGEN}), {os.cpu_count()} cores"
    )
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        if db == "postgres" and not _pg_available():
            print(f"\n[{db}] skipped: {PG_URL} not reachable")
            continue
        rows = bench_db(db, args.seconds, args.concurrency)
        ceiling = rows[0][1]["rps"]
        print(f"\n[{db}]")
        print(
            f"{'scenario':<28} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'vs ceiling':>10} {'errors':>7}"
        )
        for name, r in rows:
            print(
                f"{name:<28} {r['rps']:>9.0f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} "
                f"{r['rps'] / ceiling:>9.0%} {int(r['errors']):>7}"
            )


if __name__ == "__main__":
    main()
