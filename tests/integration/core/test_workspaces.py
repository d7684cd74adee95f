"""Workspaces: create (creator is admin), list and detail with counts, edit, cover image, soft delete, members."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from core.db import models as m
from tests.query_counter import QueryCounter

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WS = "/api/v1/workspaces"
MEMBERS = "/api/v1/workspaces/members"


async def make_org(client, **fields):
    body = {"name": "Acme Corp", "slug": "", "organization_type": "startup", "subscription_plan": "free"}
    body.update(fields)
    response = await client.post("/api/v1/orgs/organizations/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def make_ws(client, org, **fields):
    body = {
        "organization": org["id"],
        "name": "Backend Team",
        "slug": "",
        "description": "APIs",
        "workspace_type": "development",
        "visibility": "private",
        "is_active": True,
    }
    body.update(fields)
    response = await client.post(f"{WS}/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def join_org(client, db, org, role="member"):
    """A new signed-in user who is an active member of ``org`` with ``role``."""
    user, login = await client.signed_up()
    async with db() as session:
        session.add(m.OrgMember(organization_id=uuid.UUID(org["id"]), user_id=login["user"]["id"], role=role))
        await session.commit()
    return user, login["user"]


async def test_journey_create_workspace_and_manage_its_members(client, db):
    """Org -> create workspace -> list/detail -> add an org member -> change their role -> remove them."""
    owner, owner_login = await client.signed_up()
    org = await make_org(owner)
    ws = await make_ws(owner, org)
    assert ws["slug"] == "backend-team"
    assert ws["organization"] == org["id"]
    assert ws["organization_details"] == {
        "id": org["id"],
        "name": "Acme Corp",
        "slug": org["slug"],
        "organization_type": "startup",
        "logo_url": None,
        "subscription_plan": "free",
        "is_active": True,
    }
    assert ws["created_by"]["id"] == owner_login["user"]["id"]
    assert (ws["member_count"], ws["project_count"], ws["current_user_role"]) == (1, 0, "admin")
    assert ws["workspace_type"] == "development" and ws["visibility"] == "private"
    assert ws["workspace_settings"] == {} and ws["cover_image_url"] is None

    listed = (await owner.get(f"{WS}/?organization={org['id']}")).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == ws["id"]
    assert (await owner.get(f"{WS}?organization=undefined&page=1&search=backend")).json()["count"] == 1
    assert (await owner.get(f"{WS}/{ws['id']}/")).json()["name"] == "Backend Team"

    colleague, colleague_user = await join_org(client, db, org)
    added = await owner.post(
        f"{MEMBERS}/", json={"workspace": ws["id"], "user_id": str(colleague_user["id"]), "role": "member"}
    )
    assert added.status_code == 201, added.text
    member = added.json()
    assert member["workspace"] == ws["id"] and member["role"] == "member" and member["is_active"] is True
    user = member["user"]
    assert user["id"] == colleague_user["id"] and user["user_uuid"] == colleague_user["user_uuid"]
    assert {"full_name", "email", "username", "is_verified"} <= set(user)
    assert {"avatar_url", "bio", "is_online", "last_activity"} <= set(user["profile"])

    by_query = (await owner.get(f"{MEMBERS}/?workspace={ws['id']}")).json()
    by_path = (await owner.get(f"{WS}/{ws['id']}/members/")).json()
    assert by_query["count"] == by_path["count"] == 2
    assert {mb["role"] for mb in by_path["results"]} == {"admin", "member"}
    assert (await owner.get(f"{WS}/{ws['id']}/")).json()["member_count"] == 2
    # The colleague now sees the private workspace.
    assert (await colleague.get(f"{WS}/{ws['id']}/")).json()["current_user_role"] == "member"

    changed = await owner.patch(f"{MEMBERS}/{member['id']}/update-role/", json={"role": "manager"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "manager"
    assert (await owner.get(f"{MEMBERS}/{member['id']}/")).json()["role"] == "manager"

    removed = await owner.delete(f"{MEMBERS}/{member['id']}/")
    assert removed.status_code == 204
    assert (await owner.get(f"{MEMBERS}/?workspace={ws['id']}")).json()["count"] == 1
    assert (await colleague.get(f"{WS}/{ws['id']}/")).status_code == 404

    async with db() as session:
        rows = (
            await session.scalars(
                select(m.Activity).where(m.Activity.workspace_id == uuid.UUID(ws["id"])).order_by(m.Activity.id)
            )
        ).all()
    assert [(row.object_type, row.action_type) for row in rows] == [
        ("workspace", "created"),
        ("member", "created"),
        ("member", "updated"),
        ("member", "deleted"),
    ]
    assert all(row.organization_id == uuid.UUID(org["id"]) for row in rows)


async def test_multipart_create_with_json_header_stores_the_cover(client):
    """A FormData create sent as JSON (contract X3) stores the cover; upload-cover replaces it."""
    owner, _ = await client.signed_up()
    org = await make_org(owner)
    boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
    parts = [
        ("organization", org["id"]),
        ("name", "Design"),
        ("slug", ""),
        ("description", ""),
        ("workspace_type", "design"),
        ("visibility", "public"),
        ("is_active", "true"),
        ("workspace_settings", '{"theme": "dark"}'),
    ]
    body = b""
    for key, value in parts:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
    body += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="cover_image"; filename="c.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + PNG
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = await owner.post(f"{WS}/", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    ws = response.json()
    assert ws["cover_image_url"].startswith("/media/covers/") and ws["cover_image_url"].endswith(".png")
    assert ws["workspace_settings"] == {"theme": "dark"}
    assert (ws["slug"], ws["visibility"], ws["is_active"]) == ("design", "public", True)
    served = await owner.get(ws["cover_image_url"])
    assert served.status_code == 200 and served.content == PNG

    uploaded = await owner.post(f"{WS}/{ws['id']}/upload-cover/", files={"cover_image": ("n.png", PNG, "image/png")})
    assert uploaded.status_code == 200, uploaded.text
    url = uploaded.json()["cover_image_url"]
    assert url.startswith("/media/covers/") and url != ws["cover_image_url"]
    assert (await owner.get(f"{WS}/{ws['id']}/")).json()["cover_image_url"] == url
    missing = await owner.post(f"{WS}/{ws['id']}/upload-cover/", files={"other": ("n.png", PNG, "image/png")})
    assert missing.status_code == 400 and "cover_image" in missing.json()
    not_image = await owner.post(f"{WS}/{ws['id']}/upload-cover/", files={"cover_image": ("x.png", b"hi", "image/png")})
    assert not_image.status_code == 400 and "cover_image" in not_image.json()


async def test_slug_is_derived_unique_per_organization_and_validated(client):
    """A blank slug comes from the name and is unique in its organization; bad values are field errors."""
    owner, _ = await client.signed_up()
    org = await make_org(owner)
    other = await make_org(owner, name="Other Org")
    assert (await make_ws(owner, org, name="Área Cinco!"))["slug"] == "area-cinco"
    assert (await make_ws(owner, org, name="Area Cinco"))["slug"] == "area-cinco-2"
    assert (await make_ws(owner, other, name="Area Cinco"))["slug"] == "area-cinco"
    taken = await owner.post(f"{WS}/", json={"organization": org["id"], "name": "X", "slug": "area-cinco"})
    assert taken.status_code == 400 and "slug" in taken.json()
    bad_slug = await owner.post(f"{WS}/", json={"organization": org["id"], "name": "X", "slug": "Not a slug"})
    assert bad_slug.status_code == 400 and "slug" in bad_slug.json()
    bad_type = await owner.post(f"{WS}/", json={"organization": org["id"], "name": "X", "workspace_type": "pirate"})
    assert bad_type.status_code == 400
    assert "development" in bad_type.json()["workspace_type"][0]
    bad_vis = await owner.post(f"{WS}/", json={"organization": org["id"], "name": "X", "visibility": "secret"})
    assert bad_vis.status_code == 400 and "restricted" in bad_vis.json()["visibility"][0]
    blank = await owner.post(f"{WS}/", json={"organization": org["id"], "name": "   "})
    assert blank.status_code == 400 and "name" in blank.json()
    no_org = await owner.post(f"{WS}/", json={"name": "X"})
    assert no_org.status_code == 400 and "organization" in no_org.json()
    ws = await make_ws(owner, org, name="Renamed Later")
    edited = await owner.patch(
        f"{WS}/{ws['id']}/", json={"name": "Renamed", "slug": "renamed", "visibility": "public", "cover_image": {}}
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["slug"], edited.json()["visibility"]) == (
        "Renamed",
        "renamed",
        "public",
    )
    clash = await owner.patch(f"{WS}/{ws['id']}/", json={"slug": "area-cinco"})
    assert clash.status_code == 400 and "slug" in clash.json()
    assert (await owner.get(f"{WS}/?ordering=pirate")).status_code == 400
    assert (await owner.get(f"{WS}/?workspace_type=pirate")).status_code == 400
    by_type = (await owner.get(f"{WS}/?organization={org['id']}&workspace_type=development&ordering=name")).json()
    names = [w["name"] for w in by_type["results"]]
    assert sorted(names) == ["Area Cinco", "Renamed", "Área Cinco!"]
    assert names.index("Area Cinco") < names.index("Renamed")  # accents sort by the database's collation


async def test_who_sees_and_manages_which_workspace(client, db):
    """Strangers see nothing; org members see public workspaces only; org admins manage all; viewers cannot edit."""
    owner, _ = await client.signed_up()
    org = await make_org(owner)
    private = await make_ws(owner, org, name="Private")
    public = await make_ws(owner, org, name="Public", visibility="public")

    stranger, _ = await client.signed_up()
    assert (await stranger.get(f"{WS}/{private['id']}/")).status_code == 404
    assert (await stranger.get(f"{WS}/{public['id']}/")).status_code == 404
    assert (await stranger.get(f"{WS}/")).json()["count"] == 0
    assert (await stranger.get(f"{WS}/{public['id']}/members/")).status_code == 404
    assert (await stranger.patch(f"{WS}/{public['id']}/", json={"name": "x"})).status_code == 404
    assert (await stranger.delete(f"{WS}/{public['id']}/")).status_code == 404
    create = await stranger.post(f"{WS}/", json={"organization": org["id"], "name": "Sneaky"})
    assert create.status_code == 404 and "not a member" in create.json()["detail"]

    member, member_user = await join_org(client, db, org)
    listed = (await member.get(f"{WS}/")).json()
    assert [w["name"] for w in listed["results"]] == ["Public"]
    assert listed["results"][0]["current_user_role"] is None
    assert (await member.get(f"{WS}/{private['id']}/")).status_code == 404
    assert (await member.get(f"{WS}/{public['id']}/members/")).json()["count"] == 1
    denied = await member.patch(f"{WS}/{public['id']}/", json={"name": "x"})
    assert denied.status_code == 404 and "admins" in denied.json()["detail"]
    assert (await make_ws(member, org, name="Mine"))["current_user_role"] == "admin"

    guest, _ = await join_org(client, db, org, role="guest")
    refused = await guest.post(f"{WS}/", json={"organization": org["id"], "name": "Guest WS"})
    assert refused.status_code == 404 and "Guests" in refused.json()["detail"]

    admin, _ = await join_org(client, db, org, role="admin")
    assert (await admin.get(f"{WS}/")).json()["count"] == 3
    assert (await admin.patch(f"{WS}/{private['id']}/", json={"description": "by admin"})).status_code == 200
    viewer = await admin.post(
        f"{MEMBERS}/", json={"workspace": private["id"], "user_id": member_user["id"], "role": "viewer"}
    )
    assert viewer.status_code == 201, viewer.text
    assert (await member.get(f"{WS}/{private['id']}/")).json()["current_user_role"] == "viewer"
    assert (await member.patch(f"{WS}/{private['id']}/", json={"name": "x"})).status_code == 404
    assert (await member.delete(f"{WS}/{private['id']}/")).status_code == 404
    assert (
        await member.patch(f"{MEMBERS}/{viewer.json()['id']}/update-role/", json={"role": "admin"})
    ).status_code == 404


async def test_members_and_workspaces_never_cross_tenants(client, db):
    """Another organization's workspace members and workspaces stay invisible, whatever ids are passed."""
    owner, _ = await client.signed_up()
    org = await make_org(owner)
    await make_ws(owner, org, name="Mine")
    other_owner, _ = await client.signed_up()
    other_org = await make_org(other_owner, name="Other")
    other_ws = await make_ws(other_owner, other_org, name="Theirs", visibility="public")
    their_member = (await other_owner.get(f"{MEMBERS}/?workspace={other_ws['id']}")).json()["results"][0]

    assert (await owner.get(f"{MEMBERS}/?workspace={other_ws['id']}")).status_code == 404
    assert (await owner.get(f"{WS}/?organization={other_org['id']}")).json()["count"] == 0
    unfiltered = (await owner.get(f"{MEMBERS}/")).json()
    assert unfiltered["count"] == 1
    assert unfiltered["results"][0]["user"]["id"] != their_member["user"]["id"]
    assert (await owner.get(f"{MEMBERS}/{their_member['id']}/")).status_code == 404
    assert (await owner.patch(f"{MEMBERS}/{their_member['id']}/", json={"role": "viewer"})).status_code == 404
    assert (await owner.delete(f"{MEMBERS}/{their_member['id']}/")).status_code == 404
    stranger_id = (await other_owner.get(f"{WS}/{other_ws['id']}/")).json()["created_by"]["id"]
    add = await owner.post(f"{MEMBERS}/", json={"workspace": other_ws["id"], "user_id": stranger_id})
    assert add.status_code == 404
    assert (await owner.get(f"{MEMBERS}/?workspace=not-a-uuid")).status_code == 400


