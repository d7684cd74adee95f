"""Past states of a project's issues, rebuilt from the activity log (burndowns, flow diagrams, sprint reports).

The current state of every issue is known exactly, so the past is reached by walking the log backwards from now
and undoing each change: a ``transitioned`` row puts the issue back in its old status, ``sprint_added`` /
``sprint_removed`` (and an ``updated`` row with ``sprint_id``) back in its old sprint, an ``updated`` row with
``story_points`` back to its old estimate, ``deleted`` brings it back and ``created`` (or its ``created_at``)
removes it. Issues never need a complete history of their creation this way: rows the log lacks (older data,
direct imports) simply mean "unchanged since".
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import uuid
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select

from core.db import models as m

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ("History", "IssueState", "StatusInfo", "end_of_day", "load_history", "load_statuses", "today")

T = TypeVar("T")

# The log actions that change what the reports look at.
_ACTIONS = ("created", "deleted", "transitioned", "sprint_added", "sprint_removed", "updated")


def today() -> datetime.date:
    """Today's date (UTC, like every timestamp the API stores)."""
    return datetime.datetime.now(datetime.UTC).date()


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` (UTC): a state "at the end of ``day``" is the state just before it."""
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=datetime.UTC)


@dataclasses.dataclass(slots=True, frozen=True)
class StatusInfo:
    """What the reports need to know about a workflow status."""

    id: uuid.UUID
    name: str
    category: str
    order: int
    is_final: bool
    is_active: bool


async def load_statuses(session: AsyncSession, project_id: uuid.UUID) -> dict[uuid.UUID, StatusInfo]:
    """Every status of a project (inactive ones too: old issues may still be in them), in workflow order."""
    rows = (
        await session.execute(
            select(
                m.WorkflowStatus.id,
                m.WorkflowStatus.name,
                m.WorkflowStatus.category,
                m.WorkflowStatus.order,
                m.WorkflowStatus.is_final,
                m.WorkflowStatus.is_active,
            )
            .where(m.WorkflowStatus.project_id == project_id)
            .order_by(m.WorkflowStatus.order, m.WorkflowStatus.name)
        )
    ).all()
    return {row.id: StatusInfo(row.id, row.name, row.category, row.order, row.is_final, row.is_active) for row in rows}


@dataclasses.dataclass(slots=True)
class IssueState:
    """One issue at some moment: where it was, and whether it existed."""

    id: uuid.UUID
    status_id: uuid.UUID | None
    sprint_id: uuid.UUID | None
    points: float
    alive: bool
    created_at: datetime.datetime
    issue_type_id: uuid.UUID
    assignee_id: int | None


def _uuid(value: Any) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _points(value: Any) -> float:
    if value in (None, ""):
        return 0.0
    try:
        return float(decimal.Decimal(str(value)))
    except (decimal.InvalidOperation, ValueError):
        return 0.0


def _old(changes: Any, field: str) -> tuple[bool, Any]:
    """Whether ``changes`` records ``field``, and its old value."""
    if not isinstance(changes, dict):
        return False, None
    change = changes.get(field)
    if not isinstance(change, dict) or "old" not in change:
        return False, None
    return True, change["old"]


@dataclasses.dataclass(slots=True, frozen=True)
class _Row:
    issue_id: uuid.UUID
    action: str
    changes: Any
    created_at: datetime.datetime


class History:
    """The issues of one project now, and the log rows (newest first) that lead there from the past."""

    def __init__(self, issues: Sequence[IssueState], rows: Sequence[_Row]) -> None:
        self._issues = list(issues)
        self._rows = list(rows)

    @property
    def issues(self) -> list[IssueState]:
        """The current state of every issue (deleted ones with ``alive`` false)."""
        return self._issues

    def at(self, moments: Sequence[datetime.datetime], measure: Callable[[list[IssueState]], T]) -> list[T]:
        """``measure`` of the issues that existed just before each moment, in the order of ``moments``.

        Each moment sees every change logged strictly before it and none logged at or after it.
        """
        states = {issue.id: dataclasses.replace(issue) for issue in self._issues}
        results: dict[int, T] = {}
        position = 0
        for index in sorted(range(len(moments)), key=lambda i: moments[i], reverse=True):
            moment = moments[index]
            while position < len(self._rows) and self._rows[position].created_at >= moment:
                self._undo(states, self._rows[position])
                position += 1
            results[index] = measure([s for s in states.values() if s.alive and s.created_at < moment])
        return [results[i] for i in range(len(moments))]

    @staticmethod
    def _undo(states: dict[uuid.UUID, IssueState], row: _Row) -> None:
        state = states.get(row.issue_id)
        if state is None:
            return
        if row.action == "created":
            state.alive = False
        elif row.action == "deleted":
            state.alive = True
        elif row.action == "transitioned":
            found, old = _old(row.changes, "status")
            if found:
                state.status_id = _uuid(old)
        elif row.action in ("sprint_added", "sprint_removed"):
            found, old = _old(row.changes, "sprint")
            if found:
                state.sprint_id = _uuid(old)
        elif row.action == "updated":
            found, old = _old(row.changes, "sprint_id")
            if found:
                state.sprint_id = _uuid(old)
            found, old = _old(row.changes, "story_points")
            if found:
                state.points = _points(old)


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


async def load_history(session: AsyncSession, project_id: uuid.UUID, since: datetime.datetime) -> History:
    """The project's issues and the log rows from ``since`` on: enough to rebuild any moment after ``since``.

    Two statements whatever the size of the project.
    """
    issues = (
        await session.execute(
            select(
                m.Issue.id,
                m.Issue.status_id,
                m.Issue.sprint_id,
                m.Issue.story_points,
                m.Issue.is_active,
                m.Issue.created_at,
                m.Issue.issue_type_id,
                m.Issue.assignee_id,
            ).where(m.Issue.project_id == project_id)
        )
    ).all()
    rows = (
        await session.execute(
            select(m.Activity.object_id, m.Activity.action_type, m.Activity.changes, m.Activity.created_at)
            .where(
                m.Activity.project_id == project_id,
                m.Activity.object_type == "issue",
                m.Activity.action_type.in_(_ACTIONS),
                m.Activity.created_at >= since,
            )
            .order_by(m.Activity.created_at.desc(), m.Activity.id.desc())
        )
    ).all()
    states = [
        IssueState(
            id=row.id,
            status_id=row.status_id,
            sprint_id=row.sprint_id,
            points=_points(row.story_points),
            alive=row.is_active,
            created_at=_utc(row.created_at),
            issue_type_id=row.issue_type_id,
            assignee_id=row.assignee_id,
        )
        for row in issues
    ]
    log = [
        _Row(issue_id, row.action_type, row.changes, _utc(row.created_at))
        for row in rows
        if (issue_id := _uuid(row.object_id)) is not None
    ]
    return History(states, log)
