"""Demo data for ``scrum seed-demo``: accounts, an organization, a workspace, a project, issues, a board, a sprint.

Everything goes through the same services the API uses (so it obeys the same rules and writes the same activity),
and running it again changes nothing.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.access import AccessPolicy
from core.auth.users import ensure_user
from core.boards import schemas as board_schemas
from core.boards.services import BoardService
from core.context import RequestCtx
from core.db import models as m
from core.dispatch import EventDispatcher
from core.issues import schemas as issue_schemas
from core.issues.services import IssueService
from core.organizations import schemas as org_schemas
from core.organizations.services import OrganizationService
from core.plugins import build_plugin_manager
from core.projects import schemas as project_schemas
from core.projects.services import ProjectMemberService, ProjectService
from core.sprints import schemas as sprint_schemas
from core.sprints.services import SprintService
from core.storage import LocalStorage
from core.workspaces import schemas as ws_schemas
from core.workspaces.services import WorkspaceMemberService, WorkspaceService

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncSession

    from core.settings import Settings

__all__ = ("DEMO_PASSWORD", "DEMO_USERS", "seed")

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = (
    ("alice@demo.ficct.dev", "alice", "Alice", "Andrade"),
    ("bruno@demo.ficct.dev", "bruno", "Bruno", "Barros"),
    ("carla@demo.ficct.dev", "carla", "Carla", "Cortez"),
)
DEMO_ORG_SLUG = "ficct-demo"
DEMO_ISSUES = (
    ("Set up continuous integration", "task", "P2", "Done", 3),
    ("Login page rejects valid passwords", "bug", "P1", "In Progress", 2),
    ("Sprint burndown chart", "story", "P3", "In Progress", 5),
    ("Export issues as CSV", "story", "P3", "To Do", 3),
    ("Dark mode for the board", "improvement", "P4", "To Do", 2),
    ("Invite teammates by email", "story", "P2", "To Do", 5),
)


def _ctx(session: AsyncSession, user: m.User, settings: Settings) -> RequestCtx:
    # Demo data is not announced to plugins: an empty plugin manager, events marked delivered at commit.
    return RequestCtx(
        session=session,
        user=user,
        policy=AccessPolicy(session, user),
        dispatcher=EventDispatcher(build_plugin_manager(())),
        settings=settings,
        storage=LocalStorage(settings.var_dir / "media"),
        ip=None,
    )


async def seed(session: AsyncSession, settings: Settings) -> list[str]:
    """Create what is missing of the demo; return one line per thing made or found."""
    lines: list[str] = []
    users = []
    for email, username, first, last in DEMO_USERS:
        user, created = await ensure_user(
            session, email=email, username=username, first_name=first, last_name=last, password=DEMO_PASSWORD
        )
        users.append(user)
        lines.append(f"{'created' if created else 'exists '} user {user.email} / {DEMO_PASSWORD}")
    alice = users[0]
    existing = await session.scalar(select(m.Organization).where(m.Organization.slug == DEMO_ORG_SLUG))
    if existing is not None:
        lines.append(f"exists  organization {existing.name}")
        return lines
    ctx = _ctx(session, alice, settings)
    org = await OrganizationService(ctx).create(
        org_schemas.OrganizationCreate(
            name="FICCT Demo", slug=DEMO_ORG_SLUG, organization_type="educational", description="A demo team."
        ),
        None,
    )
    for user in users[1:]:
        session.add(m.OrgMember(organization_id=org.org.id, user_id=user.id, role="member", invited_by_id=alice.id))
    await session.commit()
    workspace = await WorkspaceService(ctx).create(
        ws_schemas.WorkspaceCreate(
            organization=org.org.id, name="Product", workspace_type="development", visibility="public"
        ),
        None,
    )
    members = WorkspaceMemberService(ctx)
    for user in users[1:]:
        await members.add(ws_schemas.WorkspaceMemberCreate(workspace=workspace.workspace.id, user_id=user.id))
    project = await ProjectService(ctx).create(
        project_schemas.ProjectCreate(
            name="Scrum Board Demo", key="DEMO", workspace=workspace.workspace.id, status="active", methodology="scrum"
        ),
        None,
    )
    project_id = project.project.id
    await ProjectMemberService(ctx).add(project_id, project_schemas.ProjectMemberCreate(user_id=users[1].id))
    statuses = {
        st.name: st.id
        for st in (
            await session.scalars(select(m.WorkflowStatus).where(m.WorkflowStatus.project_id == project_id))
        ).all()
    }
    issues = IssueService(ctx)
    issue_ids: list[uuid.UUID] = []
    for n, (title, kind, priority, status, points) in enumerate(DEMO_ISSUES):
        row = await issues.create(
            issue_schemas.IssueCreate(
                project=project_id,
                title=title,
                issue_type=kind,
                priority=priority,
                story_points=points,
                assignee=users[n % len(users)].id,
            )
        )
        issue_ids.append(row.id)
        if status != "To Do":
            await issues.transition(row.id, statuses["In Progress"])
        if status == "Done":
            await issues.transition(row.id, statuses["Done"])
    # A kanban board (one column per status) and an active sprint holding the first four issues.
    await BoardService(ctx).create(board_schemas.BoardCreate(project=project_id, name="Team board"))
    today = datetime.datetime.now(datetime.UTC).date()
    sprints = SprintService(ctx)
    sprint = await sprints.create(
        sprint_schemas.SprintCreate(
            project=project_id,
            name="Sprint 1",
            goal="A first usable release",
            start_date=(today - datetime.timedelta(days=3)).isoformat(),
            end_date=(today + datetime.timedelta(days=11)).isoformat(),
        )
    )
    for issue_id in issue_ids[:4]:
        await sprints.add_issue(sprint.id, issue_id)
    await sprints.start(sprint.id)
    lines += [
        f"created organization {org.org.name} (owner {alice.email})",
        f"created workspace {workspace.workspace.name} and project {project.project.name} ({len(DEMO_ISSUES)} issues)",
        "created board Team board and active sprint Sprint 1",
    ]
    return lines
