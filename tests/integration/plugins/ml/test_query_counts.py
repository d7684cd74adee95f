"""Every ml route costs the same few SQL statements whether the project has 3 issues or 30 (no per-issue queries)."""

from __future__ import annotations

import pytest

from tests.integration.plugins.ml.conftest import ML, estimate_body, make_world
from tests.query_counter import QueryCounter

pytestmark = pytest.mark.anyio


async def _statements(client, method: str, url: str, body: dict) -> int:
    counter = QueryCounter()
    with counter.counting():
        response = await client.request(method, url, **({"json": body} if method == "POST" else {}))
    assert response.status_code == 200, response.text
    return counter.count


async def _costs(world, issue, sprint) -> dict[str, int]:
    project_id = world.project["id"]
    calls = {
        "predict-effort": ("POST", estimate_body(world, "Login page bug")),
        "recommend-story-points": ("POST", estimate_body(world, "Login page bug")),
        "suggest-assignment": ("POST", {"issue_id": issue["id"], "project_id": project_id}),
        "estimate-sprint-duration": ("POST", {"sprint_id": sprint["id"]}),
        f"{sprint['id']}/sprint-risk": ("GET", {}),
        f"{project_id}/project-summary": ("POST", {}),
    }
    return {
        route.split("/")[-1]: await _statements(world.owner, method, f"{ML}/{route}/", body)
        for route, (method, body) in calls.items()
    }


async def _grow(world, members, sprint, start: int, count: int) -> None:
    """Resolved and open issues spread over the members, half of the open ones in the sprint."""
    for n in range(start, start + count):
        assignee = members[n % len(members)]
        await world.resolved(f"Login page bug {n}", issue_type="Bug", assignee=assignee, actual_hours=3, story_points=2)
        issue = await world.issue(f"Report {n}", assignee=assignee, story_points=3, priority="P1")
        if n % 2:
            await world.add_to(sprint, issue)


async def test_statement_counts_do_not_grow_with_the_project(mlclient):
    """3 then 30 resolved issues (and open ones, members, sprint issues): each route's statement count is unchanged."""
    world = await make_world(mlclient)
    _, first = await world.member(mlclient)
    members = [world.owner_id, first["user"]["id"]]
    issue = await world.issue("Login page bug on mobile", issue_type="Bug")
    sprint = await world.sprint()
    await _grow(world, members, sprint, 0, 3)
    await world.start(sprint)
    small = await _costs(world, issue, sprint)
    for _ in range(2):
        _, extra = await world.member(mlclient)
        members.append(extra["user"]["id"])
    await _grow(world, members, sprint, 3, 27)
    large = await _costs(world, issue, sprint)
    assert small == large
    # The user, the project check, then a handful of reads each.
    assert max(large.values()) <= 8, large
