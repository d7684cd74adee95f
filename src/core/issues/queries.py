"""The one SELECT behind issue lists and details: every nested object and count in a single statement."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import aliased

from core.db import models as m
from core.http.errors import FieldErrors
from core.http.params import optional_uuid
from core.http.query import apply_ordering, like_pattern

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import Select

__all__ = ("ISSUE_ORDERING", "PRIORITIES", "IssueRow", "apply_issue_filters", "issue_select", "order_issues")

PRIORITIES = ("P0", "P1", "P2", "P3", "P4")
_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9]*)-(\d{1,9})$")

Assignee = aliased(m.User, name="assignee")
Reporter = aliased(m.User, name="reporter")
Parent = aliased(m.Issue, name="parent")


class IssueRow(msgspec.Struct):
    """An issue with everything its API shape shows."""

    issue: m.Issue
    status: m.WorkflowStatus
    issue_type: m.IssueType
    project: m.Project
    assignee: m.User | None
    reporter: m.User | None
    parent_id: uuid.UUID | None
    parent_number: int | None
    parent_title: str | None
    comment_count: int
    attachment_count: int
    link_count: int

    @classmethod
    def from_result(cls, row: Any) -> IssueRow:
        """Build from one result row of :func:`issue_select`."""
        return cls(
            issue=row[0],
            status=row[1],
            issue_type=row[2],
            project=row[3],
            assignee=row[4],
            reporter=row[5],
            parent_id=row[6],
            parent_number=row[7],
            parent_title=row[8],
            comment_count=row[9] or 0,
            attachment_count=row[10] or 0,
            link_count=row[11] or 0,
        )


def _count(model: Any, column: Any) -> Any:
    return select(func.count(model.id)).where(column == m.Issue.id).correlate(m.Issue).scalar_subquery()


def issue_select() -> Select[Any]:
    """Issues joined with status, type, project, assignee, reporter, parent, and their counts."""
    return (
        select(
            m.Issue,
            m.WorkflowStatus,
            m.IssueType,
            m.Project,
            Assignee,
            Reporter,
            Parent.id,
            Parent.number,
            Parent.title,
            _count(m.Comment, m.Comment.issue_id),
            _count(m.Attachment, m.Attachment.issue_id),
            _count(m.IssueLink, m.IssueLink.source_issue_id),
        )
        .join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id)
        .join(m.IssueType, m.IssueType.id == m.Issue.issue_type_id)
        .join(m.Project, m.Project.id == m.Issue.project_id)
        .outerjoin(Assignee, Assignee.id == m.Issue.assignee_id)
        .outerjoin(Reporter, Reporter.id == m.Issue.reporter_id)
        .outerjoin(Parent, Parent.id == m.Issue.parent_id)
        .where(m.Issue.is_active.is_(True))
    )


ISSUE_ORDERING: Mapping[str, Any] = {
    "created_at": m.Issue.created_at,
    "updated_at": m.Issue.updated_at,
    "priority": m.Issue.priority,
    "title": m.Issue.title,
    "key": m.Issue.number,
    "number": m.Issue.number,
    "status": m.WorkflowStatus.order,
    "due_date": m.Issue.due_date,
    "story_points": m.Issue.story_points,
    "rank": m.Issue.rank,
    "order": m.Issue.rank,
    "assignee": Assignee.username,
    "resolved_at": m.Issue.resolved_at,
}


def _user_filter(column: Any, value: str, field: str) -> Any:
    value = value.strip()
    if value.lower() in ("null", "none", "unassigned"):
        return column.is_(None)
    if value.isdigit():
        return column == int(value)
    user_uuid = optional_uuid(value, field)
    return column.in_(select(m.User.id).where(m.User.user_uuid == user_uuid))


def apply_issue_filters(stmt: Select[Any], query: Mapping[str, str]) -> Select[Any]:
    """The issue list's filters (contract section 6). Unknown parameters are ignored; bad values are a 400."""
    if value := query.get("project"):
        project_id = optional_uuid(value, "project")
        if project_id:
            stmt = stmt.where(m.Issue.project_id == project_id)
    if value := query.get("project_key"):
        stmt = stmt.where(func.upper(m.Project.key) == value.strip().upper())
    if value := query.get("workspace"):
        workspace_id = optional_uuid(value, "workspace")
        if workspace_id:
            stmt = stmt.where(m.Project.workspace_id == workspace_id)
    if value := query.get("workspace_key"):
        stmt = stmt.where(
            m.Project.workspace_id.in_(select(m.Workspace.id).where(m.Workspace.slug == value.strip().lower()))
        )
    if "sprint" in query:
        value = query["sprint"].strip()
        if value.lower() in ("null", "none", "backlog"):
            stmt = stmt.where(m.Issue.sprint_id.is_(None))
        elif sprint_id := optional_uuid(value, "sprint"):
            stmt = stmt.where(m.Issue.sprint_id == sprint_id)
    return _apply_item_filters(stmt, query)