async def test_delete_is_soft_and_needs_confirmation_with_projects(client, db):
    """Deleting a workspace with active projects asks for ?confirm=true, then hides it and logs it."""
    owner, _ = await client.signed_up()
    org = await make_org(owner)
    empty = await make_ws(owner, org, name="Empty")
    assert (await owner.delete(f"{WS}/{empty['id']}/")).status_code == 204
    ws = await make_ws(owner, org, name="Busy")
    async with db() as session:
        session.add(m.Project(workspace_id=uuid.UUID(ws["id"]), name="P", slug="p", key="P"))
        await session.commit()
    assert (await owner.get(f"{WS}/{ws['id']}/")).json()["project_count"] == 1
    refused = await owner.delete(f"{WS}/{ws['id']}/")
    assert refused.status_code == 400
    assert "confirm=true" in refused.json()["confirm"][0]
    assert (await owner.delete(f"{WS}/{ws['id']}/?confirm=true")).status_code == 204
    assert (await owner.get(f"{WS}/{ws['id']}/")).status_code == 404
    assert (await owner.get(f"{WS}/")).json()["count"] == 0
    async with db() as session:
        row = await session.get(m.Workspace, uuid.UUID(ws["id"]))
        assert row is not None and row.is_active is False
        logged = await session.scalar(
            select(m.Activity).where(m.Activity.workspace_id == row.id, m.Activity.action_type == "deleted")
        )
    assert logged is not None and logged.changes == {"projects": 1}
    # Deactivating through an edit is not a back door around the confirmation.
    other = await make_ws(owner, org, name="Stays")
    kept = await owner.patch(f"{WS}/{other['id']}/", json={"is_active": False})
    assert kept.status_code == 200 and kept.json()["is_active"] is True


