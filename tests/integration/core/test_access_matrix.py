"""The access matrix: every tenancy route x every persona, with the status each must get.

The table is checked against the app's route table, so a new route without an entry fails this test.
Write cells act on disposable targets made for the cell, so one cell's change never affects another.
"""

from __future__ import annotations

import datetime
import importlib
import secrets
import uuid
from pathlib import Path
from typing import Any

import pytest

from core.db import models as m
from tests.integration.core.access_world import (
    ALL,
    EXCLUDED_PREFIXES,
    MANAGERS,
    ONLY_OWNER,
    ORG_MEMBERS,
    PERSONAS,
    PNG,
    READERS,
    WRITERS,
    Call,
    Cell,
    P,
    World,
    _built,
    _static,
    build_world,
)

pytestmark = pytest.mark.anyio


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


WS_SEERS = {"workspace_member", "org_owner"}  # the world's workspace is private


async def _disposable_workspace(world: World, session: Any) -> uuid.UUID:
    workspace = m.Workspace(organization_id=world.org.id, name="Doomed WS", slug=f"doomed-{uuid.uuid4().hex[:8]}")
    session.add(workspace)
    await session.commit()
    return workspace.id


async def _disposable_ws_member(world: World, session: Any) -> uuid.UUID:
    org_member = await session.get(m.OrgMember, await _disposable_member(world, session))
    member = m.WorkspaceMember(workspace_id=world.workspace.id, user_id=org_member.user_id, role="member")
    session.add(member)
    await session.commit()
    return member.id


async def _ws_create(world: World, session: Any) -> Call:
    return Call("/api/v1/workspaces", {"organization": str(world.org.id), "name": "New WS"})


async def _ws_delete(world: World, session: Any) -> Call:
    return Call(f"/api/v1/workspaces/{await _disposable_workspace(world, session)}")


async def _ws_cover(world: World, session: Any) -> Call:
    return Call(
        f"/api/v1/workspaces/{world.workspace.id}/upload-cover", files={"cover_image": ("c.png", PNG, "image/png")}
    )


async def _ws_member_add(world: World, session: Any) -> Call:
    org_member = await session.get(m.OrgMember, await _disposable_member(world, session))
    return Call(
        "/api/v1/workspaces/members",
        {"workspace": str(world.workspace.id), "user_id": str(org_member.user_id), "role": "member"},
    )


async def _ws_member_patch(world: World, session: Any) -> Call:
    return Call(f"/api/v1/workspaces/members/{await _disposable_ws_member(world, session)}", {"role": "viewer"})


async def _ws_member_role(world: World, session: Any) -> Call:
    return Call(
        f"/api/v1/workspaces/members/{await _disposable_ws_member(world, session)}/update-role", {"role": "viewer"}
    )


async def _ws_member_delete(world: World, session: Any) -> Call:
    return Call(f"/api/v1/workspaces/members/{await _disposable_ws_member(world, session)}")