def _apply_item_filters(stmt: Select[Any], query: Mapping[str, str]) -> Select[Any]:
    if value := query.get("status"):
        status_id = optional_uuid(value, "status")
        if status_id:
            stmt = stmt.where(m.Issue.status_id == status_id)
    if value := query.get("status_name"):
        stmt = stmt.where(func.lower(m.WorkflowStatus.name) == value.strip().lower())
    if value := query.get("status_category"):
        stmt = stmt.where(m.WorkflowStatus.category == value.strip().lower())
    if value := query.get("assignee"):
        stmt = stmt.where(_user_filter(m.Issue.assignee_id, value, "assignee"))
    if value := query.get("reporter"):
        stmt = stmt.where(_user_filter(m.Issue.reporter_id, value, "reporter"))
    if value := query.get("assignee_email"):
        stmt = stmt.where(func.lower(Assignee.email) == value.strip().lower())
    if value := query.get("issue_type"):
        type_id = optional_uuid(value, "issue_type")
        if type_id:
            stmt = stmt.where(m.Issue.issue_type_id == type_id)
    if value := query.get("issue_type_category"):
        stmt = stmt.where(m.IssueType.category == value.strip().lower())
    if value := query.get("priority"):
        priorities = [p.strip().upper() for p in value.split(",") if p.strip()]
        bad = [p for p in priorities if p not in PRIORITIES]
        if bad:
            raise FieldErrors(
                {"priority": [f"{bad[0]!r} is not a valid priority. Choose from: {', '.join(PRIORITIES)}."]}
            )
        stmt = stmt.where(m.Issue.priority.in_(priorities))
    if value := query.get("parent"):
        parent_id = optional_uuid(value, "parent")
        if parent_id:
            stmt = stmt.where(m.Issue.parent_id == parent_id)
    if value := query.get("label"):
        # Labels are a JSON list; matching the quoted label in its text form works on SQLite and PostgreSQL alike.
        label = like_pattern(f'"{value.strip().lower()}"')
        stmt = stmt.where(func.lower(cast(m.Issue.labels, String)).like(label, escape="\\"))
    if value := query.get("search"):
        stmt = _search(stmt, value)
    return stmt


def _search(stmt: Select[Any], term: str) -> Select[Any]:
    term = term.strip()[:200]
    if not term:
        return stmt
    pattern = like_pattern(term)
    clauses: list[Any] = [m.Issue.title.ilike(pattern, escape="\\"), m.Issue.description.ilike(pattern, escape="\\")]
    if match := _KEY.match(term):
        clauses.append((func.upper(m.Project.key) == match.group(1).upper()) & (m.Issue.number == int(match.group(2))))
    elif term.isdigit() and len(term) < 10:
        clauses.append(m.Issue.number == int(term))
    return stmt.where(or_(*clauses))


def order_issues(stmt: Select[Any], ordering: str | None) -> Select[Any]:
    """Order an issue select by ``?ordering=`` (newest first by default)."""
    return apply_ordering(stmt, ordering, ISSUE_ORDERING, default=[m.Issue.created_at.desc()], tiebreaker=m.Issue.id)
