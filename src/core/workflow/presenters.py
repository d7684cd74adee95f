"""ORM rows -> workflow API shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.workflow import schemas as s

if TYPE_CHECKING:
    from core.db import models as m

__all__ = ("issue_type", "status", "transition")


def issue_type(row: m.IssueType) -> s.IssueType:
    """An issue type."""
    return s.IssueType(
        id=row.id,
        project=row.project_id,
        name=row.name,
        category=row.category,
        description=row.description,
        icon=row.icon,
        color=row.color,
        is_default=row.is_default,
        is_active=row.is_active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def status(row: m.WorkflowStatus, issue_count: int = 0) -> s.WorkflowStatus:
    """A workflow status."""
    return s.WorkflowStatus(
        id=row.id,
        project=row.project_id,
        name=row.name,
        category=row.category,
        description=row.description,
        color=row.color,
        order=row.order,
        is_initial=row.is_initial,
        is_final=row.is_final,
        is_active=row.is_active,
        issue_count=issue_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def transition(row: m.WorkflowTransition, from_name: str, to_name: str) -> s.Transition:
    """A transition with its statuses' names."""
    return s.Transition(
        id=row.id,
        project=row.project_id,
        from_status=row.from_status_id,
        to_status=row.to_status_id,
        from_status_name=from_name,
        to_status_name=to_name,
        name=row.name or f"{from_name} → {to_name}",
    )