WS_MATRIX: dict[tuple[str, str], Cell] = {
    # Workspaces.
    ("GET", "/api/v1/workspaces"): Cell(_static("/api/v1/workspaces"), ALL),
    ("POST", "/api/v1/workspaces"): Cell(_ws_create, ORG_MEMBERS, ok=201),
    ("GET", "/api/v1/workspaces/{workspace_id:uuid}"): Cell(_static("/api/v1/workspaces/{w.workspace.id}"), WS_SEERS),
    ("PATCH", "/api/v1/workspaces/{workspace_id:uuid}"): Cell(
        _static("/api/v1/workspaces/{w.workspace.id}", {"description": "x"}), ONLY_OWNER
    ),
    ("PUT", "/api/v1/workspaces/{workspace_id:uuid}"): Cell(
        _static("/api/v1/workspaces/{w.workspace.id}", {"description": "y"}), ONLY_OWNER
    ),
    ("DELETE", "/api/v1/workspaces/{workspace_id:uuid}"): Cell(_ws_delete, ONLY_OWNER, ok=204),
    ("POST", "/api/v1/workspaces/{workspace_id:uuid}/upload-cover"): Cell(_ws_cover, ONLY_OWNER),
    ("GET", "/api/v1/workspaces/{workspace_id:uuid}/members"): Cell(
        _static("/api/v1/workspaces/{w.workspace.id}/members"), WS_SEERS
    ),
    # Workspace memberships by id.
    ("GET", "/api/v1/workspaces/members"): Cell(
        _static("/api/v1/workspaces/members?workspace={w.workspace.id}"), WS_SEERS
    ),
    ("POST", "/api/v1/workspaces/members"): Cell(_ws_member_add, ONLY_OWNER, ok=201),
    ("GET", "/api/v1/workspaces/members/{member_id:uuid}"): Cell(
        _static("/api/v1/workspaces/members/{w.members[ws:workspace_member]}"), WS_SEERS
    ),
    ("PATCH", "/api/v1/workspaces/members/{member_id:uuid}"): Cell(_ws_member_patch, ONLY_OWNER),
    ("PATCH", "/api/v1/workspaces/members/{member_id:uuid}/update-role"): Cell(_ws_member_role, ONLY_OWNER),
    ("DELETE", "/api/v1/workspaces/members/{member_id:uuid}"): Cell(_ws_member_delete, ONLY_OWNER, ok=204),
}

MATRIX.update(WS_MATRIX)


# --- workflow, issues and what hangs off them (the world's project: workspace is private) --------------------------


async def _new_type(world: World, session: Any) -> uuid.UUID:
    issue_type = m.IssueType(project_id=world.project.id, name=f"T{uuid.uuid4().hex[:6]}", category="task")
    session.add(issue_type)
    await session.commit()
    return issue_type.id


async def _new_status(world: World, session: Any) -> uuid.UUID:
    status = m.WorkflowStatus(project_id=world.project.id, name=f"S{uuid.uuid4().hex[:6]}", category="in_progress")
    session.add(status)
    await session.commit()
    return status.id


async def _new_issue(world: World, session: Any, reporter: str = "org_owner") -> uuid.UUID:
    project = await session.get(m.Project, world.project.id)
    project.issue_counter += 1
    issue = m.Issue(
        project_id=project.id,
        number=project.issue_counter,
        title="Disposable",
        issue_type_id=world.issue_type.id,
        status_id=world.todo.id,
        reporter_id=world.users[reporter].id,
    )
    session.add(issue)
    await session.commit()
    return issue.id


async def _new_comment(world: World, session: Any) -> uuid.UUID:
    comment = m.Comment(issue_id=world.issue.id, author_id=world.users["org_owner"].id, content="hi")
    session.add(comment)
    await session.commit()
    return comment.id


async def _new_link(world: World, session: Any) -> uuid.UUID:
    link = m.IssueLink(
        source_issue_id=world.issue.id, target_issue_id=await _new_issue(world, session), link_type="relates_to"
    )
    session.add(link)
    await session.commit()
    return link.id


async def _new_attachment(world: World, session: Any) -> uuid.UUID:
    key = f"attachments/{world.issue.id}/{uuid.uuid4().hex}"
    await world.extra["files"].put(key, b"data", "text/plain")
    attachment = m.Attachment(
        issue_id=world.issue.id,
        filename="a.txt",
        storage_key=key,
        file_size=4,
        uploaded_by_id=world.users["org_owner"].id,
    )
    session.add(attachment)
    await session.commit()
    return attachment.id


async def _transition_pair(world: World, session: Any) -> Call:
    first, second = await _new_status(world, session), await _new_status(world, session)
    return Call(
        f"{P}/workflow-transitions",
        {"project": str(world.project.id), "from_status": str(first), "to_status": str(second)},
    )


async def _new_transition(world: World, session: Any) -> uuid.UUID:
    first, second = await _new_status(world, session), await _new_status(world, session)
    transition = m.WorkflowTransition(project_id=world.project.id, from_status_id=first, to_status_id=second)
    session.add(transition)
    await session.commit()
    return transition.id


