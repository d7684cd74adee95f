"""Issue types and workflows: defaults, new statuses with their transitions, one initial status, safe deletes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def project_for(client):
    """A signed-in owner with an organization, a workspace and a project made through the API."""
    owner, login = await client.signed_up()
    org = (await owner.post("/api/v1/orgs/organizations/", json={"name": "Flow Org"})).json()
    ws = await owner.post("/api/v1/workspaces/", json={"organization": org["id"], "name": "Flow WS"})
    assert ws.status_code == 201, ws.text
    project = await owner.post(
        "/api/v1/projects/projects/",
        json={"name": "Flow", "key": "flow", "workspace": ws.json()["id"], "methodology": "kanban"},
    )
    assert project.status_code == 201, project.text
    return owner, project.json()


async def test_new_status_gets_transitions_with_every_other_status(client):
    """A 4th status adds 6 transitions (to and from each existing one); names must be unique."""
    owner, project = await project_for(client)
    pid = project["id"]
    before = (await owner.get(f"/api/v1/projects/workflow-transitions/?project={pid}")).json()["count"]
    assert before == 5
    created = await owner.post(
        "/api/v1/projects/workflow-statuses/", json={"project": pid, "name": "In Review", "category": "in_progress"}
    )
    assert created.status_code == 201, created.text
    assert created.json()["order"] == 3
    after = (await owner.get(f"/api/v1/projects/workflow-transitions/?project={pid}")).json()["count"]
    assert after == before + 6
    dup = await owner.post("/api/v1/projects/workflow-statuses/", json={"project": pid, "name": "in review"})
    assert dup.status_code == 400
    statuses = (await owner.get(f"/api/v1/projects/workflow-statuses/?project={pid}")).json()["results"]
    assert [st["name"] for st in statuses] == ["To Do", "In Progress", "Done", "In Review"]
    assert sum(st["is_initial"] for st in statuses) == 1


async def test_exactly_one_initial_status(client):
    """Making a status initial moves the flag; the only initial status cannot be unset."""
    owner, project = await project_for(client)
    statuses = (await owner.get(f"/api/v1/projects/workflow-statuses/?project={project['id']}")).json()["results"]
    initial = next(st for st in statuses if st["is_initial"])
    other = next(st for st in statuses if not st["is_initial"])
    refused = await owner.patch(f"/api/v1/projects/workflow-statuses/{initial['id']}/", json={"is_initial": False})
    assert refused.status_code == 400
    moved = await owner.patch(f"/api/v1/projects/workflow-statuses/{other['id']}/", json={"is_initial": True})
    assert moved.status_code == 200
    again = (await owner.get(f"/api/v1/projects/workflow-statuses/?project={project['id']}")).json()["results"]
    assert [st["id"] for st in again if st["is_initial"]] == [other["id"]]


async def test_transitions_can_be_added_and_removed_explicitly(client):
    """A removed transition can be added back; duplicates and self-loops are refused."""
    owner, project = await project_for(client)
    pid = project["id"]
    transitions = (await owner.get(f"/api/v1/projects/workflow-transitions/?project={pid}")).json()["results"]
    first = transitions[0]
    assert (await owner.delete(f"/api/v1/projects/workflow-transitions/{first['id']}/")).status_code == 204
    body = {"project": pid, "from_status": first["from_status"], "to_status": first["to_status"]}
    assert (await owner.post("/api/v1/projects/workflow-transitions/", json=body)).status_code == 201
    assert (await owner.post("/api/v1/projects/workflow-transitions/", json=body)).status_code == 400
    loop = {"project": pid, "from_status": first["from_status"], "to_status": first["from_status"]}
    assert (await owner.post("/api/v1/projects/workflow-transitions/", json=loop)).status_code == 400


async def test_issue_types_crud_and_visibility(client):
    """Project admins add and edit types; strangers see none of them."""
    owner, project = await project_for(client)
    pid = project["id"]
    types = (await owner.get(f"/api/v1/projects/issue-types/?project={pid}")).json()
    assert types["count"] == 6
    made = await owner.post(
        "/api/v1/projects/issue-types/", json={"project": pid, "name": "Spike", "category": "task", "color": "#123456"}
    )
    assert made.status_code == 201, made.text
    bad = await owner.post("/api/v1/projects/issue-types/", json={"project": pid, "name": "X", "category": "saga"})
    assert bad.status_code == 400
    edited = await owner.patch(f"/api/v1/projects/issue-types/{made.json()['id']}/", json={"name": "Research"})
    assert edited.json()["name"] == "Research"
    stranger, _ = await client.signed_up()
    assert (await stranger.get(f"/api/v1/projects/issue-types/?project={pid}")).json()["count"] == 0
    assert (await stranger.get(f"/api/v1/projects/issue-types/{made.json()['id']}/")).status_code == 404
    assert (await owner.delete(f"/api/v1/projects/issue-types/{made.json()['id']}/")).status_code == 204
