"""What the estimators read: plain rows in a fixed number of statements per request, whatever the project's size.

Nothing here checks access: the service checks the project first, and every query that reaches beyond it is
limited to :func:`org_scope`, the projects of the same organization the caller may see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from sqlalchemy import and_, case, func, select

from core.db import models as m
from core.http.errors import NotFound
from core.issues.services import assignable

if TYPE_CHECKING:
    import datetime

    from sqlalchemy import Row, Select
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.access import AccessPolicy

__all__ = (
    "AnyRow",
    "CompletedSprint",
    "IssueTypeInfo",
    "Workload",
    "assignment_issue",
    "candidates",
    "completed_sprints",
    "issue_types",
    "org_scope",
    "organization_id",
    "project_issues",
    "resolved_samples",
    "resolved_work",
    "sprint_issues",
    "sprint_moves",
    "sprint_with_plan",
    "workloads",
)

Target = Literal["hours", "points"]
AnyRow: TypeAlias = "Row[*tuple[Any, ...]]"
"""A result row of plain columns (annotation only)."""


@dataclass(frozen=True, slots=True)
class IssueTypeInfo:
    """An issue type of the project: requests may name it by id, name or category."""

    id: uuid.UUID
    name: str
    category: str


@dataclass(frozen=True, slots=True)
class Workload:
    """Issues assigned to one user in the scope: all of them, the open ones, and the open story points."""

    total: int
    resolved: int
    open_count: int
    open_points: float
    open_unpointed: int


@dataclass(frozen=True, slots=True)
class CompletedSprint:
    """A completed sprint: its planned timebox and the points it delivered."""

    start_date: datetime.date | None
    end_date: datetime.date | None
    committed_points: float
    completed_points: float


async def organization_id(session: AsyncSession, project: m.Project) -> uuid.UUID:
    """The organization a project belongs to."""
    org_id: uuid.UUID | None = await session.scalar(
        select(m.Workspace.organization_id).where(m.Workspace.id == project.workspace_id)
    )
    if org_id is None:  # the project was checked in this request: only a concurrent delete gets here
        raise NotFound
    return org_id


def org_scope(policy: AccessPolicy, org_id: uuid.UUID) -> Select[Any]:
    """Ids of the projects of organization ``org_id`` the caller may see: the most any estimate learns from."""
    return (
        select(m.Project.id)
        .join(m.Workspace, m.Workspace.id == m.Project.workspace_id)
        .where(m.Workspace.organization_id == org_id, m.Project.id.in_(policy.visible_project_ids()))
    )


async def issue_types(session: AsyncSession, project_id: uuid.UUID) -> list[IssueTypeInfo]:
    """The project's active issue types."""
    rows = (
        await session.execute(
            select(m.IssueType.id, m.IssueType.name, m.IssueType.category)
            .where(m.IssueType.project_id == project_id, m.IssueType.is_active.is_(True))
            .order_by(m.IssueType.created_at, m.IssueType.id)
        )
    ).all()
    return [IssueTypeInfo(row.id, row.name, row.category) for row in rows]


async def resolved_samples(
    session: AsyncSession, project_id: uuid.UUID, scope: Select[Any], target: Target, limit: int
) -> list[AnyRow]:
    """Resolved issues with actual hours (``hours``) or story points (``points``), the project's own first.

    Each row: ``id, project_id, key, number, title, description, category, value``. Newest resolved first within
    each group, at most ``limit`` rows: enough for a model, bounded however old the organization is.
    """
    value = m.Issue.actual_hours if target == "hours" else m.Issue.story_points
    own_first = case((m.Issue.project_id == project_id, 0), else_=1)
    stmt = (
        select(
            m.Issue.id,
            m.Issue.project_id,
            m.Project.key,
            m.Issue.number,
            m.Issue.title,
            m.Issue.description,
            m.IssueType.category,
            value.label("value"),
        )
        .join(m.IssueType, m.IssueType.id == m.Issue.issue_type_id)
        .join(m.Project, m.Project.id == m.Issue.project_id)
        .join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id)
        .where(
            m.Issue.project_id.in_(scope),
            m.Issue.is_active.is_(True),
            m.Issue.resolved_at.is_not(None),
            m.WorkflowStatus.is_final.is_(True),
            value > 0,
        )
        .order_by(own_first, m.Issue.resolved_at.desc(), m.Issue.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).all())


