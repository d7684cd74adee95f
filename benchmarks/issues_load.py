"""Issues under load: 10,000 issues in a project (and as many in a second tenant), real server, load from outside.

Prints requests/s and p50/p95/p99 for: the trivial ceiling (``GET /health``), list issues (a page of 100 with every
nested object), issue detail, create issue, transition, and the activity list; each also as a ratio to the ceiling.

    .venv/bin/python benchmarks/issues_load.py [--seconds 10] [--concurrency 16] [--db sqlite,postgres] [--issues 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import sys
import tempfile
import uuid
from pathlib import Path

import httpx
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import LOADGEN, Server, pg_available, print_table, run_load

from core.db import models as m
from core.settings import normalize_database_url

PASSWORD = "Correct-horse-staple-77"


def _tenant(client: httpx.Client, tag: str) -> tuple[str, str]:
    """Register a user with an organization, workspace and project; return its token and the project id."""
    body = {"email": f"{tag}@bench.test", "username": tag, "password": PASSWORD, "password_confirm": PASSWORD}
    client.post("/api/v1/auth/register/", json=body).raise_for_status()
    token = client.post("/api/v1/auth/login/", json={"email": body["email"], "password": PASSWORD}).json()["access"]
    auth = {"Authorization": f"Bearer {token}"}
    org = client.post("/api/v1/orgs/organizations/", json={"name": f"Org {tag}"}, headers=auth).json()
    ws = client.post("/api/v1/workspaces/", json={"organization": org["id"], "name": "WS"}, headers=auth).json()
    project = client.post(
        "/api/v1/projects/projects/", json={"name": "Load", "key": tag[:6], "workspace": ws["id"]}, headers=auth
    ).json()
    return token, project["id"]


async def _seed(database_url: str, project_id: str, issues: int, activity: int, owner_email: str) -> None:
    """Bulk-insert ``issues`` issues and ``activity`` activity rows into a project."""
    engine = create_async_engine(normalize_database_url(database_url))
    pid = uuid.UUID(project_id)
    async with engine.begin() as conn:
        user_id = await conn.scalar(select(m.User.id).where(m.User.email == owner_email))
        project = (await conn.execute(select(m.Project).where(m.Project.id == pid))).one()
        status_ids = (await conn.scalars(select(m.WorkflowStatus.id).where(m.WorkflowStatus.project_id == pid))).all()
        type_ids = (await conn.scalars(select(m.IssueType.id).where(m.IssueType.project_id == pid))).all()
        now = datetime.datetime.now(datetime.UTC)
        for start in range(0, issues, 1000):
            rows = [
                {
                    "id": uuid.uuid4(),
                    "project_id": pid,
                    "number": n + 1,
                    "title": f"Seeded issue {n + 1}: make the thing {n % 97} work",
                    "description": "Lorem ipsum " * 10,
                    "issue_type_id": type_ids[n % len(type_ids)],
                    "status_id": status_ids[n % len(status_ids)],
                    "priority": f"P{1 + n % 4}",
                    "assignee_id": user_id,
                    "reporter_id": user_id,
                    "story_points": n % 8,
                    "labels": [],
                    "rank": float(n + 1),
                    "is_active": True,
                    "created_at": now - datetime.timedelta(minutes=issues - n),
                    "updated_at": now,
                }
                for n in range(start, min(start + 1000, issues))
            ]
            await conn.execute(insert(m.Issue), rows)
        await conn.execute(update(m.Project).where(m.Project.id == pid).values(issue_counter=issues))
        for start in range(0, activity, 1000):
            await conn.execute(
                insert(m.Activity),
                [
                    {
                        "id": uuid.uuid4(),
                        "user_id": user_id,
                        "action_type": "updated",
                        "object_type": "issue",
                        "object_id": str(n),
                        "object_repr": f"{project.key}-{n}: seeded",
                        "object_url": f"/projects/{pid}/issues/{n}",
                        "changes": {"title": {"old": "a", "new": "b"}},
                        "workspace_id": project.workspace_id,
                        "project_id": pid,
                        "created_at": now - datetime.timedelta(seconds=activity - n),
                        "updated_at": now,
                    }
                    for n in range(start, min(start + 1000, activity))
                ],
            )
    if engine.dialect.name == "postgresql":
        # What autovacuum would do soon after a bulk load: without statistics the planner guesses 1 row per table.
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    await engine.dispose()


def bench(db: str, seconds: float, concurrency: int, issues: int) -> list[tuple[str, dict[str, float]]]:
    """Seed, then measure every scenario on ``db``."""
    with tempfile.TemporaryDirectory(prefix="scrum-bench-") as tmp, Server(db, Path(tmp)) as server:
        base = server.bases[0]
        with httpx.Client(base_url=base, timeout=60) as client:
            token, project_id = _tenant(client, "loadone")
            _, other_project = _tenant(client, "loadtwo")
            asyncio.run(_seed(server.database_url, project_id, issues, issues, "loadone@bench.test"))
            asyncio.run(_seed(server.database_url, other_project, issues, issues, "loadtwo@bench.test"))
            auth = {"Authorization": f"Bearer {token}"}
            page = client.get(f"/api/v1/projects/issues?&project={project_id}", headers=auth).json()
            assert page["count"] == issues, page.get("count")
            ids = [item["id"] for item in page["results"]]
            statuses = client.get(f"/api/v1/projects/workflow-statuses/?project={project_id}", headers=auth).json()
            by_name = {st["name"]: st["id"] for st in statuses["results"]}
            # Round-trip a few moves so the transition scenario starts from statuses that allow each other.
            movers = ids[:50]
            for issue_id in movers:
                client.patch(
                    f"/api/v1/projects/issues/{issue_id}/transition/",
                    json={"transition": by_name["In Progress"]},
                    headers=auth,
                )
        common = {"token": token, "seconds": seconds, "concurrency": concurrency}
        issues_url = "/api/v1/projects/issues"
        scenarios = [
            ("GET /health (ceiling)", "GET", ["/health"], None, None),
            ("list issues (100, nested)", "GET", [f"{issues_url}?&project={project_id}"], None, token),
            # Every URL new (an ignored parameter differs): the read cache never hits, the database does the work.
            (
                "list issues, cache miss",
                "GET",
                [f"{issues_url}?&project={project_id}&_={n}" for n in range(100_000)],
                None,
                token,
            ),
            ("issue detail", "GET", [f"{issues_url}/{i}/" for i in ids], None, token),
            (
                "issue detail, cache miss",
                "GET",
                [f"{issues_url}/{i}/?_={n}" for n in range(1000) for i in ids],
                None,
                token,
            ),
            ("create issue", "POST", [f"{issues_url}/"], [{"project": project_id, "title": "Load"}], token),
            (
                "transition",
                "PATCH",
                [f"{issues_url}/{i}/transition/" for i in movers],
                [{"transition": by_name["To Do"]}, {"transition": by_name["In Progress"]}],
                token,
            ),
            ("activity list", "GET", [f"/api/v1/reporting/activity?&project={project_id}"], None, token),
        ]
        rows = []
        for name, method, paths, bodies, auth_token in scenarios:
            options = {**common, "token": auth_token}
            rows.append((name, run_load(base, method, paths, bodies=bodies, **options)))  # type: ignore[arg-type]
        return rows


def main() -> None:
    """Parse arguments and print a table per database."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--issues", type=int, default=10_000)
    args = parser.parse_args()
    print(
        f"{args.issues} issues per tenant (2 tenants), {args.seconds:.0f} s per scenario, {args.concurrency} connections, "
        f"1 server process, load from a separate process ({LOADGEN}), {os.cpu_count()} cores"
    )
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        if db == "postgres" and not pg_available():
            print(f"\n[{db}] skipped: PostgreSQL not reachable")
            continue
        print_table(db, bench(db, args.seconds, args.concurrency, args.issues))


if __name__ == "__main__":
    main()
