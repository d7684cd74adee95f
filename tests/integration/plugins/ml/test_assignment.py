"""Assignment suggestions rank who did similar work and has time, among those who may be assigned only."""

from __future__ import annotations

import pytest

from tests.integration.plugins.ml.conftest import make_world, ml_post

pytestmark = pytest.mark.anyio


async def team(mlclient):
    """A project with an expert (resolved login bugs, nothing open) and a busy member (lots open, other work)."""
    world = await make_world(mlclient)
    _, expert = await world.member(mlclient)
    _, busy = await world.member(mlclient)
    expert_id, busy_id = expert["user"]["id"], busy["user"]["id"]
    for title in ("Fix login page bug", "Login form rejects valid passwords", "Login page crashes on submit"):
        await world.resolved(title, issue_type="Bug", assignee=expert_id, actual_hours=3)
    await world.resolved("Write the release notes", assignee=busy_id)
    for n in range(6):
        await world.issue(f"Build report number {n}", assignee=busy_id, story_points=5)
    issue = await world.issue("Login page bug on mobile", issue_type="Bug")
    return world, issue, expert, busy


async def test_the_free_member_who_did_similar_work_ranks_first(mlclient):
    """The expert ranks above the busy member, with better skill and workload scores and reasons that say why."""
    world, issue, expert, busy = await team(mlclient)
    outsider = await make_world(mlclient, key="out")
    result = await ml_post(
        world.owner, "suggest-assignment", {"issue_id": issue["id"], "project_id": world.project["id"], "top_n": 10}
    )
    suggestions = result["suggestions"]
    ids = [s["user_id"] for s in suggestions]
    assert all(isinstance(user_id, str) and user_id.isdigit() for user_id in ids)
    assert set(ids) == {str(world.owner_id), str(expert["user"]["id"]), str(busy["user"]["id"])}
    assert str(outsider.owner_id) not in ids
    assert ids[0] == str(expert["user"]["id"])
    first = suggestions[0]
    by_id = {s["user_id"]: s for s in suggestions}
    loaded = by_id[str(busy["user"]["id"])]
    assert first["skill_score"] > loaded["skill_score"]
    assert first["workload_score"] > loaded["workload_score"]
    assert first["availability_score"] > loaded["availability_score"]
    assert first["total_score"] > loaded["total_score"]
    assert first["user_email"] == expert["user"]["email"]
    assert first["user_name"] == expert["user"]["full_name"]
    assert any("similar" in reason for reason in first["reasoning"])
    assert any("6 open issue" in reason for reason in loaded["reasoning"])
    for suggestion in suggestions:
        for score in ("total_score", "skill_score", "workload_score", "performance_score", "availability_score"):
            assert 0 <= suggestion[score] <= 1
    assert [s["total_score"] for s in suggestions] == sorted((s["total_score"] for s in suggestions), reverse=True)


async def test_top_n_limits_the_suggestions_and_defaults_to_three(mlclient):
    """``top_n`` caps the list; without it the web client gets at most three."""
    world, issue, expert, _ = await team(mlclient)
    await world.member(mlclient)
    body = {"issue_id": issue["id"], "project_id": world.project["id"]}
    assert len((await ml_post(world.owner, "suggest-assignment", body))["suggestions"]) == 3
    one = await ml_post(world.owner, "suggest-assignment", {**body, "top_n": 1})
    assert [s["user_id"] for s in one["suggestions"]] == [str(expert["user"]["id"])]


async def test_an_issue_of_another_project_is_not_found(mlclient):
    """The issue must belong to the project named in the body: otherwise a 404, never someone else's issue."""
    world, issue, _, _ = await team(mlclient)
    other = await world.add_project("oth")
    response = await world.owner.post(
        "/api/v1/ml/suggest-assignment/", json={"issue_id": issue["id"], "project_id": other["id"]}
    )
    assert response.status_code == 404