# --- assignment -------------------------------------------------------------------------------------------


async def assignment_issue(session: AsyncSession, issue_id: uuid.UUID, project_id: uuid.UUID) -> AnyRow | None:
    """The active issue ``issue_id`` of ``project_id`` (``id, title, description, category, assignee_id``)."""
    return (
        await session.execute(
            select(m.Issue.id, m.Issue.title, m.Issue.description, m.IssueType.category, m.Issue.assignee_id)
            .join(m.IssueType, m.IssueType.id == m.Issue.issue_type_id)
            .where(m.Issue.id == issue_id, m.Issue.project_id == project_id, m.Issue.is_active.is_(True))
        )
    ).first()


def _assignable_ids(project: m.Project, org_id: uuid.UUID) -> Select[Any]:
    return select(m.User.id).where(assignable(project, org_id))


async def candidates(session: AsyncSession, project: m.Project, org_id: uuid.UUID) -> list[AnyRow]:
    """Everyone who may be assigned in the project (``id, username, first_name, last_name, email``)."""
    return list(
        (
            await session.execute(
                select(m.User.id, m.User.username, m.User.first_name, m.User.last_name, m.User.email)
                .where(assignable(project, org_id))
                .order_by(m.User.id)
            )
        ).all()
    )


async def workloads(
    session: AsyncSession, project: m.Project, org_id: uuid.UUID, scope: Select[Any], exclude: uuid.UUID
) -> dict[int, Workload]:
    """Per assignable user: issues assigned in the scope, resolved ones, and what is open now (one grouped query)."""
    is_open = m.WorkflowStatus.is_final.is_(False)
    stmt = (
        select(
            m.Issue.assignee_id,
            func.count(m.Issue.id).label("total"),
            func.sum(case((is_open, 0), else_=1)).label("resolved"),
            func.sum(case((is_open, 1), else_=0)).label("open_count"),
            func.sum(case((is_open, func.coalesce(m.Issue.story_points, 0)), else_=0)).label("open_points"),
            func.sum(case((and_(is_open, m.Issue.story_points.is_(None)), 1), else_=0)).label("open_unpointed"),
        )
        .join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id)
        .where(
            m.Issue.assignee_id.in_(_assignable_ids(project, org_id)),
            m.Issue.project_id.in_(scope),
            m.Issue.is_active.is_(True),
            m.Issue.id != exclude,
        )
        .group_by(m.Issue.assignee_id)
    )
    return {
        int(row.assignee_id): Workload(
            total=int(row.total or 0),
            resolved=int(row.resolved or 0),
            open_count=int(row.open_count or 0),
            open_points=float(row.open_points or 0),
            open_unpointed=int(row.open_unpointed or 0),
        )
        for row in (await session.execute(stmt)).all()
    }


async def resolved_work(
    session: AsyncSession, project: m.Project, org_id: uuid.UUID, scope: Select[Any], exclude: uuid.UUID, limit: int
) -> list[AnyRow]:
    """The newest resolved issues of assignable users in the scope.

    Each row: ``assignee_id, title, description, category, resolved_at, due_date``.
    """
    return list(
        (
            await session.execute(
                select(
                    m.Issue.assignee_id,
                    m.Issue.title,
                    m.Issue.description,
                    m.IssueType.category,
                    m.Issue.resolved_at,
                    m.Issue.due_date,
                )
                .join(m.IssueType, m.IssueType.id == m.Issue.issue_type_id)
                .join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id)
                .where(
                    m.Issue.assignee_id.in_(_assignable_ids(project, org_id)),
                    m.Issue.project_id.in_(scope),
                    m.Issue.is_active.is_(True),
                    m.Issue.id != exclude,
                    m.WorkflowStatus.is_final.is_(True),
                )
                .order_by(m.Issue.resolved_at.desc(), m.Issue.id.desc())
                .limit(limit)
            )
        ).all()
    )


