"""Shared benchmark machinery: a real server process on a fresh database, and wrk (or httpx) load from outside.

Only loopback addresses are used, and every load run is bounded in time.
"""

from __future__ import annotations

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
from typing import Any, Self

import httpx

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
# wrk (C, Debian package `wrk`) when installed: it measures the server, not the client; httpx otherwise.
LOADGEN = os.environ.get("BENCH_LOADGEN") or ("wrk" if shutil.which("wrk") else "httpx")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def pg_admin(sql: str) -> None:
    """Run one statement on the PostgreSQL server of ``BENCH_PG_URL``."""
    import asyncpg

    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_available() -> bool:
    """True when ``BENCH_PG_URL`` answers."""
    try:
        asyncio.run(asyncio.wait_for(pg_admin("SELECT 1"), 5))
    except Exception:
        return False
    return True


class Server:
    """``workers`` uvicorn processes of the app on one fresh, migrated database (SQLite file or PostgreSQL)."""

    def __init__(self, db: str, workdir: Path, workers: int = 1, extra_env: dict[str, str] | None = None) -> None:
        self.db = db
        self.workdir = workdir
        self.workers = workers
        self.extra_env = extra_env or {}
        self.ports = [free_port() for _ in range(workers)]
        self.pg_name: str | None = None
        self.procs: list[subprocess.Popen[bytes]] = []
        self.database_url = ""

    @property
    def bases(self) -> list[str]:
        """The base URL of each process."""
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def __enter__(self) -> Self:
        if self.db == "postgres":
            self.pg_name = f"scrum_bench_{uuid.uuid4().hex[:8]}"
            asyncio.run(pg_admin(f'CREATE DATABASE "{self.pg_name}"'))
            self.database_url = PG_URL.rsplit("/", 1)[0] + f"/{self.pg_name}"
        else:
            self.database_url = f"sqlite:///{(self.workdir / 'bench.db').as_posix()}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRUM_", "DATABASE_", "REDIS_", "LOGIN_"))}
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "SCRUM_VAR_DIR": str(self.workdir),
                "SCRUM_PLUGINS": "",
                "LOG_LEVEL": "WARNING",
                "SECRET_KEY": "bench-secret-" + "x" * 40,
                "LOGIN_RATE_LIMIT_PER_IP": "100000000",
                "LOGIN_RATE_LIMIT_PER_ACCOUNT": "100000000",
                **self.extra_env,
            }
        )
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        for port in self.ports:
            command = [sys.executable, "-m", "uvicorn", "--factory", "core.app:create_app", "--host", "127.0.0.1"]
            command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
            self.procs.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        deadline = time.monotonic() + 30
        for base in self.bases:
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    msg = "server did not start"
                    raise RuntimeError(msg)
                time.sleep(0.1)
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self.pg_name:
            asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))


_WRK_SCRIPT = """
local paths, bodies = {}, {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
for line in io.lines(os.getenv("BENCH_BODIES")) do bodies[#bodies + 1] = line end
local n = 0
request = function()
  n = n + 1
  local headers = {["Content-Type"] = "application/json"}
  if os.getenv("BENCH_AUTH") ~= "" then headers["Authorization"] = os.getenv("BENCH_AUTH") end
  local body = nil
  if #bodies > 0 and bodies[1] ~= "" then body = bodies[(n % #bodies) + 1] end
  return wrk.format(os.getenv("BENCH_METHOD"), paths[(n % #paths) + 1], headers, body)
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
  io.write(string.format('{"rps": %f, "p50": %f, "p95": %f, "p99": %f, "errors": %d, "requests": %d}\\n',
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, summary.requests))
end
"""


def run_load(
    base: str,
    method: str,
    paths: list[str],
    *,
    bodies: list[Any] | None = None,
    token: str | None = None,
    seconds: float = 5,
    concurrency: int = 16,
) -> dict[str, float]:
    """Closed-loop load on ``paths`` (round robin, with ``bodies`` round robin); latency in ms."""
    if LOADGEN == "wrk":
        return _run_wrk(base, method, paths, bodies or [], token, seconds, concurrency)
    return asyncio.run(_run_httpx(base, method, paths, bodies or [], token, seconds, concurrency))


def _run_wrk(
    base: str, method: str, paths: list[str], bodies: list[Any], token: str | None, seconds: float, concurrency: int
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="wrk-") as tmp:
        script, path_file, body_file = Path(tmp, "s.lua"), Path(tmp, "paths"), Path(tmp, "bodies")
        script.write_text(_WRK_SCRIPT)
        path_file.write_text("\n".join(paths) + "\n")
        body_file.write_text("\n".join(json.dumps(b) for b in bodies) + "\n" if bodies else "\n")
        env = {
            **os.environ,
            "BENCH_METHOD": method,
            "BENCH_PATHS": str(path_file),
            "BENCH_BODIES": str(body_file),
            "BENCH_AUTH": f"Bearer {token}" if token else "",
        }
        command = ["wrk", "-t1", f"-c{concurrency}", f"-d{int(seconds)}s", "-s", str(script), base]
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60, env=env)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


async def _run_httpx(
    base: str, method: str, paths: list[str], bodies: list[Any], token: str | None, seconds: float, concurrency: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    counter = 0
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors, counter
            while time.perf_counter() < stop:
                counter += 1
                body = bodies[counter % len(bodies)] if bodies else None
                started = time.perf_counter()
                response = await client.request(method, paths[counter % len(paths)], json=body)
                latencies.append(time.perf_counter() - started)
                errors += response.status_code >= 400

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    q = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / elapsed,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "p99": q[98] * 1000,
        "errors": errors,
        "requests": len(latencies),
    }


def print_table(title: str, rows: list[tuple[str, dict[str, float]]]) -> None:
    """Print figures side by side, each as a ratio to the first row (the ceiling)."""
    ceiling = rows[0][1]["rps"]
    print(f"\n[{title}]")
    print(f"{'scenario':<34} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'vs ceiling':>10} {'errors':>7}")
    for name, r in rows:
        print(
            f"{name:<34} {r['rps']:>9.0f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} "
            f"{r['rps'] / ceiling:>9.0%} {int(r['errors']):>7}"
        )
