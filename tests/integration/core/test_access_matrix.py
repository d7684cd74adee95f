"""The access matrix: every tenancy route x every persona, with the status each must get.

The table is checked against the app's route table, so a new route without an entry fails this test.
Write cells act on disposable targets made for the cell, so one cell's change never affects another.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from core.db import models as m
from tests.integration.core.access_world import PERSONAS, World, build_world

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
# Routes outside the tenancy domains (auth, probes, docs, media) are covered by their own tests.
EXCLUDED_PREFIXES = ("/api/v1/auth", "/api/v1/system", "/api/schema", "/health", "/ready", "/media")

ALL = set(PERSONAS) - {"anonymous"}
ORG_MEMBERS = ALL - {"stranger"}
ONLY_OWNER = {"org_owner"}


@dataclass
class Call:
    """One request to make: url, JSON body or multipart files."""

    url: str
    json: Any = None
    files: dict[str, Any] | None = None


Builder = Callable[[World, Any], Awaitable[Call]]


@dataclass
class Cell:
    """A route's request builder and which personas succeed (with ``ok``); everyone else gets ``denied``."""

    build: Builder
    allowed: set[str]
    ok: int = 200
    denied: int = 404
    public: bool = False


async def _disposable_member(world: World, session: Any, role: str = "guest") -> uuid.UUID:
    user = m.User(email=f"d-{uuid.uuid4().hex[:8]}@world.test", username=f"d_{uuid.uuid4().hex[:8]}")
    session.add(user)
    await session.flush()
    member = m.OrgMember(organization_id=world.org.id, user_id=user.id, role=role)
    session.add(member)
    await session.commit()
    return member.id


async def _disposable_org(world: World, session: Any) -> uuid.UUID:
    """A new organization where every persona has the same role as in the world's organization."""
    org = m.Organization(name="Doomed", slug=f"doomed-{uuid.uuid4().hex[:8]}", owner_id=world.users["org_owner"].id)
    session.add(org)
    await session.flush()
    roles = await session.execute(m.OrgMember.__table__.select().where(m.OrgMember.organization_id == world.org.id))
    for row in roles.mappings():
        session.add(m.OrgMember(organization_id=org.id, user_id=row["user_id"], role=row["role"]))
    await session.commit()
    return org.id


async def _disposable_invitation(world: World, session: Any) -> uuid.UUID:
    invitation = m.Invitation(
        organization_id=world.org.id,
        email=f"{uuid.uuid4().hex[:8]}@world.test",
        token=secrets.token_urlsafe(32),
        invited_by_id=world.users["org_owner"].id,
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7),
    )
    session.add(invitation)
    await session.commit()
    return invitation.id


def _static(url: str, json: Any = None) -> Builder:
    async def build(world: World, session: Any) -> Call:
        return Call(url.format(w=world), json)

    return build


async def _member_patch(world: World, session: Any) -> Call:
    member_id = await _disposable_member(world, session)
    return Call(f"/api/v1/orgs/organizations/{world.org.id}/members/{member_id}", {"role": "member"})


async def _member_delete(world: World, session: Any) -> Call:
    member_id = await _disposable_member(world, session)
    return Call(f"/api/v1/orgs/organizations/{world.org.id}/members/{member_id}")


async def _membership_role(world: World, session: Any) -> Call:
    return Call(f"/api/v1/orgs/members/{await _disposable_member(world, session)}/update-role", {"role": "member"})


async def _membership_delete(world: World, session: Any) -> Call:
    return Call(f"/api/v1/orgs/members/{await _disposable_member(world, session)}")


async def _org_delete(world: World, session: Any) -> Call:
    return Call(f"/api/v1/orgs/organizations/{await _disposable_org(world, session)}")


async def _invitation_cancel(world: World, session: Any) -> Call:
    return Call(f"/api/v1/orgs/invitations/{await _disposable_invitation(world, session)}")


async def _invitation_resend(world: World, session: Any) -> Call:
    return Call(f"/api/v1/orgs/invitations/{await _disposable_invitation(world, session)}/resend", {})


async def _logo(world: World, session: Any) -> Call:
    return Call(f"/api/v1/orgs/organizations/{world.org.id}/upload-logo", files={"logo": ("l.png", PNG, "image/png")})


async def _invite(world: World, session: Any) -> Call:
    return Call(
        "/api/v1/orgs/invitations", {"organization": str(world.org.id), "email": f"{uuid.uuid4().hex[:8]}@x.test"}
    )