async def test_adding_members_checks_the_organization_and_keeps_an_admin(client, db):
    """Only org members can be added (by id or user_uuid); re-adding reactivates; the last admin stays."""
    owner, owner_login = await client.signed_up()
    org = await make_org(owner)
    ws = await make_ws(owner, org)
    _, outsider_login = await client.signed_up()
    outsider = outsider_login["user"]
    refused = await owner.post(f"{MEMBERS}/", json={"workspace": ws["id"], "user_id": str(outsider["id"])})
    assert refused.status_code == 400 and "organization" in refused.json()["user_id"][0]
    garbage = await owner.post(f"{MEMBERS}/", json={"workspace": ws["id"], "user_id": "someone"})
    assert garbage.status_code == 400 and "user_id" in garbage.json()
    bad_role = await owner.post(f"{MEMBERS}/", json={"workspace": ws["id"], "user_id": 1, "role": "owner"})
    assert bad_role.status_code == 400 and "viewer" in bad_role.json()["role"][0]

    colleague, colleague_user = await join_org(client, db, org)
    added = await owner.post(
        f"{MEMBERS}/", json={"workspace": ws["id"], "user_id": colleague_user["user_uuid"], "role": "admin"}
    )
    assert added.status_code == 201, added.text
    member = added.json()
    again = await owner.post(f"{MEMBERS}/", json={"workspace": ws["id"], "user_id": colleague_user["id"]})
    assert again.status_code == 400 and "already" in again.json()["user_id"][0]

    # A member may leave on their own; re-adding brings the same membership back.
    assert (await colleague.delete(f"{MEMBERS}/{member['id']}/")).status_code == 204
    back = await owner.post(
        f"{MEMBERS}/", json={"workspace": ws["id"], "user_id": colleague_user["id"], "role": "viewer"}
    )
    assert back.status_code == 201, back.text
    assert (back.json()["id"], back.json()["role"], back.json()["is_active"]) == (member["id"], "viewer", True)

    mine = next(
        mb
        for mb in (await owner.get(f"{WS}/{ws['id']}/members/")).json()["results"]
        if mb["user"]["id"] == owner_login["user"]["id"]
    )
    demote = await owner.patch(f"{MEMBERS}/{mine['id']}/update-role/", json={"role": "member"})
    assert demote.status_code == 400 and "admin" in demote.json()["role"][0]
    assert (await owner.delete(f"{MEMBERS}/{mine['id']}/")).status_code == 400
    assert (await owner.patch(f"{MEMBERS}/{back.json()['id']}/", json={"role": "admin"})).json()["role"] == "admin"
    assert (await owner.patch(f"{MEMBERS}/{mine['id']}/", json={"role": "member"})).json()["role"] == "member"
    assert (await owner.get(f"{MEMBERS}/?workspace={ws['id']}&role=admin")).json()["count"] == 1
    assert (await owner.get(f"{MEMBERS}/?workspace={ws['id']}&role=pirate")).status_code == 400
    found = (await owner.get(f"{MEMBERS}/?workspace={ws['id']}&search={colleague_user['username']}")).json()
    assert [mb["user"]["id"] for mb in found["results"]] == [colleague_user["id"]]


