"""What the ai plugin reads: plain rows, a fixed number of statements per request.

Nothing here decides access on its own: :func:`visible_scope` is the core policy's ``visible_project_ids()``,
and every other reader is handed ids the service already checked or a scope built by it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core.db import models as m
from core.issues.queries import apply_issue_filters, issue_select
from plugins.ai.embeddings import IssueText

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy import ColumnElement, Row
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.access import AccessPolicy

__all__ = (
    "IssueDoc",
    "comments_of",
    "issue_details",
    "issue_docs",
    "issue_home",
    "organizations_with_projects",
    "project_issue_batch",
    "sprint_issue_rows",
    "visible_scope",
)


@dataclass(frozen=True, slots=True)
class IssueDoc:
    """An issue as the index sees it: where it lives and the text its vector is made from."""

    issue_id: uuid.UUID
    project_id: uuid.UUID
    organization_id: uuid.UUID
    key: str
    title: str
    is_active: bool
    text: IssueText


def _doc_select() -> Any:
    return (
        select(
            m.Issue.id,
            m.Issue.project_id,
            m.Workspace.organization_id,
            m.Project.key,
            m.Issue.number,
            m.Issue.title,
            m.Issue.description,
            m.IssueType.name,
            m.Issue.labels,
            m.Issue.is_active,
        )
        .join(m.Project, m.Project.id == m.Issue.project_id)
        .join(m.Workspace, m.Workspace.id == m.Project.workspace_id)
        .join(m.IssueType, m.IssueType.id == m.Issue.issue_type_id)
    )


def _doc(row: Row[Any]) -> IssueDoc:
    issue_id, project_id, org_id, key, number, title, description, type_name, labels, is_active = tuple(row)
    return IssueDoc(
        issue_id=issue_id,
        project_id=project_id,
        organization_id=org_id,
        key=f"{key}-{number}",
        title=title,
        is_active=bool(is_active),
        text=IssueText(
            title=title,
            description=description or "",
            issue_type=type_name,
            labels=tuple(str(label) for label in (labels or [])),
        ),
    )


async def issue_docs(session: AsyncSession, *where: ColumnElement[bool], limit: int | None = None) -> list[IssueDoc]:
    """Issues matching ``where`` (active or not), oldest id first."""
    stmt = _doc_select().where(*where).order_by(m.Issue.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_doc(row) for row in await session.execute(stmt)]


async def issue_home(session: AsyncSession, issue_id: uuid.UUID) -> IssueDoc | None:
    """An active issue's project, organization and text (None when it does not exist or was deleted)."""
    row = (await session.execute(_doc_select().where(m.Issue.id == issue_id, m.Issue.is_active.is_(True)))).first()
    return None if row is None else _doc(row)


async def visible_scope(
    session: AsyncSession,
    policy: AccessPolicy,
    *,
    project_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
) -> dict[uuid.UUID, uuid.UUID]:
    """The projects the caller may see (``project_id -> organization_id``), optionally one project or one tenant."""
    stmt = (
        select(m.Project.id, m.Workspace.organization_id)
        .join(m.Workspace, m.Workspace.id == m.Project.workspace_id)
        .where(m.Project.id.in_(policy.visible_project_ids()))
    )
    if project_id is not None:
        stmt = stmt.where(m.Project.id == project_id)
    if organization_id is not None:
        stmt = stmt.where(m.Workspace.organization_id == organization_id)
    return {row[0]: row[1] for row in await session.execute(stmt)}


async def issue_details(
    session: AsyncSession,
    issue_ids: Sequence[uuid.UUID],
    scope: Mapping[uuid.UUID, uuid.UUID],
    filters: Mapping[str, str] | None = None,
) -> dict[uuid.UUID, Row[Any]]:
    """The issue rows (``core.issues.queries.issue_select``) of ``issue_ids`` in the scope that pass ``filters``.

    Only active issues; ``filters`` are the issue list's. The scope is applied again here: an id from a vector
    index is only a hint.
    """
    if not issue_ids or not scope:
        return {}
    stmt = issue_select().where(m.Issue.id.in_(list(issue_ids)), m.Issue.project_id.in_(list(scope)))
    if filters:
        stmt = apply_issue_filters(stmt, filters)
    stmt = stmt.add_columns(m.Sprint.name.label("sprint_name")).outerjoin(m.Sprint, m.Sprint.id == m.Issue.sprint_id)
    return {row.id: row for row in await session.execute(stmt)}


async def comments_of(session: AsyncSession, issue_id: uuid.UUID, limit: int) -> list[Any]:
    """The latest ``limit`` comments of an issue, oldest first (``content, created_at, author``)."""
    rows = (
        await session.execute(
            select(m.Comment.content, m.Comment.created_at, m.User.first_name, m.User.last_name, m.User.username)
            .outerjoin(m.User, m.User.id == m.Comment.author_id)
            .where(m.Comment.issue_id == issue_id)
            .order_by(m.Comment.created_at.desc(), m.Comment.id.desc())
            .limit(limit)
        )
    ).all()
    return list(rows)[::-1]


async def sprint_issue_rows(session: AsyncSession, sprint_id: uuid.UUID) -> list[Row[Any]]:
    """The active issues of a sprint (``issue_select`` rows), by status then rank."""
    stmt = (
        issue_select().where(m.Issue.sprint_id == sprint_id).order_by(m.WorkflowStatus.order, m.Issue.rank, m.Issue.id)
    )
    return list((await session.execute(stmt)).all())


async def project_issue_batch(
    session: AsyncSession, project_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[IssueDoc]:
    """One batch of a project's active issues, by id after ``after`` (keyset pagination for re-indexing)."""
    where = [m.Issue.project_id == project_id, m.Issue.is_active.is_(True)]
    if after is not None:
        where.append(m.Issue.id > after)
    return await issue_docs(session, *where, limit=limit)


async def organizations_with_projects(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Every active project with its organization (``project_id, organization_id``), for a full re-index."""
    rows = await session.execute(
        select(m.Project.id, m.Workspace.organization_id)
        .join(m.Workspace, m.Workspace.id == m.Project.workspace_id)
        .join(m.Organization, m.Organization.id == m.Workspace.organization_id)
        .where(m.Project.is_active.is_(True), m.Workspace.is_active.is_(True), m.Organization.is_active.is_(True))
        .order_by(m.Workspace.organization_id, m.Project.id)
    )
    return [(pid, org) for pid, org in rows]
