"""Live board fan-out: N WebSocket subscribers on one board, spread over two server processes, one REST writer.

The servers share PostgreSQL and Redis (the channel's pub/sub), so a move answered by process A reaches the
sockets held by process B. Subscribers run in separate client processes; a writer moves issues through
``PATCH /boards/{id}/issues/{issue}/move/`` at a fixed pace, each move with a unique ``rank`` that identifies
its ``issue.moved`` frame. Delivery latency = socket receipt - the writer's receipt of the REST response
(frames that arrive before the response count as 0; most do, because the frame is published after the commit
and before the response is written). The same figures from the moment the request was sent are printed too.
Prints p50/p95/p99 and frames/s per subscriber count.

Without PostgreSQL or Redis it falls back to one process with the in-memory channel backend (and says so).

    .venv/bin/python benchmarks/ws_fanout.py [--subscribers 100,500,1000] [--moves 40] [--interval 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Server, pg_available

PASSWORD = "Correct-horse-staple-77"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
CONNECT_BATCH = 25  # sockets a client process opens at once (each costs the server one short DB session)
SETTLE_TIMEOUT = 120.0  # bound on waiting for the presence frames of N joins (N^2/2 frames) to drain
RESULT_TIMEOUT = 60.0
PING = '{"type":"ping"}'


def redis_available() -> bool:
    """True when ``BENCH_REDIS_URL`` answers."""
    try:
        from redis import Redis

        return bool(Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except Exception:
        return False


def _setup(base: str) -> tuple[str, str, dict[str, str], list[str]]:
    """A user, project, board and a pool of issues; returns token, board id, column ids by status name, issues."""
    tag = f"fan{secrets.token_hex(4)}"
    with httpx.Client(base_url=base, timeout=60) as client:
        body = {"email": f"{tag}@bench.test", "username": tag, "password": PASSWORD, "password_confirm": PASSWORD}
        client.post("/api/v1/auth/register/", json=body).raise_for_status()
        token = client.post("/api/v1/auth/login/", json={"email": body["email"], "password": PASSWORD}).json()["access"]
        auth = {"Authorization": f"Bearer {token}"}
        org = client.post("/api/v1/orgs/organizations/", json={"name": f"Org {tag}"}, headers=auth).json()
        ws = client.post("/api/v1/workspaces/", json={"organization": org["id"], "name": "WS"}, headers=auth).json()
        project = client.post(
            "/api/v1/projects/projects/", json={"name": "Fan", "key": "fan", "workspace": ws["id"]}, headers=auth
        ).json()
        board = client.post(
            "/api/v1/projects/boards/", json={"project": project["id"], "name": "Fan-out"}, headers=auth
        ).json()
        columns = {column["name"]: column["id"] for column in board["columns"]}
        issues = []
        for n in range(10):
            created = client.post(
                f"/api/v1/projects/boards/{board['id']}/issues/",
                json={"title": f"Card {n}", "column_id": columns["To Do"]},
                headers=auth,
            )
            created.raise_for_status()
            issues.append(created.json()["id"])
    return token, board["id"], columns, issues


def _subscriber_process(urls: list[str], ready: Any, frames: Any, stop: Any, results: Any) -> None:
    """Hold ``urls`` open; record ``(rank, monotonic receipt)`` of every ``issue.moved`` frame until ``stop``."""
    from websockets.asyncio.client import connect

    received: list[tuple[float, float]] = []

    async def hold(url: str, opened: asyncio.Event, failures: list[str]) -> None:
        try:
            async with connect(url, open_timeout=60, max_size=2**20, ping_interval=None) as socket:
                opened.set()
                async for message in socket:
                    now = time.monotonic()
                    if message != PING:  # 1000 sockets ping ~40 times a second: never "quiet" otherwise
                        frames.value += 1  # only this process writes it; the parent just reads
                    if isinstance(message, str) and '"issue.moved"' in message[:32]:
                        received.append((json.loads(message)["data"]["issue"]["rank"], now))
        except Exception as exc:  # report, do not hang the run
            failures.append(repr(exc))
            opened.set()

    async def main() -> None:
        failures: list[str] = []
        tasks = []
        for start in range(0, len(urls), CONNECT_BATCH):
            events = [asyncio.Event() for _ in urls[start : start + CONNECT_BATCH]]
            tasks += [asyncio.create_task(hold(u, e, failures)) for u, e in zip(urls[start:], events, strict=False)]
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 60)
        ready.put(("ready", len(urls) - len(failures), failures[:3]))
        await asyncio.to_thread(stop.wait)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    results.put(received)


def _settle(frames: list[Any], quiet: float = 1.0) -> float:
    """Wait until no client process receives a frame for ``quiet`` seconds (the join storm is over)."""
    began = last_change = time.monotonic()
    last = -1
    while time.monotonic() - began < SETTLE_TIMEOUT:
        total = sum(f.value for f in frames)
        if total != last:
            last, last_change = total, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            break
        time.sleep(0.1)
    return last_change - began


def run(bases: list[str], subscribers: int, moves: int, interval: float, clients: int) -> dict[str, float]:
    """One measurement: ``subscribers`` sockets, ``moves`` moves ``interval`` seconds apart."""
    token, board_id, columns, issues = _setup(bases[0])
    ws_bases = [base.replace("http://", "ws://") for base in bases]
    urls = [f"{ws_bases[i % len(ws_bases)]}/ws/boards/{board_id}/?token={token}" for i in range(subscribers)]
    ctx = mp.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    frames = [ctx.Value("q", 0, lock=False) for _ in range(clients)]
    procs = [
        ctx.Process(target=_subscriber_process, args=(urls[i::clients], ready, frames[i], stop, results))
        for i in range(clients)
    ]
    connect_began = time.monotonic()
    for proc in procs:
        proc.start()
    connected = 0
    for _ in procs:
        _, count, failures = ready.get(timeout=180)
        connected += count
        if failures:
            print(f"  connect failures: {failures}")
    connect_seconds = time.monotonic() - connect_began
    storm_seconds = _settle(frames)
    sent: dict[float, float] = {}
    started: dict[float, float] = {}
    in_status = dict.fromkeys(issues, "To Do")
    with httpx.Client(base_url=bases[0], timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        writer_began = time.monotonic()
        for n in range(moves):
            issue = issues[n % len(issues)]
            target = "In Progress" if in_status[issue] == "To Do" else "To Do"
            rank = 1000.0 + n
            started[rank] = time.monotonic()
            response = client.patch(
                f"/api/v1/projects/boards/{board_id}/issues/{issue}/move/",
                json={"column_id": columns[target], "rank": rank},
            )
            sent[rank] = time.monotonic()
            response.raise_for_status()
            in_status[issue] = target
            pause = writer_began + (n + 1) * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        writer_seconds = time.monotonic() - writer_began
    deadline = time.monotonic() + 10  # grace for the last frames
    expected = connected * moves
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if sum(f.value for f in frames) >= expected:  # (a lower bound: frames also counts other types)
            time.sleep(0.5)
            break
    stop.set()
    latencies: list[float] = []
    from_request: list[float] = []
    early = 0
    last_receipt = 0.0
    for _ in procs:
        for rank, at in results.get(timeout=RESULT_TIMEOUT):
            if rank in sent:
                delta = at - sent[rank]
                early += delta < 0
                latencies.append(max(delta, 0.0) * 1000)
                from_request.append((at - started[rank]) * 1000)
                last_receipt = max(last_receipt, at)
    for proc in procs:
        proc.join(30)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    qr = statistics.quantiles(from_request, n=100) if len(from_request) > 1 else [0.0] * 99
    span = max(last_receipt - writer_began, 1e-9)
    return {
        "subscribers": connected,
        "delivered": len(latencies),
        "expected": expected,
        "p50": q[49],
        "p95": q[94],
        "p99": q[98],
        "max": max(latencies, default=0.0),
        "req_p50": qr[49],
        "req_p95": qr[94],
        "req_p99": qr[98],
        "early": early,
        "frames_per_s": len(latencies) / span,
        "moves_per_s": moves / writer_seconds,
        "connect_s": connect_seconds,
        "storm_s": storm_seconds,
    }


def main() -> None:
    """Parse arguments, start the servers, print one row per subscriber count."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", default="100,500,1000", help="comma-separated subscriber counts")
    parser.add_argument("--moves", type=int, default=40)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between two moves (pace)")
    parser.add_argument("--clients", type=int, default=2, help="client processes holding the sockets")
    args = parser.parse_args()
    counts = [int(c) for c in args.subscribers.split(",") if c.strip()]
    shared = pg_available() and redis_available()
    if shared:
        db, workers, extra = "postgres", 2, {"REDIS_URL": REDIS_URL}
        setup = "2 server processes, PostgreSQL + Redis pub/sub (sockets alternate between the processes)"
    else:
        db, workers, extra = "sqlite", 1, {}
        setup = "NOTE: PostgreSQL or Redis not reachable: 1 server process, SQLite, in-memory channel backend"
    print(f"{setup}; {args.clients} client processes; {args.moves} moves every {args.interval * 1000:.0f} ms")
    print(f"{os.cpu_count()} cores; latency = socket receipt - REST response at the writer (early frames count 0)")
    print(
        f"\n{'subscribers':>11} {'delivered':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'frames/s':>9} {'moves/s':>8} {'early':>6} {'connect s':>9} {'joins s':>8}   from request p50/p95/p99 ms"
    )
    with tempfile.TemporaryDirectory(prefix="scrum-fanout-") as tmp, Server(db, Path(tmp), workers, extra) as server:
        for count in counts:
            r = run(server.bases, count, args.moves, args.interval, args.clients)
            print(
                f"{int(r['subscribers']):>11} {int(r['delivered']):>5}/{int(r['expected']):<5}"
                f"{r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f} {r['frames_per_s']:>9.0f} "
                f"{r['moves_per_s']:>8.1f} {int(r['early']):>6} {r['connect_s']:>9.1f} {r['storm_s']:>8.1f}   "
                f"{r['req_p50']:.1f}/{r['req_p95']:.1f}/{r['req_p99']:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