ISSUE = P + "/issues/{w.issue.id}"


async def _create_type(world: World, session: Any) -> Call:
    return Call(
        f"{P}/issue-types", {"project": str(world.project.id), "name": f"T{uuid.uuid4().hex[:6]}", "category": "bug"}
    )


async def _create_status(world: World, session: Any) -> Call:
    return Call(f"{P}/workflow-statuses", {"project": str(world.project.id), "name": f"S{uuid.uuid4().hex[:6]}"})


async def _create_issue(world: World, session: Any) -> Call:
    return Call(f"{P}/issues", {"project": str(world.project.id), "title": "New"})


async def _noop_transition(world: World, session: Any) -> Call:
    return Call(f"{P}/issues/{world.issue.id}/transition", {"transition": str(world.todo.id)})


async def _create_link(world: World, session: Any) -> Call:
    target = await _new_issue(world, session)
    return Call(f"{P}/issues/{world.issue.id}/links", {"target_issue_id": str(target), "link_type": "relates_to"})


async def _upload_attachment(world: World, session: Any) -> Call:
    return Call(f"{P}/issues/{world.issue.id}/attachments", files={"file": ("f.txt", b"data", "text/plain")})


ISSUE_MATRIX: dict[tuple[str, str], Cell] = {
    # Issue types.
    ("GET", f"{P}/issue-types"): Cell(_static(P + "/issue-types?project={w.project.id}"), ALL),
    ("POST", f"{P}/issue-types"): Cell(_create_type, MANAGERS, ok=201),
    ("GET", f"{P}/issue-types/{{type_id:uuid}}"): Cell(_static(P + "/issue-types/{w.issue_type.id}"), READERS),
    ("PATCH", f"{P}/issue-types/{{type_id:uuid}}"): Cell(
        _built(_new_type, P + "/issue-types/{id}", {"icon": "x"}), MANAGERS
    ),
    ("DELETE", f"{P}/issue-types/{{type_id:uuid}}"): Cell(_built(_new_type, P + "/issue-types/{id}"), MANAGERS, ok=204),
    # Workflow statuses.
    ("GET", f"{P}/workflow-statuses"): Cell(_static(P + "/workflow-statuses?project={w.project.id}"), ALL),
    ("POST", f"{P}/workflow-statuses"): Cell(_create_status, MANAGERS, ok=201),
    ("GET", f"{P}/workflow-statuses/{{status_id:uuid}}"): Cell(_static(P + "/workflow-statuses/{w.todo.id}"), READERS),
    ("PATCH", f"{P}/workflow-statuses/{{status_id:uuid}}"): Cell(
        _built(_new_status, P + "/workflow-statuses/{id}", {"color": "#112233"}), MANAGERS
    ),
    ("DELETE", f"{P}/workflow-statuses/{{status_id:uuid}}"): Cell(
        _built(_new_status, P + "/workflow-statuses/{id}"), MANAGERS, ok=204
    ),
    # Transitions.
    ("GET", f"{P}/workflow-transitions"): Cell(_static(P + "/workflow-transitions?project={w.project.id}"), ALL),
    ("POST", f"{P}/workflow-transitions"): Cell(_transition_pair, MANAGERS, ok=201),
    ("DELETE", f"{P}/workflow-transitions/{{transition_id:uuid}}"): Cell(
        _built(_new_transition, P + "/workflow-transitions/{id}"), MANAGERS, ok=204
    ),
    # Issues.
    ("GET", f"{P}/issues"): Cell(_static(P + "/issues?&project={w.project.id}"), ALL),
    ("POST", f"{P}/issues"): Cell(_create_issue, WRITERS, ok=201),
    ("GET", f"{P}/issues/{{issue_id:uuid}}"): Cell(_static(ISSUE), READERS),
    ("PATCH", f"{P}/issues/{{issue_id:uuid}}"): Cell(_static(ISSUE, {"description": "x"}), WRITERS),
    ("PUT", f"{P}/issues/{{issue_id:uuid}}"): Cell(_static(ISSUE, {"description": "y"}), WRITERS),
    ("DELETE", f"{P}/issues/{{issue_id:uuid}}"): Cell(_built(_new_issue, P + "/issues/{id}"), MANAGERS, ok=204),
    ("PATCH", f"{P}/issues/{{issue_id:uuid}}/transition"): Cell(_noop_transition, WRITERS),
    ("PATCH", f"{P}/issues/{{issue_id:uuid}}/assign"): Cell(_static(ISSUE + "/assign", {"assignee": None}), WRITERS),
    ("PATCH", f"{P}/issues/{{issue_id:uuid}}/priority"): Cell(
        _static(ISSUE + "/priority", {"priority": "P2"}), WRITERS
    ),
    # Comments.
    ("GET", f"{P}/issues/{{issue_id:uuid}}/comments"): Cell(_static(ISSUE + "/comments"), READERS),
    ("POST", f"{P}/issues/{{issue_id:uuid}}/comments"): Cell(
        _static(ISSUE + "/comments", {"content": "c"}), WRITERS, ok=201
    ),
    ("PATCH", f"{P}/issues/{{issue_id:uuid}}/comments/{{comment_id:uuid}}"): Cell(
        _built(_new_comment, ISSUE + "/comments/{id}", {"content": "edited"}), ONLY_OWNER
    ),
    ("DELETE", f"{P}/issues/{{issue_id:uuid}}/comments/{{comment_id:uuid}}"): Cell(
        _built(_new_comment, ISSUE + "/comments/{id}"), MANAGERS, ok=204
    ),
    # Links.
    ("GET", f"{P}/issues/{{issue_id:uuid}}/links"): Cell(_static(ISSUE + "/links"), READERS),
    ("POST", f"{P}/issues/{{issue_id:uuid}}/links"): Cell(_create_link, WRITERS, ok=201),
    ("GET", f"{P}/issues/{{issue_id:uuid}}/links/{{link_id:uuid}}"): Cell(
        _built(_new_link, ISSUE + "/links/{id}"), READERS
    ),
    ("DELETE", f"{P}/issues/{{issue_id:uuid}}/links/{{link_id:uuid}}"): Cell(
        _built(_new_link, ISSUE + "/links/{id}"), WRITERS, ok=204
    ),
    # Attachments.
    ("GET", f"{P}/issues/{{issue_id:uuid}}/attachments"): Cell(_static(ISSUE + "/attachments"), READERS),
    ("POST", f"{P}/issues/{{issue_id:uuid}}/attachments"): Cell(_upload_attachment, WRITERS, ok=201),
    ("GET", f"{P}/issues/{{issue_id:uuid}}/attachments/{{attachment_id:uuid}}"): Cell(
        _built(_new_attachment, ISSUE + "/attachments/{id}"), READERS
    ),
    ("GET", f"{P}/issues/{{issue_id:uuid}}/attachments/{{attachment_id:uuid}}/download"): Cell(
        _built(_new_attachment, ISSUE + "/attachments/{id}/download"), READERS
    ),
    ("DELETE", f"{P}/issues/{{issue_id:uuid}}/attachments/{{attachment_id:uuid}}"): Cell(
        _built(_new_attachment, ISSUE + "/attachments/{id}"), MANAGERS, ok=204
    ),
    # Activity.
    ("GET", "/api/v1/reporting/activity"): Cell(_static("/api/v1/reporting/activity?&project={w.project.id}"), ALL),
}
MATRIX.update(ISSUE_MATRIX)


