"""Issues: keys, nested shapes, workflow transitions, assignment, filters, soft delete, concurrency."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.anyio


async def setup_project(client, key="demo"):
    """An owner with an organization, workspace and project; a second workspace member; the project's statuses."""
    owner, login = await client.signed_up()
    org = (await owner.post("/api/v1/orgs/organizations/", json={"name": f"Org {key}"})).json()
    ws = (await owner.post("/api/v1/workspaces/", json={"organization": org["id"], "name": f"WS {key}"})).json()
    project = await owner.post(
        "/api/v1/projects/projects/", json={"name": f"Project {key}", "key": key, "workspace": ws["id"]}
    )
    assert project.status_code == 201, project.text
    project = project.json()
    statuses = (await owner.get(f"/api/v1/projects/workflow-statuses/?project={project['id']}")).json()["results"]
    return owner, login, org, ws, project, {st["name"]: st for st in statuses}


async def add_workspace_member(client, owner, org, ws):
    """A new user who joins the organization (invitation) and the workspace; returns their client and login."""
    member, login = await client.signed_up()
    invited = await owner.post(
        "/api/v1/orgs/invitations/", json={"organization": org["id"], "email": login["user"]["email"]}
    )
    token = invited.json()["invitation"]["token"]
    assert (await member.post(f"/api/v1/orgs/invitations/{token}/accept/")).status_code == 200
    added = await owner.post(
        "/api/v1/workspaces/members/",
        json={"workspace": ws["id"], "user_id": str(login["user"]["id"]), "role": "member"},
    )
    assert added.status_code in (200, 201), added.text
    return member, login


