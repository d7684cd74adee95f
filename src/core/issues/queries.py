"""The one SELECT behind issue lists and details: every nested object and count in a single statement."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, String, cast, func, or_, select
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


# One result row of :func:`issue_select`: plain columns, no ORM instances (loading 100 nested issues as entities
# cost several times more than the query itself).
IssueRow = Row[Any]


def _count(model: Any, column: Any) -> Any:
    return select(func.count(model.id)).where(column == m.Issue.id).correlate(m.Issue).scalar_subquery()


def _user_columns(user: Any, prefix: str) -> list[Any]:
    return [
        user.id.label(f"{prefix}_id"),
        user.user_uuid.label(f"{prefix}_uuid"),
        user.email.label(f"{prefix}_email"),
        user.username.label(f"{prefix}_username"),
        user.first_name.label(f"{prefix}_first_name"),
        user.last_name.label(f"{prefix}_last_name"),
        user.avatar_url.label(f"{prefix}_avatar_url"),
    ]


def issue_select() -> Select[*tuple[Any, ...]]:
    """Issues joined with status, type, project, assignee, reporter, parent, and their counts, as columns."""
    return (
        select(
            m.Issue.id,
            m.Issue.number,
            m.Issue.title,
            m.Issue.description,
            m.Issue.priority,
            m.Issue.sprint_id,
            m.Issue.story_points,
            m.Issue.estimated_hours,
            m.Issue.actual_hours,
            m.Issue.due_date,
            m.Issue.labels,
            m.Issue.rank,
            m.Issue.is_active,
            m.Issue.resolved_at,
            m.Issue.created_at,
            m.Issue.updated_at,
            m.Project.id.label("project_id"),
            m.Project.name.label("project_name"),
            m.Project.key.label("project_key"),
            m.Project.methodology.label("project_methodology"),
            m.Project.status.label("project_status"),
            m.Project.workspace_id.label("workspace_id"),
            m.IssueType.id.label("type_id"),
            m.IssueType.name.label("type_name"),
            m.IssueType.category.label("type_category"),
            m.IssueType.icon.label("type_icon"),
            m.IssueType.color.label("type_color"),
            m.WorkflowStatus.id.label("status_id"),
            m.WorkflowStatus.name.label("status_name"),
            m.WorkflowStatus.category.label("status_category"),
            m.WorkflowStatus.color.label("status_color"),
            m.WorkflowStatus.order.label("status_order"),
            m.WorkflowStatus.is_initial.label("status_is_initial"),
            m.WorkflowStatus.is_final.label("status_is_final"),
            *_user_columns(Assignee, "assignee"),
            *_user_columns(Reporter, "reporter"),
            Parent.id.label("parent_id"),
            Parent.number.label("parent_number"),
            Parent.title.label("parent_title"),
            _count(m.Comment, m.Comment.issue_id).label("comment_count"),
            _count(m.Attachment, m.Attachment.issue_id).label("attachment_count"),
            _count(m.IssueLink, m.IssueLink.source_issue_id).label("link_count"),
        )
        .select_from(m.Issue)
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


def apply_issue_filters(stmt: Select[*tuple[Any, ...]], query: Mapping[str, str]) -> Select[*tuple[Any, ...]]:
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


def _apply_item_filters(stmt: Select[*tuple[Any, ...]], query: Mapping[str, str]) -> Select[*tuple[Any, ...]]:
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


def _search(stmt: Select[*tuple[Any, ...]], term: str) -> Select[*tuple[Any, ...]]:
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


def order_issues(stmt: Select[*tuple[Any, ...]], ordering: str | None) -> Select[*tuple[Any, ...]]:
    """Order an issue select by ``?ordering=`` (newest first by default)."""
    return apply_ordering(stmt, ordering, ISSUE_ORDERING, default=[m.Issue.created_at.desc()], tiebreaker=m.Issue.id)