async def test_removing_a_member_ends_their_project_memberships_in_the_workspace(client, db):
    """Someone removed from a workspace no longer works in its projects."""
    owner, _ = await client.signed_up()
    org = await make_org(owner)
    ws = await make_ws(owner, org)
    _, colleague_user = await join_org(client, db, org)
    member = (await owner.post(f"{MEMBERS}/", json={"workspace": ws["id"], "user_id": colleague_user["id"]})).json()
    async with db() as session:
        project = m.Project(workspace_id=uuid.UUID(ws["id"]), name="P", slug="p", key="P")
        session.add(project)
        await session.flush()
        session.add(m.ProjectMember(project_id=project.id, user_id=colleague_user["id"], role="member"))
        await session.commit()
    assert (await owner.delete(f"{MEMBERS}/{member['id']}/")).status_code == 204
    async with db() as session:
        pm = await session.scalar(select(m.ProjectMember).where(m.ProjectMember.user_id == colleague_user["id"]))
    assert pm is not None and pm.is_active is False


async def test_workspace_lists_do_not_grow_with_the_page(client, db):
    """The workspace and member lists cost the same number of SQL statements for 2 or 12 rows."""
    owner, _ = await client.signed_up()
    org = await make_org(owner)
    workspaces = [await make_ws(owner, org, name=f"WS {n}") for n in range(12)]
    for _ in range(12):
        _, user = await join_org(client, db, org)
        await owner.post(f"{MEMBERS}/", json={"workspace": workspaces[0]["id"], "user_id": user["id"]})

    async def statements(url):
        counter = QueryCounter()
        with counter.counting():
            response = await owner.get(url)
        assert response.status_code == 200, response.text
        return counter.count

    assert await statements(f"{WS}/?page_size=2") == await statements(f"{WS}/?page_size=12")
    members = f"{MEMBERS}/?workspace={workspaces[0]['id']}"
    assert await statements(f"{members}&page_size=2") == await statements(f"{members}&page_size=12")
    page = (await owner.get(f"{WS}/?page_size=5&page=2&ordering=-member_count")).json()
    assert page["count"] == 12 and len(page["results"]) == 5 and page["next"] and page["previous"]