# --- projects, their members and configuration ----------------------------------------------------------------------

PROJECT = P + "/projects/{w.project.id}"
WS_WRITERS = {"workspace_member", "org_owner"}


async def _create_project(world: World, session: Any) -> Call:
    key = "K" + uuid.uuid4().hex[:6].upper()
    return Call(f"{P}/projects", {"name": f"P {key}", "key": key, "workspace": str(world.workspace.id)})


async def _new_project(world: World, session: Any) -> uuid.UUID:
    key = "D" + uuid.uuid4().hex[:6].upper()
    project = m.Project(workspace_id=world.workspace.id, name=f"Doomed {key}", slug=key.lower(), key=key)
    session.add(project)
    await session.commit()
    return project.id


async def _new_project_member(world: World, session: Any) -> uuid.UUID:
    org_member = await session.get(m.OrgMember, await _disposable_member(world, session, role="member"))
    member = m.ProjectMember(project_id=world.project.id, user_id=org_member.user_id, role="member")
    session.add(member)
    await session.commit()
    return member.id


async def _add_project_member(world: World, session: Any) -> Call:
    org_member = await session.get(m.OrgMember, await _disposable_member(world, session, role="member"))
    return Call(f"{P}/projects/{world.project.id}/members", {"user_id": str(org_member.user_id), "role": "member"})


