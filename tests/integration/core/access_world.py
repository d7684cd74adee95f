"""A small tenancy world for access tests: one organization with a persona for every access tier, and a stranger.

Rows are inserted directly (no password hashing) and tokens are issued with the app's own codec, so building a
world costs a few milliseconds.
"""

from __future__ import annotations

import datetime
import itertools
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from core.db import models as m

PERSONAS = (
    "anonymous",
    "stranger",
    "org_member",
    "workspace_member",
    "project_viewer",
    "project_admin",
    "org_owner",
)
_ids = itertools.count(1)


@dataclass
class World:
    """Ids of everything the access tests address, and a token per persona."""

    users: dict[str, m.User] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)
    org: m.Organization | None = None
    workspace: m.Workspace | None = None
    project: m.Project | None = None
    other_org: m.Organization | None = None
    other_workspace: m.Workspace | None = None
    other_project: m.Project | None = None
    invitation: m.Invitation | None = None
    issue_type: m.IssueType | None = None
    todo: m.WorkflowStatus | None = None
    done: m.WorkflowStatus | None = None
    issue: m.Issue | None = None
    members: dict[str, uuid.UUID] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def _user(persona: str) -> m.User:
    n = next(_ids)
    return m.User(email=f"{persona}-{n}@world.test", username=f"{persona}_{n}", first_name=persona, last_name=str(n))


async def build_world(session: Any, codec: Any) -> World:
    """Insert the world and return it (committed)."""
    world = World()
    for persona in PERSONAS[1:]:
        world.users[persona] = _user(persona)
        session.add(world.users[persona])
    await session.flush()
    owner = world.users["org_owner"]
    world.org = m.Organization(name="World Org", slug=f"world-{next(_ids)}", owner_id=owner.id)
    world.other_org = m.Organization(name="Other Org", slug=f"other-{next(_ids)}", owner_id=world.users["stranger"].id)
    session.add_all([world.org, world.other_org])
    await session.flush()
    roles = {
        "org_owner": "owner",
        "org_member": "member",
        "workspace_member": "member",
        "project_viewer": "member",
        "project_admin": "member",
    }
    for persona, role in roles.items():
        member = m.OrgMember(organization_id=world.org.id, user_id=world.users[persona].id, role=role)
        session.add(member)
        await session.flush()
        world.members[persona] = member.id
    session.add(m.OrgMember(organization_id=world.other_org.id, user_id=world.users["stranger"].id, role="owner"))
    world.workspace = m.Workspace(organization_id=world.org.id, name="Private WS", slug="private", visibility="private")
    world.other_workspace = m.Workspace(organization_id=world.other_org.id, name="Other WS", slug="other")
    session.add_all([world.workspace, world.other_workspace])
    await session.flush()
    ws_member = m.WorkspaceMember(
        workspace_id=world.workspace.id, user_id=world.users["workspace_member"].id, role="member"
    )
    session.add(ws_member)
    session.add(
        m.WorkspaceMember(workspace_id=world.other_workspace.id, user_id=world.users["stranger"].id, role="admin")
    )
    await session.flush()
    world.members["ws:workspace_member"] = ws_member.id
    world.project = m.Project(workspace_id=world.workspace.id, name="World Project", slug="world", key="WORLD")
    world.other_project = m.Project(workspace_id=world.other_workspace.id, name="Other", slug="other", key="OTH")
    session.add_all([world.project, world.other_project])
    await session.flush()
    for persona, role in (("project_viewer", "viewer"), ("project_admin", "admin")):
        pm = m.ProjectMember(project_id=world.project.id, user_id=world.users[persona].id, role=role)
        session.add(pm)
        await session.flush()
        world.members[f"project:{persona}"] = pm.id
    session.add(m.ProjectConfig(project_id=world.project.id))
    world.issue_type = m.IssueType(project_id=world.project.id, name="Task", category="task", is_default=True)
    world.todo = m.WorkflowStatus(project_id=world.project.id, name="To Do", category="to_do", order=0, is_initial=True)
    world.done = m.WorkflowStatus(project_id=world.project.id, name="Done", category="done", order=1, is_final=True)
    session.add_all([world.issue_type, world.todo, world.done])
    await session.flush()
    session.add_all(
        [
            m.WorkflowTransition(project_id=world.project.id, from_status_id=world.todo.id, to_status_id=world.done.id),
            m.WorkflowTransition(project_id=world.project.id, from_status_id=world.done.id, to_status_id=world.todo.id),
        ]
    )
    world.project.issue_counter = 1
    world.issue = m.Issue(
        project_id=world.project.id,
        number=1,
        title="World issue",
        issue_type_id=world.issue_type.id,
        status_id=world.todo.id,
        reporter_id=owner.id,
    )
    session.add(world.issue)
    world.invitation = m.Invitation(
        organization_id=world.org.id,
        email="invitee@world.test",
        role="member",
        token=secrets.token_urlsafe(32),
        invited_by_id=owner.id,
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7),
    )
    session.add(world.invitation)
    await session.commit()
    world.tokens = {"anonymous": None} | {
        persona: codec.issue(user.id, "access")[0] for persona, user in world.users.items()
    }
    return world


# --- the matrix kit: how a cell is described and built -------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
# Routes outside the tenancy domains (auth, probes, docs, media) are covered by their own tests.
# /saq: the SAQ dashboard (with Redis only), staff-only and tested in test_jobs.py.
EXCLUDED_PREFIXES = ("/api/v1/auth", "/api/v1/system", "/api/schema", "/health", "/ready", "/media", "/saq")

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


def _static(url: str, json: Any = None) -> Builder:
    async def build(world: World, session: Any) -> Call:
        return Call(url.format(w=world), json)

    return build


READERS = {"workspace_member", "project_viewer", "project_admin", "org_owner"}
WRITERS = {"workspace_member", "project_admin", "org_owner"}
MANAGERS = {"project_admin", "org_owner"}
P = "/api/v1/projects"


def _built(make: Callable[[World, Any], Awaitable[Any]], url: str, json: Any = None, files: Any = None) -> Builder:
    """A builder that makes a disposable object and puts its id in ``url`` as ``{id}``."""

    async def build(world: World, session: Any) -> Call:
        made = await make(world, session)
        return Call(url.format(w=world, id=made), json, files)

    return build
