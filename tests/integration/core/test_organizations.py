"""Organizations: create (owner), list with counts, edit, logo upload, soft delete, members and roles."""

from __future__ import annotations

import uuid

import pytest
from litestar.testing import AsyncTestClient

from core.hookspecs import hookimpl
from tests.helpers import ApiClient

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def make_org(client, **fields):
    body = {
        "name": "Acme Corp",
        "slug": "",
        "description": "d",
        "organization_type": "startup",
        "subscription_plan": "free",
        "website_url": "",
        "is_active": True,
    }
    body.update(fields)
    response = await client.post("/api/v1/orgs/organizations/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_org_derives_slug_and_makes_caller_owner(client):
    """A blank slug is derived from the name (and made unique); the creator is the owner and only member."""
    owner, login = await client.signed_up()
    first = await make_org(owner, name="Área Cinco!")
    assert first["slug"] == "area-cinco"
    assert first["owner"]["id"] == login["user"]["id"]
    assert first["member_count"] == 1
    assert first["workspace_count"] == 0
    assert first["current_user_role"] == "owner"
    second = await make_org(owner, name="Area Cinco")
    assert second["slug"] == "area-cinco-2"
    listed = (await owner.get("/api/v1/orgs/organizations/")).json()
    assert listed["count"] == 2
    # Dashboard growth figures: everything is new this week.
    assert listed["results"][0]["team_members_change_pct"] == 100.0
    assert listed["results"][0]["organizations_change_pct"] == 100.0
    assert listed["results"][0]["total_workspaces_change_pct"] == 0.0
    members = (await owner.get(f"/api/v1/orgs/organizations/{first['id']}/members/")).json()
    assert [mb["role"] for mb in members["results"]] == ["owner"]


async def test_org_create_validates_and_accepts_multipart_logo_with_json_header(client):
    """Bad enum values are field errors; a FormData body sent as JSON (contract X3) stores the logo."""
    owner, _ = await client.signed_up()
    bad = await owner.post("/api/v1/orgs/organizations/", json={"name": "X", "organization_type": "pirate"})
    assert bad.status_code == 400
    assert "organization_type" in bad.json()
    boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
    parts = [("name", "Logo Org"), ("slug", ""), ("is_active", "true"), ("organization_settings", '{"a": 1}')]
    body = b""
    for key, value in parts:
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
    body += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="logo"; filename="l.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + PNG
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = await owner.post(
        "/api/v1/orgs/organizations/", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    org = response.json()
    assert org["logo_url"].startswith("/media/logos/") and org["logo_url"].endswith(".png")
    assert org["organization_settings"] == {"a": 1}
    served = await owner.get(org["logo_url"])
    assert served.status_code == 200
    assert served.content == PNG


async def test_strangers_see_nothing_and_members_cannot_edit(client):
    """Another user's organization is a 404 for reading and writing; it never appears in their list."""
    owner, _ = await client.signed_up()
    org = await make_org(owner)
    stranger, _ = await client.signed_up()
    assert (await stranger.get(f"/api/v1/orgs/organizations/{org['id']}/")).status_code == 404
    assert (await stranger.patch(f"/api/v1/orgs/organizations/{org['id']}/", json={"name": "x"})).status_code == 404
    assert (await stranger.get("/api/v1/orgs/organizations/")).json()["count"] == 0


async def test_delete_needs_confirmation_when_it_holds_workspaces(client, db):
    """Deleting an organization with workspaces asks for ?confirm=true, then hides it."""
    from core.db import models as m

    owner, _ = await client.signed_up()
    org = await make_org(owner)
    async with db() as session:
        session.add(m.Workspace(organization_id=uuid.UUID(org["id"]), name="W", slug="w"))
        await session.commit()
    refused = await owner.delete(f"/api/v1/orgs/organizations/{org['id']}/")
    assert refused.status_code == 400
    assert "confirm" in refused.json()
    done = await owner.delete(f"/api/v1/orgs/organizations/{org['id']}/?confirm=true")
    assert done.status_code == 204
    assert (await owner.get(f"/api/v1/orgs/organizations/{org['id']}/")).status_code == 404


async def test_invitation_accept_and_roles_with_last_owner_protected(client):
    """Invite by email, accept while signed in with it, then role rules: the last owner cannot be demoted or removed."""
    owner, owner_login = await client.signed_up()
    org = await make_org(owner)
    invited = await owner.post(
        "/api/v1/orgs/invitations/",
        json={"organization": org["id"], "email": "New.Person@Example.com", "role": "admin"},
    )
    assert invited.status_code == 201, invited.text
    invitation = invited.json()["invitation"]
    assert invitation["status"] == "pending"
    again = await owner.post(
        "/api/v1/orgs/invitations/", json={"organization": org["id"], "email": "new.person@example.com"}
    )
    assert again.status_code == 400
    public = await client.get(f"/api/v1/orgs/invitations/{invitation['token']}/")
    assert public.status_code == 200
    assert public.json()["organization"]["name"] == org["name"]
    wrong, _ = await client.signed_up()
    assert (await wrong.post(f"/api/v1/orgs/invitations/{invitation['token']}/accept/")).status_code == 400
    newcomer, _ = await client.signed_up(email="new.person@example.com")
    accepted = await newcomer.post(f"/api/v1/orgs/invitations/{invitation['token']}/accept/")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "admin"
    members = (await owner.get(f"/api/v1/orgs/organizations/{org['id']}/members/")).json()["results"]
    assert sorted(mb["role"] for mb in members) == ["admin", "owner"]
    owner_member = next(mb for mb in members if mb["role"] == "owner")
    demote = await owner.patch(f"/api/v1/orgs/members/{owner_member['id']}/update-role/", json={"role": "member"})
    assert demote.status_code == 400
    remove = await owner.delete(f"/api/v1/orgs/members/{owner_member['id']}/")
    assert remove.status_code == 400
    # An admin cannot touch the owner.
    assert (
        await newcomer.patch(f"/api/v1/orgs/members/{owner_member['id']}/update-role/", json={"role": "guest"})
    ).status_code == 404


class TenancyEvents:
    """Captures organization and invitation events, as the notifications plugin would."""

    def __init__(self) -> None:
        self.events: list[object] = []

    @hookimpl
    def on_tenant_created(self, event):
        self.events.append(event)

    @hookimpl
    async def on_member_invited(self, event):
        self.events.append(event)


async def test_tenant_created_and_member_invited_events_carry_what_a_mailer_needs(app_factory):
    """Creating an organization and inviting someone each fire one event after commit; resending fires again."""
    catcher = TenancyEvents()
    async with AsyncTestClient(app=app_factory(available={"catcher": catcher})) as raw:
        owner, login = await ApiClient(raw).signed_up()
        org = await make_org(owner, name="Evented")
        invited = await owner.post(
            "/api/v1/orgs/invitations/", json={"organization": org["id"], "email": "guest@example.com", "role": "guest"}
        )
        invitation = invited.json()["invitation"]
        await owner.post(f"/api/v1/orgs/invitations/{invitation['id']}/resend/", json={})
    created, invited_event, resent = catcher.events
    assert created.organization_id == uuid.UUID(org["id"])
    assert created.owner_id == login["user"]["id"]
    assert invited_event.email == "guest@example.com"
    assert invited_event.role == "guest"
    assert invited_event.accept_url.endswith(f"token={invitation['token']}")
    assert invited_event.resent is False
    assert resent.resent is True