async def _save_config(world: World, session: Any) -> Call:
    return Call(f"{P}/configs", {"project": str(world.project.id), "sprint_duration": 3})


PROJECT_MATRIX: dict[tuple[str, str], Cell] = {
    ("GET", f"{P}/projects"): Cell(_static(P + "/projects"), ALL),
    ("POST", f"{P}/projects"): Cell(_create_project, WS_WRITERS, ok=201),
    ("GET", f"{P}/projects/{{project_id:uuid}}"): Cell(_static(PROJECT), READERS),
    ("PATCH", f"{P}/projects/{{project_id:uuid}}"): Cell(_static(PROJECT, {"description": "x"}), MANAGERS),
    ("PUT", f"{P}/projects/{{project_id:uuid}}"): Cell(_static(PROJECT, {"description": "y"}), MANAGERS),
    ("DELETE", f"{P}/projects/{{project_id:uuid}}"): Cell(
        _built(_new_project, P + "/projects/{id}"), ONLY_OWNER, ok=204
    ),
    ("GET", f"{P}/projects/{{project_id:uuid}}/members"): Cell(_static(PROJECT + "/members"), READERS),
    ("POST", f"{P}/projects/{{project_id:uuid}}/members"): Cell(_add_project_member, MANAGERS, ok=201),
    ("GET", f"{P}/projects/{{project_id:uuid}}/members/{{member_id:uuid}}"): Cell(
        _static(PROJECT + "/members/{w.members[project:project_viewer]}"), READERS
    ),
    ("PATCH", f"{P}/projects/{{project_id:uuid}}/members/{{member_id:uuid}}"): Cell(
        _built(_new_project_member, PROJECT + "/members/{id}", {"role": "viewer"}), MANAGERS
    ),
    ("DELETE", f"{P}/projects/{{project_id:uuid}}/members/{{member_id:uuid}}"): Cell(
        _built(_new_project_member, PROJECT + "/members/{id}"), MANAGERS, ok=204
    ),
    ("GET", f"{P}/configs/{{project_id:uuid}}"): Cell(_static(P + "/configs/{w.project.id}"), READERS),
    ("POST", f"{P}/configs"): Cell(_save_config, MANAGERS),
    ("PUT", f"{P}/configs/{{project_id:uuid}}"): Cell(
        _static(P + "/configs/{w.project.id}", {"sprint_duration": 3}), MANAGERS
    ),
    ("PATCH", f"{P}/configs/{{project_id:uuid}}"): Cell(
        _static(P + "/configs/{w.project.id}", {"sprint_duration": 2}), MANAGERS
    ),
}
MATRIX.update(PROJECT_MATRIX)


# Later domains keep their cells in ``matrix_<domain>.py`` modules beside this one, each exporting ``ENTRIES``.
for _module in sorted(Path(__file__).parent.glob("matrix_*.py")):
    MATRIX.update(importlib.import_module(f"tests.integration.core.{_module.stem}").ENTRIES)


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


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX), ids=str)
async def test_access_matrix(client, db, method, path):
    """Each persona gets exactly the expected status on this route."""
    cell = MATRIX[(method, path)]
    async with db() as session:
        world = await build_world(session, client.raw.app.state.auth.codec)
    world.extra["files"] = client.raw.app.state.files
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
