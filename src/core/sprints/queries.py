"""The one SELECT behind sprint lists and details: the sprint, its project and every count, in one statement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, func, select

from core.db import models as m

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import Select

__all__ = ("SPRINT_ORDERING", "SprintRow", "sprint_select")

# One result row of :func:`sprint_select`: plain columns, no ORM instances.
SprintRow = Row[Any]


def _in_sprint(*columns: Any, final: bool = False) -> Any:
    stmt = select(*columns).where(m.Issue.sprint_id == m.Sprint.id, m.Issue.is_active.is_(True))
    if final:
        stmt = stmt.join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id).where(
            m.WorkflowStatus.is_final.is_(True)
        )
    return stmt.correlate(m.Sprint).scalar_subquery()


def sprint_select() -> Select[*tuple[Any, ...]]:
    """Sprints with their project and live counts: issues, finished issues, and their story points."""
    points = func.coalesce(func.sum(m.Issue.story_points), 0)
    return (
        select(
            m.Sprint.id,
            m.Sprint.project_id,
            m.Sprint.name,
            m.Sprint.goal,
            m.Sprint.status,
            m.Sprint.start_date,
            m.Sprint.end_date,
            m.Sprint.committed_points,
            m.Sprint.completed_points,
            m.Sprint.started_at,
            m.Sprint.completed_at,
            m.Sprint.created_at,
            m.Sprint.updated_at,
            m.Project.name.label("project_name"),
            m.Project.key.label("project_key"),
            _in_sprint(func.count(m.Issue.id)).label("issue_count"),
            _in_sprint(func.count(m.Issue.id), final=True).label("done_count"),
            _in_sprint(points).label("total_points"),
            _in_sprint(points, final=True).label("done_points"),
        )
        .select_from(m.Sprint)
        .join(m.Project, m.Project.id == m.Sprint.project_id)
    )


SPRINT_ORDERING: Mapping[str, Any] = {
    "start_date": m.Sprint.start_date,
    "end_date": m.Sprint.end_date,
    "created_at": m.Sprint.created_at,
    "updated_at": m.Sprint.updated_at,
    "name": m.Sprint.name,
    "status": m.Sprint.status,
}
