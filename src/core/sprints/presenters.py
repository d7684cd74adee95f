"""Result rows -> sprint API shapes (every count and point a JSON number, contract X9)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from core.sprints import schemas as s
from core.sprints.history import today

if TYPE_CHECKING:
    from core.sprints.queries import SprintRow

__all__ = ("duration_days", "number", "percent", "remaining_days", "sprint")


def number(value: Any) -> float:
    """A decimal (or None) as a float rounded to two places."""
    return round(float(value or 0), 2)


def percent(part: float, whole: float) -> float:
    """``part`` of ``whole`` in percent, two decimals; 0 when ``whole`` is 0."""
    return round(100.0 * part / whole, 2) if whole else 0.0


def duration_days(start: datetime.date | None, end: datetime.date | None) -> int:
    """Days from start to end (0 without both dates), as the original computed it."""
    return (end - start).days if start is not None and end is not None else 0


def remaining_days(status: str, end: datetime.date | None) -> int:
    """Days left until the end date of an active sprint (0 otherwise)."""
    return max(0, (end - today()).days) if status == "active" and end is not None else 0


def sprint(row: SprintRow) -> s.Sprint:
    """The full sprint shape.

    Before a sprint starts, ``committed_points`` shows what would be committed now (its issues' points); from the
    start on it is the figure frozen then. ``completed_points`` is live until completion, then frozen.
    """
    committed = row.total_points if row.status == "planning" else row.committed_points
    completed = row.completed_points if row.status == "completed" else row.done_points
    issue_count = int(row.issue_count or 0)
    done_count = int(row.done_count or 0)
    return s.Sprint(
        id=row.id,
        project=s.SprintProject(id=row.project_id, name=row.project_name, key=row.project_key),
        name=row.name,
        goal=row.goal,
        status=row.status,
        start_date=row.start_date,
        end_date=row.end_date,
        issue_count=issue_count,
        completed_issue_count=done_count,
        progress_percentage=percent(done_count, issue_count),
        committed_points=number(committed),
        completed_points=number(completed),
        duration_days=duration_days(row.start_date, row.end_date),
        remaining_days=remaining_days(row.status, row.end_date),
        started_at=row.started_at,
        completed_at=row.completed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
