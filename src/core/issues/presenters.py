"""ORM rows -> issue API shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth.presenters import user_basic
from core.issues import schemas as s

if TYPE_CHECKING:
    import decimal

    from core.issues.queries import IssueRow

__all__ = ("issue",)


def _number(value: decimal.Decimal | None) -> float | None:
    return None if value is None else float(value)


def issue(row: IssueRow) -> s.Issue:
    """The full issue shape."""
    item, project, status, kind = row.issue, row.project, row.status, row.issue_type
    key = f"{project.key}-{item.number}"
    return s.Issue(
        id=item.id,
        key=key,
        full_key=key,
        number=item.number,
        title=item.title,
        description=item.description,
        project=s.IssueProject(
            id=project.id,
            name=project.name,
            key=project.key,
            methodology=project.methodology,
            status=project.status,
            workspace=project.workspace_id,
        ),
        issue_type=s.IssueTypeBrief(
            id=kind.id, name=kind.name, category=kind.category, icon=kind.icon, color=kind.color
        ),
        status=s.IssueStatus(
            id=status.id,
            name=status.name,
            category=status.category,
            color=status.color,
            order=status.order,
            is_initial=status.is_initial,
            is_final=status.is_final,
        ),
        priority=item.priority,
        assignee=user_basic(row.assignee) if row.assignee else None,
        reporter=user_basic(row.reporter) if row.reporter else None,
        parent_issue=s.IssueBrief(
            id=row.parent_id, key=f"{project.key}-{row.parent_number}", title=row.parent_title or ""
        )
        if row.parent_id
        else None,
        sprint=item.sprint_id,
        story_points=_number(item.story_points),
        estimated_hours=_number(item.estimated_hours),
        actual_hours=_number(item.actual_hours),
        due_date=item.due_date,
        labels=list(item.labels or []),
        rank=item.rank,
        is_active=item.is_active,
        comment_count=row.comment_count,
        attachment_count=row.attachment_count,
        link_count=row.link_count,
        resolved_at=item.resolved_at,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )
