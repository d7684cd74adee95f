"""Similar issues, as the issue modal asks on every open: never the issue itself, never what the caller can't see."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from plugins.ai.models import IssueVector
from tests.integration.plugins.ai.conftest import AI, keys_of, make_world, seed_issues, wait_indexed

pytestmark = pytest.mark.anyio


async def _similar(client, issue: dict, status: int = 200, **params):
    response = await client.get(f"{AI}/{issue['id']}/similar-issues/", params=params)
    assert response.status_code == status, response.text
    return response.json()


async def test_similar_issues_exclude_the_issue_and_stay_in_the_project(aiclient, db):
    """APP-1's similar issues (the client's defaults: top_k=5, same_project_only=true) are other APP issues only,
    best first, with id, key, title and a similarity between 0 and 1."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await world.issue("APP", "Login button crashes on Safari", "The login page crashes when the button is pressed.")
    await wait_indexed(db, world)
    found = (await _similar(world.owner, world.issues["APP-1"], top_k="5", same_project_only="true"))["similar_issues"]
    keys = keys_of(found)
    assert "APP-1" not in keys
    assert keys[0] == "APP-4"
    assert {key[:3] for key in keys} == {"APP"}
    assert set(found[0]) >= {"id", "title", "key", "similarity_score"}
    assert 0 < found[0]["similarity_score"] <= 1
    assert len(found) <= 5


async def test_across_projects_only_visible_ones_of_the_same_tenant(aiclient, db):
    """same_project_only=false reaches OPS for both, SEC only for the owner, and never the other tenant's RIV."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    owner = keys_of(
        (await _similar(world.owner, world.issues["APP-1"], top_k=20, same_project_only="false"))["similar_issues"]
    )
    assert {"OPS-1", "SEC-1"} <= set(owner)
    assert "APP-1" not in owner
    assert not [key for key in owner if key.startswith("RIV")]
    member = keys_of(
        (await _similar(world.member, world.issues["APP-1"], top_k=20, same_project_only="false"))["similar_issues"]
    )
    assert "OPS-1" in member
    assert not [key for key in member if key.startswith(("SEC", "RIV"))]


async def test_an_issue_missing_from_the_index_is_indexed_on_demand(aiclient, db):
    """An issue whose vector is gone still gets similar issues, and is back in the index afterwards."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    issue = world.issues["OPS-1"]
    async with db() as session:
        await session.execute(delete(IssueVector).where(IssueVector.issue_id == issue["id"]))
        await session.commit()
    found = keys_of((await _similar(world.owner, issue, same_project_only="false"))["similar_issues"])
    assert found[0] == "APP-1"
    async with db() as session:
        assert await session.scalar(select(IssueVector.id).where(IssueVector.issue_id == issue["id"])) is not None


async def test_bad_top_k_is_400_and_invisible_issues_404(aiclient, db):
    """top_k must be a whole number from 1 to 20; the member asking about a SEC issue gets 404, as does a deleted one."""
    world = await make_world(aiclient)
    await seed_issues(world)
    issue = world.issues["APP-1"]
    for bad in ("0", "21", "many"):
        assert (await _similar(world.owner, issue, 400, top_k=bad))["top_k"]
    await _similar(world.member, world.issues["SEC-1"], 404)
    deleted = await world.issue("APP", "Short-lived")
    assert (await world.owner.delete(f"/api/v1/projects/issues/{deleted['id']}/")).status_code == 204
    await _similar(world.owner, deleted, 404)