async def create_issue(client, project, **fields):
    body = {"project": project["id"], "title": "Something", "issue_type": "Task", "priority": "P3", "description": ""}
    body.update(fields)
    response = await client.post("/api/v1/projects/issues/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_issue_has_key_initial_status_and_nested_objects(client):
    """A new issue gets KEY-1, the initial status, the caller as reporter and nested project/type/status."""
    owner, login, _, _, project, statuses = await setup_project(client)
    issue = await create_issue(owner, project, title="First", story_points=3, estimated_hours=2.5)
    assert issue["key"] == "DEMO-1"
    assert issue["status"]["id"] == statuses["To Do"]["id"]
    assert issue["status"]["is_initial"] is True
    assert issue["issue_type"]["name"] == "Task"
    assert issue["project"]["id"] == project["id"]
    assert issue["reporter"]["id"] == login["user"]["id"]
    assert issue["story_points"] == 3
    assert issue["estimated_hours"] == 2.5
    by_uuid = await create_issue(owner, project, issue_type=issue["issue_type"]["id"], priority="P1")
    assert by_uuid["key"] == "DEMO-2"
    detail = (await owner.get(f"/api/v1/projects/issues/{issue['id']}/")).json()
    assert detail["comment_count"] == 0
    assert detail["full_key"] == "DEMO-1"


async def test_transition_follows_the_workflow(client):
    """Allowed moves work, the current status is a no-op, a forbidden move is a 400 naming the allowed targets."""
    owner, _, _, _, project, statuses = await setup_project(client)
    issue = await create_issue(owner, project)
    url = f"/api/v1/projects/issues/{issue['id']}/transition/"
    same = await owner.patch(url, json={"transition": statuses["To Do"]["id"]})
    assert same.status_code == 200
    forbidden = await owner.patch(url, json={"transition": statuses["Done"]["id"]})
    assert forbidden.status_code == 400
    assert "In Progress" in forbidden.json()["status"][0]
    moved = await owner.patch(url, json={"transition": statuses["In Progress"]["id"]})
    assert moved.json()["status"]["name"] == "In Progress"
    done = await owner.patch(url, json={"status": statuses["Done"]["id"]})
    assert done.json()["resolved_at"] is not None
    back = await owner.patch(f"/api/v1/projects/issues/{issue['id']}/", json={"status": statuses["In Progress"]["id"]})
    assert back.status_code == 200
    assert back.json()["resolved_at"] is None


async def test_journey_6_edit_in_the_detail_modal(client):
    """Journey 6: change status, assignee (a workspace member's user_uuid) and story points in one PATCH."""
    owner, _, org, ws, project, statuses = await setup_project(client)
    _, member = await add_workspace_member(client, owner, org, ws)
    issue = await create_issue(owner, project)
    patched = await owner.patch(
        f"/api/v1/projects/issues/{issue['id']}/",
        json={
            "title": "Renamed",
            "status": statuses["In Progress"]["id"],
            "assignee": member["user"]["user_uuid"],
            "story_points": 5,
            "estimated_hours": 4,
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["status"]["name"] == "In Progress"
    assert body["assignee"]["id"] == member["user"]["id"]
    assert body["story_points"] == 5
    cleared = await owner.patch(f"/api/v1/projects/issues/{issue['id']}/", json={"story_points": None})
    assert cleared.json()["story_points"] is None
    assert cleared.json()["title"] == "Renamed"  # not sent = unchanged
    listed = (await owner.get(f"/api/v1/projects/issues?&project={project['id']}")).json()
    assert listed["results"][0]["title"] == "Renamed"


async def test_assign_by_id_auto_and_strangers_refused(client):
    """Assign by integer id; ``{}`` picks the least-loaded member; a non-member cannot be assigned."""
    owner, owner_login, org, ws, project, _ = await setup_project(client)
    _, member = await add_workspace_member(client, owner, org, ws)
    first = await create_issue(owner, project)
    second = await create_issue(owner, project)
    by_id = await owner.patch(
        f"/api/v1/projects/issues/{first['id']}/assign/", json={"assignee": owner_login["user"]["id"]}
    )
    assert by_id.json()["assignee"]["id"] == owner_login["user"]["id"]
    auto = await owner.patch(f"/api/v1/projects/issues/{second['id']}/assign/", json={})
    assert auto.json()["assignee"]["id"] == member["user"]["id"]  # the owner already has one open issue
    _, outsider = await client.signed_up()
    refused = await owner.patch(
        f"/api/v1/projects/issues/{first['id']}/assign/", json={"assignee": outsider["user"]["id"]}
    )
    assert refused.status_code == 400
    unassigned = await owner.patch(f"/api/v1/projects/issues/{first['id']}/assign/", json={"assignee": None})
    assert unassigned.json()["assignee"] is None


async def test_filters_and_search(client):
    """The list filters by status name, priority, sprint=null, assignee email and searches keys and titles."""
    owner, login, _, _, project, statuses = await setup_project(client, key="flt")
    a = await create_issue(owner, project, title="Login page crashes", priority="P1", issue_type="bug")
    await create_issue(owner, project, title="Write docs", priority="P4", labels=["docs"])
    await owner.patch(f"/api/v1/projects/issues/{a['id']}/assign/", json={"assignee": login["user"]["user_uuid"]})
    base = f"/api/v1/projects/issues?&project={project['id']}"

    async def titles(query):
        response = await owner.get(f"{base}&{query}")
        assert response.status_code == 200, response.text
        return sorted(item["title"] for item in response.json()["results"])

    assert await titles("priority=P1") == ["Login page crashes"]
    assert await titles("status_name=to do") == ["Login page crashes", "Write docs"]
    assert await titles("issue_type_category=bug") == ["Login page crashes"]
    assert await titles("sprint=null") == ["Login page crashes", "Write docs"]
    assert await titles(f"assignee_email={login['user']['email'].upper()}") == ["Login page crashes"]
    assert await titles("search=crash") == ["Login page crashes"]
    assert await titles("search=FLT-2") == ["Write docs"]
    assert await titles("label=docs") == ["Write docs"]
    assert await titles("ordering=-priority") == ["Login page crashes", "Write docs"]
    assert (await owner.get(f"{base}&priority=P9")).status_code == 400
    assert (await owner.get(f"{base}&status_category=done")).json()["count"] == 0


async def test_deleted_issue_keys_are_never_reused(client):
    """After deleting the newest issue, the next one still gets a new number."""
    owner, _, _, _, project, _ = await setup_project(client)
    await create_issue(owner, project)
    second = await create_issue(owner, project)
    assert (await owner.delete(f"/api/v1/projects/issues/{second['id']}/")).status_code == 204
    assert (await owner.get(f"/api/v1/projects/issues/{second['id']}/")).status_code == 404
    third = await create_issue(owner, project)
    assert third["key"] == "DEMO-3"


async def test_parent_issue_cannot_form_a_cycle(client):
    """An epic's sub-task cannot become the epic's parent."""
    owner, _, _, _, project, _ = await setup_project(client)
    epic = await create_issue(owner, project, issue_type="epic")
    child = await create_issue(owner, project, parent_issue=epic["id"])
    assert child["parent_issue"]["key"] == epic["key"]
    cycle = await owner.patch(f"/api/v1/projects/issues/{epic['id']}/", json={"parent_issue": child["id"]})
    assert cycle.status_code == 400


async def test_strangers_and_viewers(client, db):
    """A stranger sees no issue (404, empty lists); a project viewer reads but cannot edit."""
    import uuid

    from core.db import models as m

    owner, _, org, _, project, _ = await setup_project(client)
    issue = await create_issue(owner, project)
    stranger, _ = await client.signed_up()
    assert (await stranger.get(f"/api/v1/projects/issues/{issue['id']}/")).status_code == 404
    assert (await stranger.get(f"/api/v1/projects/issues?&project={project['id']}")).json()["count"] == 0
    assert (await stranger.patch(f"/api/v1/projects/issues/{issue['id']}/", json={"title": "x"})).status_code == 404
    viewer, login = await client.signed_up()
    async with db() as session:
        session.add(m.OrgMember(organization_id=uuid.UUID(org["id"]), user_id=login["user"]["id"], role="member"))
        session.add(m.ProjectMember(project_id=uuid.UUID(project["id"]), user_id=login["user"]["id"], role="viewer"))
        await session.commit()
    assert (await viewer.get(f"/api/v1/projects/issues/{issue['id']}/")).status_code == 200
    assert (await viewer.patch(f"/api/v1/projects/issues/{issue['id']}/", json={"title": "x"})).status_code == 404
    refused = await viewer.post("/api/v1/projects/issues/", json={"project": project["id"], "title": "nope"})
    assert refused.status_code == 404


async def test_concurrent_creates_get_distinct_gapless_keys(client):
    """Many creates at once in one project give distinct, gapless numbers (a real race on PostgreSQL)."""
    owner, _, _, _, project, _ = await setup_project(client)
    total = 200 if ON_POSTGRES else 20

    async def one(n):
        response = await owner.post(
            "/api/v1/projects/issues/", json={"project": project["id"], "title": f"Race {n}", "issue_type": "task"}
        )
        assert response.status_code == 201, response.text
        return response.json()["number"]

    numbers = await asyncio.gather(*(one(n) for n in range(total)))
    assert sorted(numbers) == list(range(1, total + 1))


async def test_board_filter_applies_the_saved_filter(client, db):
    """``?board=`` lists the board's project's issues narrowed by the board's saved priorities."""
    import uuid

    from core.db import models as m

    owner, _, _, _, project, _ = await setup_project(client, key="brd")
    await create_issue(owner, project, title="Urgent", priority="P1")
    await create_issue(owner, project, title="Later", priority="P4")
    async with db() as session:
        board = m.Board(project_id=uuid.UUID(project["id"]), name="B", saved_filter={"priority": ["P1"]})
        session.add(board)
        await session.commit()
        board_id = board.id
    listed = (await owner.get(f"/api/v1/projects/issues?&board={board_id}")).json()
    assert [item["title"] for item in listed["results"]] == ["Urgent"]
    stranger, _ = await client.signed_up()
    hidden = await stranger.get(f"/api/v1/projects/issues?&board={board_id}")
    missing = await stranger.get(f"/api/v1/projects/issues?&board={uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()  # another tenant's board looks exactly like no board


async def test_deleting_a_status_in_use_needs_a_replacement(client):
    """A status that issues use cannot be deleted without ``?replacement=``; with one, its issues move there."""
    owner, _, _, _, project, statuses = await setup_project(client, key="rpl")
    issue = await create_issue(owner, project)
    todo = statuses["To Do"]["id"]
    refused = await owner.delete(f"/api/v1/projects/workflow-statuses/{todo}/")
    assert refused.status_code == 400
    assert "replacement" in refused.json()
    moved = await owner.delete(
        f"/api/v1/projects/workflow-statuses/{todo}/?replacement={statuses['In Progress']['id']}"
    )
    assert moved.status_code == 204
    after = (await owner.get(f"/api/v1/projects/issues/{issue['id']}/")).json()
    assert after["status"]["name"] == "In Progress"
    assert after["status"]["is_initial"] is True  # the replacement inherits the initial flag