MATRIX: dict[tuple[str, str], Cell] = {
    # Organizations.
    ("GET", "/api/v1/orgs/organizations"): Cell(_static("/api/v1/orgs/organizations"), ALL),
    ("POST", "/api/v1/orgs/organizations"): Cell(_static("/api/v1/orgs/organizations", {"name": "New"}), ALL, ok=201),
    ("GET", "/api/v1/orgs/organizations/{org_id:uuid}"): Cell(
        _static("/api/v1/orgs/organizations/{w.org.id}"), ORG_MEMBERS
    ),
    ("PATCH", "/api/v1/orgs/organizations/{org_id:uuid}"): Cell(
        _static("/api/v1/orgs/organizations/{w.org.id}", {"description": "x"}), ONLY_OWNER
    ),
    ("PUT", "/api/v1/orgs/organizations/{org_id:uuid}"): Cell(
        _static("/api/v1/orgs/organizations/{w.org.id}", {"description": "y"}), ONLY_OWNER
    ),
    ("DELETE", "/api/v1/orgs/organizations/{org_id:uuid}"): Cell(_org_delete, ONLY_OWNER, ok=204),
    ("POST", "/api/v1/orgs/organizations/{org_id:uuid}/upload-logo"): Cell(_logo, ONLY_OWNER),
    ("GET", "/api/v1/orgs/organizations/{org_id:uuid}/members"): Cell(
        _static("/api/v1/orgs/organizations/{w.org.id}/members"), ORG_MEMBERS
    ),
    ("PATCH", "/api/v1/orgs/organizations/{org_id:uuid}/members/{member_id:uuid}"): Cell(_member_patch, ONLY_OWNER),
    ("DELETE", "/api/v1/orgs/organizations/{org_id:uuid}/members/{member_id:uuid}"): Cell(
        _member_delete, ONLY_OWNER, ok=204
    ),
    # Memberships by id.
    ("GET", "/api/v1/orgs/members"): Cell(_static("/api/v1/orgs/members?organization={w.org.id}"), ORG_MEMBERS),
    ("GET", "/api/v1/orgs/members/{member_id:uuid}"): Cell(
        _static("/api/v1/orgs/members/{w.members[org_member]}"), ORG_MEMBERS
    ),
    ("PATCH", "/api/v1/orgs/members/{member_id:uuid}/update-role"): Cell(_membership_role, ONLY_OWNER),
    ("DELETE", "/api/v1/orgs/members/{member_id:uuid}"): Cell(_membership_delete, ONLY_OWNER, ok=204),
    # Invitations.
    ("POST", "/api/v1/orgs/invitations"): Cell(_invite, ONLY_OWNER, ok=201),
    ("GET", "/api/v1/orgs/invitations"): Cell(_static("/api/v1/orgs/invitations?organization={w.org.id}"), ALL),
    ("GET", "/api/v1/orgs/invitations/{token:str}"): Cell(
        _static("/api/v1/orgs/invitations/{w.invitation.token}"), set(PERSONAS), public=True
    ),
    ("DELETE", "/api/v1/orgs/invitations/{invitation_id:uuid}"): Cell(_invitation_cancel, ONLY_OWNER, ok=204),
    ("POST", "/api/v1/orgs/invitations/{invitation_id:uuid}/resend"): Cell(_invitation_resend, ONLY_OWNER),
    # Addressed to someone else's email: every signed-in persona gets the "sent to another address" 400.
    ("POST", "/api/v1/orgs/invitations/{token:str}/accept"): Cell(
        _static("/api/v1/orgs/invitations/{w.invitation.token}/accept", {}), set(), denied=400
    ),
    ("POST", "/api/v1/orgs/invitations/{token:str}/reject"): Cell(
        _static("/api/v1/orgs/invitations/{w.invitation.token}/reject", {}), set(), denied=400
    ),
}


def _app_routes(app: Any) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if route.path.startswith(EXCLUDED_PREFIXES) or not hasattr(route, "route_handler_map"):
            continue
        for method in route.methods:
            if method not in ("OPTIONS", "HEAD"):
                found.add((method, route.path))
    return found


def test_every_tenancy_route_has_a_matrix_entry(app_factory):
    """A route added without an access entry fails here (and an entry for a removed route too)."""
    app = app_factory()
    assert sorted(_app_routes(app) ^ set(MATRIX)) == []


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX), ids=lambda value: str(value))
async def test_access_matrix(client, db, method, path):
    """Each persona gets exactly the expected status on this route."""
    cell = MATRIX[(method, path)]
    async with db() as session:
        world = await build_world(session, client.raw.app.state.auth.codec)
    results = {}
    for persona in PERSONAS:
        async with db() as session:
            call = await cell.build(world, session)
        token = world.tokens[persona]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        kwargs: dict[str, Any] = {"headers": headers}
        if call.files:
            kwargs["files"] = call.files
        elif call.json is not None:
            kwargs["json"] = call.json
        response = await client.raw.request(method, call.url, **kwargs)
        results[persona] = response.status_code
    expected = {
        persona: (
            cell.ok if persona in cell.allowed else 401 if persona == "anonymous" and not cell.public else cell.denied
        )
        for persona in PERSONAS
    }
    assert results == expected