# --- sprints and projects -----------------------------------------------------------------------------------


async def sprint_with_plan(session: AsyncSession, sprint_id: uuid.UUID) -> tuple[m.Sprint, int] | None:
    """A sprint and its project's configured sprint length in weeks (2 when the project has no configuration)."""
    row = (
        await session.execute(
            select(m.Sprint, m.ProjectConfig.sprint_duration)
            .outerjoin(m.ProjectConfig, m.ProjectConfig.project_id == m.Sprint.project_id)
            .where(m.Sprint.id == sprint_id)
        )
    ).first()
    if row is None:
        return None
    sprint, weeks = row
    return sprint, int(weeks or 2)


_ISSUE_STATE = (
    m.Issue.id,
    m.Issue.assignee_id,
    m.Issue.priority,
    m.Issue.story_points,
    m.Issue.estimated_hours,
    m.Issue.due_date,
    m.Issue.created_at,
    m.Issue.updated_at,
    m.WorkflowStatus.category,
    m.WorkflowStatus.is_final,
)


async def sprint_issues(session: AsyncSession, sprint_id: uuid.UUID) -> list[AnyRow]:
    """The sprint's active issues with their status category (see ``_ISSUE_STATE`` for the columns)."""
    return list(
        (
            await session.execute(
                select(*_ISSUE_STATE)
                .join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id)
                .where(m.Issue.sprint_id == sprint_id, m.Issue.is_active.is_(True))
            )
        ).all()
    )


async def project_issues(session: AsyncSession, project_id: uuid.UUID) -> list[AnyRow]:
    """The project's active issues with their status category (same columns as :func:`sprint_issues`)."""
    return list(
        (
            await session.execute(
                select(*_ISSUE_STATE)
                .join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id)
                .where(m.Issue.project_id == project_id, m.Issue.is_active.is_(True))
            )
        ).all()
    )


async def completed_sprints(
    session: AsyncSession, project_id: uuid.UUID, limit: int = 5, exclude: uuid.UUID | None = None
) -> list[CompletedSprint]:
    """The project's last ``limit`` completed sprints (but ``exclude``), oldest first."""
    stmt = select(m.Sprint.start_date, m.Sprint.end_date, m.Sprint.committed_points, m.Sprint.completed_points).where(
        m.Sprint.project_id == project_id, m.Sprint.status == "completed"
    )
    if exclude is not None:
        stmt = stmt.where(m.Sprint.id != exclude)
    rows = (
        await session.execute(
            stmt.order_by(
                m.Sprint.completed_at.desc().nulls_last(), m.Sprint.end_date.desc().nulls_last(), m.Sprint.id.desc()
            ).limit(limit)
        )
    ).all()
    return [
        CompletedSprint(
            row.start_date, row.end_date, float(row.committed_points or 0), float(row.completed_points or 0)
        )
        for row in reversed(rows)
    ]


async def sprint_moves(
    session: AsyncSession, project_id: uuid.UUID, since: datetime.datetime, until: datetime.datetime | None
) -> list[AnyRow]:
    """Log rows of the project's issues from ``since`` (to ``until``) that may have moved one between sprints.

    Each row: ``object_id, changes``; the caller reads the ``sprint`` / ``sprint_id`` changes out of them.
    """
    stmt = select(m.Activity.object_id, m.Activity.changes).where(
        m.Activity.project_id == project_id,
        m.Activity.object_type == "issue",
        m.Activity.action_type.in_(("sprint_added", "sprint_removed", "updated")),
        m.Activity.created_at >= since,
    )
    if until is not None:
        stmt = stmt.where(m.Activity.created_at < until)
    return list((await session.execute(stmt)).all())
