"""Projects: create with defaults (config, issue types, workflow), access, members, configuration, soft delete."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from core.db import models as m
from core.hookspecs import hookimpl
from tests.helpers import ApiClient

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PROJECTS = "/api/v1/projects/projects/"
CONFIGS = "/api/v1/projects/configs/"


async def make_org(client: ApiClient, name: str = "Acme Corp") -> dict[str, Any]:
    response = await client.post("/api/v1/orgs/organizations/", json={"name": name, "slug": ""})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def join_org(db: Any, org_id: str, user_id: int, role: str = "member") -> None:
    async with db() as session:
        session.add(m.OrgMember(organization_id=uuid.UUID(org_id), user_id=user_id, role=role))
        await session.commit()


async def make_workspace(
    db: Any, org_id: str, members: dict[int, str], name: str = "Team Space", visibility: str = "private"
) -> str:
    """Insert a workspace and its members directly (the workspaces API is built separately)."""
    async with db() as session:
        workspace = m.Workspace(
            organization_id=uuid.UUID(org_id), name=name, slug=name.lower().replace(" ", "-"), visibility=visibility
        )
        session.add(workspace)
        await session.flush()
        for user_id, role in members.items():
            session.add(m.WorkspaceMember(workspace_id=workspace.id, user_id=user_id, role=role))
        await session.commit()
        return str(workspace.id)


async def tenant(client: ApiClient, db: Any, org_name: str = "Acme Corp") -> tuple[ApiClient, dict[str, Any], str, str]:
    """A signed-in owner with an organization and a workspace they administer: (client, user, org id, ws id)."""
    owner, login = await client.signed_up()
    org = await make_org(owner, org_name)
    workspace = await make_workspace(db, org["id"], {login["user"]["id"]: "admin"})
    return owner, login["user"], org["id"], workspace


async def make_project(client: ApiClient, workspace: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "My Project", "slug": "", "key": "my-proj", "workspace": workspace, "methodology": "scrum"}
    body.update(fields)
    response = await client.post(PROJECTS, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_journey_workspace_to_project_overview(client, db):
    """Journey 3: create a project with an empty slug and a lowercase key; its overview, config and team load."""
    owner, user, org_id, workspace = await tenant(client, db)
    assert (await owner.get(f"{PROJECTS}?workspace={workspace}")).json()["count"] == 0
    created = await make_project(
        owner, workspace, description="d", status="active", priority="high", budget=1500, estimated_hours="40.5"
    )
    assert created["key"] == "MYPROJ"
    assert created["slug"] == "my-project"
    assert created["workspace"] == workspace
    assert created["workspace_details"]["name"] == "Team Space"
    assert created["workspace_details"]["organization"] == org_id
    assert created["lead"]["id"] == user["id"]
    assert created["created_by"]["user_uuid"] == user["user_uuid"]
    assert created["current_user_role"] == "admin"
    assert created["team_member_count"] == 1
    assert created["progress"] == 0
    assert created["budget"] == 1500 and created["estimated_hours"] == 40.5
    detail = (await owner.get(f"{PROJECTS}{created['id']}/")).json()
    assert detail["workspace"] == workspace
    assert detail["workspace_details"]["name"] == "Team Space"
    assert detail["status"] == "active" and detail["priority"] == "high"
    config = await owner.get(f"{CONFIGS}{created['id']}/")
    assert config.status_code == 200
    assert config.json()["project"] == created["id"]
    assert config.json()["sprint_duration"] == 2
    assert config.json()["estimation_type"] == "story_points"
    assert config.json()["story_point_scale"] == [1, 2, 3, 5, 8, 13, 21]
    members = (await owner.get(f"{PROJECTS}{created['id']}/members/")).json()
    assert members["count"] == 1
    assert members["results"][0]["role"] == "admin"
    assert members["results"][0]["user"]["user_uuid"] == user["user_uuid"]
    listed = (await owner.get(f"{PROJECTS}?workspace={workspace}")).json()
    assert [p["id"] for p in listed["results"]] == [created["id"]]
    assert listed["results"][0]["team_member_count"] == 1


async def test_new_project_gets_default_types_workflow_and_activity(client, db):
    """A new project has 6 issue types, To Do/In Progress/Done with 5 transitions, and a 'created' activity row."""
    owner, _, _, workspace = await tenant(client, db)
    project_id = uuid.UUID((await make_project(owner, workspace))["id"])
    async with db() as session:
        types = (await session.scalars(select(m.IssueType).where(m.IssueType.project_id == project_id))).all()
        statuses = (
            await session.scalars(
                select(m.WorkflowStatus)
                .where(m.WorkflowStatus.project_id == project_id)
                .order_by(m.WorkflowStatus.order)
            )
        ).all()
        transitions = (
            await session.scalars(select(m.WorkflowTransition).where(m.WorkflowTransition.project_id == project_id))
        ).all()
        activity = (await session.scalars(select(m.Activity).where(m.Activity.project_id == project_id))).all()
    assert sorted((t.category, t.is_default) for t in types) == [
        ("bug", True),
        ("epic", True),
        ("improvement", False),
        ("story", True),
        ("sub_task", False),
        ("task", True),
    ]
    assert all(t.color and t.icon for t in types)
    assert [(st.name, st.category, st.order) for st in statuses] == [
        ("To Do", "to_do", 0),
        ("In Progress", "in_progress", 1),
        ("Done", "done", 2),
    ]
    assert [st.name for st in statuses if st.is_initial] == ["To Do"]
    assert [st.name for st in statuses if st.is_final] == ["Done"]
    category = {st.id: st.category for st in statuses}
    assert sorted((category[t.from_status_id], category[t.to_status_id]) for t in transitions) == [
        ("done", "in_progress"),
        ("done", "to_do"),
        ("in_progress", "done"),
        ("in_progress", "to_do"),
        ("to_do", "in_progress"),
    ]
    assert [(a.action_type, a.object_type) for a in activity] == [("created", "project")]


async def test_on_project_created_hook_runs_after_commit(app_factory, db):
    """A plugin's on_project_created receives the new project's ids and key once project and config are committed."""
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from tests.conftest import TEST_DATABASE_URL

    received: list[Any] = []
    committed: list[bool] = []

    class Recorder:
        @hookimpl
        async def on_project_created(self, event):
            engine = create_async_engine(TEST_DATABASE_URL, poolclass=NullPool)
            async with engine.connect() as conn:
                found = await conn.scalar(
                    select(m.ProjectConfig.id).where(m.ProjectConfig.project_id == event.project_id)
                )
            await engine.dispose()
            committed.append(found is not None)
            received.append(event)

    app = app_factory(available={"recorder": Recorder()})
    async with AsyncTestClient(app=app) as raw:
        owner, login = await ApiClient(raw).signed_up()
        org = await make_org(owner)
        workspace = await make_workspace(db, org["id"], {login["user"]["id"]: "admin"})
        refused = await owner.post(PROJECTS, json={"name": "X", "key": "1x", "workspace": workspace})
        assert refused.status_code == 400
        created = await make_project(owner, workspace, key="hook")
    assert committed == [True]
    event = received[0]
    assert str(event.project_id) == created["id"]
    assert str(event.workspace_id) == workspace
    assert str(event.organization_id) == org["id"]
    assert event.key == "HOOK"
    assert event.actor_id == login["user"]["id"]
    async with db() as session:
        carrier = await session.get(m.Activity, event.event_id)
    assert carrier is not None
    assert (carrier.action_type, carrier.object_type, carrier.event_hook) == (
        "created",
        "project",
        "on_project_created",
    )
    assert str(carrier.project_id) == created["id"]


async def test_key_is_normalised_validated_and_unique_per_workspace(client, db):
    """Keys become upper-case letters and digits; bad or duplicate keys (in the same workspace only) are field errors."""
    owner, user, org_id, workspace = await tenant(client, db)
    assert (await make_project(owner, workspace, key="ab-12"))["key"] == "AB12"
    for bad in ("x", "1abc", "--"):
        response = await owner.post(PROJECTS, json={"name": "P", "key": bad, "workspace": workspace})
        assert response.status_code == 400, bad
        assert "key" in response.json()
    clash = await owner.post(PROJECTS, json={"name": "Other", "key": "AB_12", "workspace": workspace})
    assert clash.status_code == 400
    assert "already exists" in clash.json()["key"][0]
    other = await make_workspace(db, org_id, {user["id"]: "admin"}, name="Second")
    assert (await make_project(owner, other, key="ab-12"))["key"] == "AB12"
    bad_choice = await owner.post(PROJECTS, json={"name": "P", "key": "pp", "workspace": workspace, "status": "nope"})
    assert bad_choice.status_code == 400
    assert "status" in bad_choice.json()


async def test_multipart_create_with_json_header_and_edit_form_quirks(client, db):
    """A FormData body labelled JSON stores the cover; the edit form's `cover_image: {}` and same workspace are fine."""
    owner, user, org_id, workspace = await tenant(client, db)
    boundary = "----WebKitFormBoundaryP7MA4YWxkTrZu0gW"
    fields = [
        ("name", "Cover Project"),
        ("slug", ""),
        ("key", "cover-proj"),
        ("workspace", workspace),
        ("methodology", "kanban"),
        ("estimated_hours", "12.5"),
        ("budget", "1000"),
        ("end_date", "2030-01-31"),
        ("is_active", "true"),
        ("project_settings", '{"theme": "dark"}'),
    ]
    body = b""
    for key, value in fields:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
    body += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="cover_image"; filename="c.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + PNG
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = await owner.post(PROJECTS, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    project = response.json()
    assert project["cover_image_url"].startswith("/media/covers/")
    assert project["estimated_hours"] == 12.5 and project["budget"] == 1000
    assert project["end_date"] == project["due_date"] == "2030-01-31"
    assert project["project_settings"] == {"theme": "dark"}
    assert project["methodology"] == "kanban"
    assert (await owner.get(project["cover_image_url"])).content == PNG
    url = f"{PROJECTS}{project['id']}/"
    edited = await owner.patch(
        url,
        json={
            "name": "Renamed",
            "slug": "renamed",
            "workspace": workspace,
            "status": "on_hold",
            "due_date": "2030-02-28",
            "budget": "250.75",
            "is_active": True,
            "cover_image": {},
        },
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["name"] == "Renamed" and edited.json()["slug"] == "renamed"
    assert edited.json()["end_date"] == edited.json()["due_date"] == "2030-02-28"
    assert edited.json()["budget"] == 250.75
    assert edited.json()["cover_image_url"] == project["cover_image_url"]
    other = await make_workspace(db, org_id, {user["id"]: "admin"}, name="Elsewhere")
    moved = await owner.patch(url, json={"workspace": other})
    assert moved.status_code == 400
    assert "workspace" in moved.json()
    backwards = await owner.patch(url, json={"start_date": "2031-01-01"})
    assert backwards.status_code == 400
    assert "end_date" in backwards.json()


async def test_access_rules_for_strangers_workspace_members_viewers_and_project_members(client, db):
    """Strangers get 404 everywhere; workspace members see and create; viewers read only; project members see it."""
    owner, _, org_id, workspace = await tenant(client, db)
    project = await make_project(owner, workspace)
    pid = project["id"]

    stranger, _ = await client.signed_up()
    for method, url in (
        ("GET", f"{PROJECTS}{pid}/"),
        ("PATCH", f"{PROJECTS}{pid}/"),
        ("DELETE", f"{PROJECTS}{pid}/"),
        ("GET", f"{PROJECTS}{pid}/members/"),
        ("POST", f"{PROJECTS}{pid}/members/"),
        ("GET", f"{CONFIGS}{pid}/"),
        ("PATCH", f"{CONFIGS}{pid}/"),
    ):
        kwargs = {"json": {"name": "x", "user_id": 1}} if method in ("PATCH", "POST") else {}
        assert (await stranger.request(method, url, **kwargs)).status_code == 404, (method, url)
    assert (await stranger.get(PROJECTS)).json()["count"] == 0
    refused = await stranger.post(PROJECTS, json={"name": "Mine", "key": "mine", "workspace": workspace})
    assert refused.status_code == 404

    ws_member, ws_login = await client.signed_up()
    await join_org(db, org_id, ws_login["user"]["id"])
    async with db() as session:
        session.add(m.WorkspaceMember(workspace_id=uuid.UUID(workspace), user_id=ws_login["user"]["id"]))
        await session.commit()
    assert [p["id"] for p in (await ws_member.get(PROJECTS)).json()["results"]] == [pid]
    assert (await make_project(ws_member, workspace, name="Theirs", key="theirs"))["current_user_role"] == "admin"

    org_only, org_login = await client.signed_up()
    await join_org(db, org_id, org_login["user"]["id"])
    assert (await org_only.get(f"{PROJECTS}{pid}/")).status_code == 404  # private workspace, not on the project
    added = await owner.post(f"{PROJECTS}{pid}/members/", json={"user_id": org_login["user"]["id"], "role": "viewer"})
    assert added.status_code == 201, added.text
    assert (await org_only.get(f"{PROJECTS}{pid}/")).json()["current_user_role"] == "viewer"
    assert (await org_only.get(f"{CONFIGS}{pid}/")).status_code == 200
    denied = await org_only.patch(f"{PROJECTS}{pid}/", json={"name": "Hijacked"})
    assert denied.status_code == 404
    assert "admins" in denied.json()["message"]
    assert (await org_only.patch(f"{CONFIGS}{pid}/", json={"sprint_duration": 3})).status_code == 404
    assert (
        await org_only.post(f"{PROJECTS}{pid}/members/", json={"user_id": ws_login["user"]["id"]})
    ).status_code == 404

    member, member_login = await client.signed_up()
    await join_org(db, org_id, member_login["user"]["id"])
    added = await owner.post(f"{PROJECTS}{pid}/members/", json={"user_id": member_login["user"]["user_uuid"]})
    assert added.status_code == 201, added.text
    listed = (await member.get(PROJECTS)).json()
    assert [p["id"] for p in listed["results"]] == [pid]
    assert listed["results"][0]["current_user_role"] == "member"


async def test_project_list_never_crosses_tenants(client, db):
    """Filtering by another tenant's workspace or organization gives nothing; a malformed filter is a 400."""
    owner_a, _, org_a, ws_a = await tenant(client, db, "Tenant A")
    await make_project(owner_a, ws_a)
    owner_b, _, _, ws_b = await tenant(client, db, "Tenant B")
    await make_project(owner_b, ws_b, name="B Project", key="bproj")
    assert (await owner_b.get(f"{PROJECTS}?workspace={ws_a}")).json()["count"] == 0
    assert (await owner_b.get(f"{PROJECTS}?organization={org_a}")).json()["count"] == 0
    assert (await owner_b.get(f"{PROJECTS}?workspace=undefined")).json()["count"] == 1
    bad = await owner_b.get(f"{PROJECTS}?workspace=nope")
    assert bad.status_code == 400
    assert "workspace" in bad.json()


async def test_members_by_uuid_and_int_id_roles_removal_and_the_lead(client, db):
    """Add members by user_uuid or integer id, change roles, remove and re-add them; the lead cannot be removed."""
    owner, owner_user, org_id, workspace = await tenant(client, db)
    pid = (await make_project(owner, workspace))["id"]
    members_url = f"{PROJECTS}{pid}/members/"

    first, first_login = await client.signed_up()
    await join_org(db, org_id, first_login["user"]["id"])
    by_uuid = await owner.post(
        members_url, json={"project": pid, "user_id": first_login["user"]["user_uuid"], "role": "viewer"}
    )
    assert by_uuid.status_code == 201, by_uuid.text
    assert by_uuid.json()["role"] == "viewer" and by_uuid.json()["project"] == pid
    second, second_login = await client.signed_up()
    await join_org(db, org_id, second_login["user"]["id"])
    by_int = await owner.post(members_url, json={"user_id": str(second_login["user"]["id"]), "role": "developer"})
    assert by_int.status_code == 201, by_int.text
    assert by_int.json()["role"] == "member"
    again = await owner.post(members_url, json={"user_id": second_login["user"]["id"]})
    assert again.status_code == 400
    assert "already a member" in again.json()["message"]
    outsider, outsider_login = await client.signed_up()
    not_eligible = await owner.post(members_url, json={"user_id": outsider_login["user"]["id"]})
    assert not_eligible.status_code == 400
    assert (await owner.post(members_url, json={"user_id": "not-an-id"})).status_code == 400

    member_id = by_uuid.json()["id"]
    promoted = await owner.patch(f"{members_url}{member_id}/", json={"role": "admin"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    assert (await first.patch(f"{PROJECTS}{pid}/", json={"description": "now allowed"})).status_code == 200
    listed = (await owner.get(f"{members_url}?role=admin&ordering=-joined_at")).json()
    assert listed["count"] == 2
    assert (await owner.get(f"{members_url}?search={second_login['user']['username']}")).json()["count"] == 1

    lead_member = next(
        mb for mb in (await owner.get(members_url)).json()["results"] if mb["user"]["id"] == owner_user["id"]
    )
    lead_removal = await first.delete(f"{members_url}{lead_member['id']}/")
    assert lead_removal.status_code == 400
    assert "lead" in lead_removal.json()["message"]
    assert (await owner.delete(f"{members_url}{lead_member['id']}/")).status_code == 400

    second_member = by_int.json()["id"]
    assert (await second.delete(f"{members_url}{member_id}/")).status_code == 404  # a member cannot remove others
    assert (await second.delete(f"{members_url}{second_member}/")).status_code == 204  # but may leave
    assert (await second.get(f"{PROJECTS}{pid}/")).status_code == 404
    readded = await owner.post(members_url, json={"user_id": second_login["user"]["id"], "role": "viewer"})
    assert readded.status_code == 201
    assert readded.json()["id"] == second_member and readded.json()["role"] == "viewer"
    assert (await owner.get(f"{PROJECTS}{pid}/")).json()["team_member_count"] == 3
    async with db() as session:
        kinds = (
            await session.scalars(
                select(m.Activity.action_type).where(
                    m.Activity.project_id == uuid.UUID(pid), m.Activity.object_type == "member"
                )
            )
        ).all()
    assert sorted(kinds) == ["created", "created", "created", "deleted", "updated"]


async def test_config_post_updates_the_existing_one_and_validates(client, db):
    """POST /configs/ (the swagger placeholder scale included) updates the project's config; bad values are 400."""
    owner, _, _, workspace = await tenant(client, db)
    pid = (await make_project(owner, workspace))["id"]
    other = (await make_project(owner, workspace, name="Other", key="other"))["id"]
    scale = {"additionalProp1": "", "additionalProp2": "", "additionalProp3": ""}
    saved = await owner.post(
        CONFIGS,
        json={
            "project": pid,
            "sprint_duration": 1,
            "auto_close_sprints": True,
            "estimation_type": "hours",
            "story_point_scale": scale,
            "slack_webhook_url": "",
        },
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["sprint_duration"] == 1
    assert saved.json()["story_point_scale"] == scale
    assert saved.json()["auto_close_sprints"] is True
    put = await owner.put(f"{CONFIGS}{pid}/", json={"project": pid, "estimation_type": "t_shirt"})
    assert put.status_code == 200
    assert put.json()["estimation_type"] == "t_shirt" and put.json()["sprint_duration"] == 1
    assert (await owner.patch(f"{CONFIGS}{pid}/", json={"sprint_duration": 5})).status_code == 400
    assert (await owner.patch(f"{CONFIGS}{pid}/", json={"estimation_type": "guess"})).status_code == 400
    assert (await owner.put(f"{CONFIGS}{pid}/", json={"project": other})).status_code == 400
    assert (await owner.get(f"{CONFIGS}{uuid.uuid4()}/")).status_code == 404
    assert (await owner.get(f"{CONFIGS}{other}/")).json()["sprint_duration"] == 2


async def test_delete_is_soft_and_hides_the_project(client, db):
    """Deleting answers 204; the project vanishes from lists and lookups but its row stays, with an activity row."""
    owner, _, _, workspace = await tenant(client, db)
    pid = (await make_project(owner, workspace))["id"]
    assert (await owner.delete(f"{PROJECTS}{pid}/")).status_code == 204
    assert (await owner.get(f"{PROJECTS}{pid}/")).status_code == 404
    assert (await owner.get(f"{CONFIGS}{pid}/")).status_code == 404
    assert (await owner.get(PROJECTS)).json()["count"] == 0
    async with db() as session:
        row = await session.get(m.Project, uuid.UUID(pid))
        actions = (await session.scalars(select(m.Activity.action_type).where(m.Activity.project_id == row.id))).all()
    assert row is not None and row.is_active is False
    assert "deleted" in actions


async def test_list_uses_the_same_number_of_queries_for_any_page_size(client, db):
    """Listing 2 or 6 projects runs the same number of SQL statements (counts come from the same query)."""
    owner, _, _, workspace = await tenant(client, db)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    async def queries_for_list() -> int:
        statements.clear()
        event.listen(Engine, "before_cursor_execute", count)
        try:
            response = await owner.get(f"{PROJECTS}?ordering=priority,-name&page_size=50")
        finally:
            event.remove(Engine, "before_cursor_execute", count)
        assert response.status_code == 200
        return len(statements)

    for n in range(2):
        await make_project(owner, workspace, name=f"P{n}", key=f"pa{n}")
    few = await queries_for_list()
    for n in range(4):
        await make_project(owner, workspace, name=f"Q{n}", key=f"pb{n}", priority="critical")
    many = await queries_for_list()
    assert 0 < few == many
    listed = (await owner.get(f"{PROJECTS}?ordering=-priority&search=q")).json()
    assert listed["count"] == 4
    assert {p["priority"] for p in listed["results"]} == {"critical"}
    assert (await owner.get(f"{PROJECTS}?ordering=secret")).status_code == 400


async def test_progress_is_the_share_of_active_issues_in_a_final_status(client, db):
    """Progress counts active issues in a final status against all active issues of the project."""
    owner, user, _, workspace = await tenant(client, db)
    project = await make_project(owner, workspace)
    assert project["progress"] == 0
    pid = uuid.UUID(project["id"])
    async with db() as session:
        task = await session.scalar(select(m.IssueType.id).where(m.IssueType.project_id == pid))
        statuses = {
            st.category: st.id
            for st in await session.scalars(select(m.WorkflowStatus).where(m.WorkflowStatus.project_id == pid))
        }
        for number, (category, active) in enumerate(
            [("done", True), ("to_do", True), ("in_progress", True), ("done", True), ("done", False)], start=1
        ):
            session.add(
                m.Issue(
                    project_id=pid,
                    number=number,
                    title=f"Issue {number}",
                    issue_type_id=task,
                    status_id=statuses[category],
                    reporter_id=user["id"],
                    is_active=active,
                )
            )
        await session.commit()
    assert (await owner.get(f"{PROJECTS}{pid}/")).json()["progress"] == 50
    assert (await owner.get(PROJECTS)).json()["results"][0]["progress"] == 50


async def test_long_keys_from_the_client_are_shortened_not_refused(client):
    """The client derives the key from the name; a long one becomes initials, numbered if that is taken."""
    owner, _ = await client.signed_up()
    org = (await owner.post("/api/v1/orgs/organizations/", json={"name": "Keys Org"})).json()
    ws = (await owner.post("/api/v1/workspaces/", json={"organization": org["id"], "name": "Keys"})).json()
    keys = []
    for _ in range(2):
        response = await owner.post(
            "/api/v1/projects/projects/",
            json={"name": "Customer Portal Redesign", "key": "customer-portal-redesign", "workspace": ws["id"]},
        )
        assert response.status_code == 201, response.text
        keys.append(response.json()["key"])
    assert keys == ["CPR", "CPR2"]
    typed = await owner.post("/api/v1/projects/projects/", json={"name": "Other", "key": "cpr", "workspace": ws["id"]})
    assert typed.status_code == 400  # a key the user typed that is taken stays an error
