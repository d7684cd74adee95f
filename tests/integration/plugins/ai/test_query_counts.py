"""Search and similar issues cost the same few SQL statements whether the project has 3 issues or 30, and a
second search reuses the cached vectors (one statement fewer)."""

from __future__ import annotations

import pytest

from plugins.ai.vectors import clear_matrix_cache
from tests.integration.plugins.ai.conftest import AI, make_world, wait_indexed
from tests.query_counter import QueryCounter

pytestmark = pytest.mark.anyio


async def _statements(client, method: str, url: str, body: dict | None = None) -> int:
    counter = QueryCounter()
    with counter.counting():
        response = await client.request(method, url, **({"json": body} if body is not None else {}))
    assert response.status_code == 200, response.text
    return counter.count


async def _costs(world) -> dict[str, int]:
    project = world.projects["APP"]["id"]
    first = world.issues["APP-1"]["id"]
    calls = {
        "search": ("POST", f"{AI}/search-issues/", {"query": "login crash", "project_id": project}),
        "search-all": ("POST", f"{AI}/search-issues/", {"query": "login crash"}),
        "similar": ("GET", f"{AI}/{first}/similar-issues/?same_project_only=false", None),
        "query": ("POST", f"{AI}/query/", {"question": "login crash?", "project_id": project}),
    }
    costs = {}
    for name, (method, url, body) in calls.items():
        clear_matrix_cache()
        costs[name] = await _statements(world.owner, method, url, body)
        costs[f"{name} (cached)"] = await _statements(world.owner, method, url, body)
    return costs


async def _grow(world, start: int, count: int) -> None:
    for n in range(start, start + count):
        await world.issue("APP" if n % 2 else "OPS", f"Login crash number {n}", f"Crash {n} on the login page.")


async def test_statement_counts_do_not_grow_with_the_index(aiclient, db):
    """3 then 30 issues: each route's statement count is unchanged, cold or with the vectors cached."""
    world = await make_world(aiclient)
    await _grow(world, 1, 3)
    await wait_indexed(db, world)
    small = await _costs(world)
    await _grow(world, 4, 27)
    await wait_indexed(db, world)
    large = await _costs(world)
    assert small == large
    assert large["search (cached)"] == large["search"] - 1
    assert max(large.values()) <= 8, large
