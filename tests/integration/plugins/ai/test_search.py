"""Semantic search with the default local embedding: meaning over exact words, only what the caller may see."""

from __future__ import annotations

import pytest

from tests.integration.plugins.ai.conftest import AI, keys_of, make_world, seed_issues, wait_indexed

pytestmark = pytest.mark.anyio


async def _search(client, status: int = 200, **body):
    response = await client.post(f"{AI}/search-issues/", json=body)
    assert response.status_code == status, response.text
    return response.json()


async def test_sign_in_error_finds_the_login_crash_first(aiclient, db):
    """Searching "sign-in error" in APP puts "Login page crashes" first, with the fields the results page shows."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    found = await _search(world.owner, query="sign-in error", project_id=world.projects["APP"]["id"], top_k=10)
    results = found["results"]
    assert results[0]["key"] == "APP-1"
    assert results[0]["title"] == "Login page crashes"
    assert {r["key"][:3] for r in results} == {"APP"}
    first = results[0]
    assert 0 < first["similarity_score"] <= 1
    assert first["score"] == first["similarity_score"]
    assert first["issue_id"] == world.issues["APP-1"]["id"]
    assert first["metadata"]["assignee_name"] == "Unassigned"
    assert first["metadata"]["assignee_id"] == "unassigned"
    assert first["metadata"]["reporter_name"]
    assert first["metadata"]["status"] == "To Do"
    assert first["metadata"]["priority"] == "P3"
    assert [r["similarity_score"] for r in results] == sorted((r["similarity_score"] for r in results), reverse=True)

    export = await _search(world.owner, query="download as pdf", project_id=world.projects["APP"]["id"])
    assert export["results"][0]["key"] == "APP-2"


async def test_search_without_a_project_covers_only_visible_projects(aiclient, db):
    """Without project_id the owner finds login issues of APP, OPS and SEC; the member not in SEC's workspace and
    the other tenant's owner never see issues they may not see."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    owner = keys_of((await _search(world.owner, query="login crashes", top_k=50))["results"])
    assert {"APP-1", "OPS-1", "SEC-1"} <= set(owner)
    assert not [key for key in owner if key.startswith("RIV")]
    member = keys_of((await _search(world.member, query="login crashes", top_k=50))["results"])
    assert {"APP-1", "OPS-1"} <= set(member)
    assert not [key for key in member if key.startswith(("SEC", "RIV"))]
    rival = keys_of((await _search(world.rival, query="login crashes", top_k=50))["results"])
    assert rival == ["RIV-1"]


async def test_filters_narrow_like_the_issue_list(aiclient, db):
    """filters {"priority": "P1"} keeps only P1 issues; an unknown filter is a 400 naming the allowed ones."""
    world = await make_world(aiclient)
    await seed_issues(world)
    await wait_indexed(db, world)
    project = world.projects["APP"]["id"]
    found = await _search(world.owner, query="dashboard login export", project_id=project, filters={"priority": "P1"})
    assert keys_of(found["results"]) == ["APP-3"]
    bad = await _search(world.owner, 400, query="x", project_id=project, filters={"owner": "me"})
    assert "priority" in bad["filters"][0]


async def test_bad_bodies_get_field_errors(aiclient):
    """A missing or blank query, a top_k out of range or a malformed project id: 400 naming the field."""
    world = await make_world(aiclient)
    project = world.projects["APP"]["id"]
    assert (await _search(world.owner, 400, project_id=project))["query"] == ["This field is required."]
    assert "query" in await _search(world.owner, 400, query="   ", project_id=project)
    assert "query" in await _search(world.owner, 400, query="", project_id=project)
    assert "top_k" in await _search(world.owner, 400, query="login", project_id=project, top_k=0)
    assert "top_k" in await _search(world.owner, 400, query="login", project_id=project, top_k=500)
    assert "project_id" in await _search(world.owner, 400, query="login", project_id="not-a-uuid")
    response = await world.owner.post(f"{AI}/query/", json={"project_id": project})
    assert response.status_code == 400
    assert response.json()["question"] == ["This field is required."]


async def test_strangers_get_404_never_401_or_403(aiclient, db):
    """Another tenant asking about APP's project, issue or sprint gets 404 on every route; no token is a 401."""
    world = await make_world(aiclient)
    await seed_issues(world)
    sprint = await world.owner.post(
        "/api/v1/projects/sprints/", json={"project": world.projects["APP"]["id"], "name": "S1"}
    )
    assert sprint.status_code == 201, sprint.text
    project = world.projects["APP"]["id"]
    issue = world.issues["APP-1"]["id"]
    calls = [
        ("POST", f"{AI}/query/", {"question": "login?", "project_id": project}),
        ("POST", f"{AI}/search-issues/", {"query": "login", "project_id": project}),
        ("GET", f"{AI}/{issue}/similar-issues/", None),
        ("POST", f"{AI}/{issue}/summarize-issue/", {}),
        ("POST", f"{AI}/{sprint.json()['id']}/summarize-sprint/", {}),
        ("POST", f"{AI}/suggest-solutions/", {"issue_description": "login crash", "project_id": project}),
        ("POST", f"{AI}/index-issue/", {"issue_id": issue}),
        ("POST", f"{AI}/{project}/index-project/", {}),
    ]
    for method, url, body in calls:
        response = await world.rival.request(method, url, **({"json": body} if body is not None else {}))
        assert response.status_code == 404, (url, response.text)
        assert response.json()["detail"]
        anonymous = await world.rival.as_token(None).request(method, url, **({"json": body} if body else {}))
        assert anonymous.status_code == 401, url
