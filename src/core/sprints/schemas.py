"""Sprint shapes (snake_case; ``project`` nested: the web client filters ``sprint.project.id``)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated

import msgspec

from core.issues.schemas import Issue

__all__ = (
    "BurndownPoint",
    "IssueRef",
    "Sprint",
    "SprintBurndown",
    "SprintComplete",
    "SprintCreate",
    "SprintIssueResult",
    "SprintProgress",
    "SprintProject",
    "SprintUpdate",
)

Name = Annotated[str, msgspec.Meta(max_length=255)]
Goal = Annotated[str, msgspec.Meta(max_length=10_000)]
# Dates arrive as "YYYY-MM-DD" (or a full ISO date-time, or "" for none); the service parses them.
DateText = Annotated[str, msgspec.Meta(max_length=40)]


class SprintProject(msgspec.Struct):
    """The sprint's project."""

    id: uuid.UUID
    name: str
    key: str


class Sprint(msgspec.Struct):
    """A sprint with its counts and points (every number a JSON number)."""

    id: uuid.UUID
    project: SprintProject
    name: str
    goal: str
    status: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    issue_count: int
    completed_issue_count: int
    progress_percentage: float
    committed_points: float
    completed_points: float
    duration_days: int
    remaining_days: int
    started_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class SprintCreate(msgspec.Struct):
    """``POST /projects/sprints/``."""

    project: uuid.UUID
    name: Name
    goal: Goal | None = ""
    start_date: DateText | None = None
    end_date: DateText | None = None


class SprintUpdate(msgspec.Struct):
    """``PATCH``/``PUT /projects/sprints/{id}/``: a field not sent stays; dates may be ``null``."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    goal: Goal | msgspec.UnsetType | None = msgspec.UNSET
    start_date: DateText | msgspec.UnsetType | None = msgspec.UNSET
    end_date: DateText | msgspec.UnsetType | None = msgspec.UNSET


class SprintComplete(msgspec.Struct):
    """``POST .../complete/``: where unfinished issues go (the backlog by default)."""

    move_incomplete_to: uuid.UUID | None = None
    move_incomplete_to_backlog: bool | None = None


class IssueRef(msgspec.Struct):
    """``POST .../issues/`` (and the seed's ``add_issue``/``remove_issue``)."""

    issue_id: uuid.UUID


class SprintIssueResult(msgspec.Struct):
    """What adding or removing an issue answers."""

    message: str
    sprint_id: uuid.UUID
    issue: Issue


class SprintProgress(msgspec.Struct):
    """``GET .../progress/``."""

    sprint_id: uuid.UUID
    sprint_name: str
    status: str
    total_issues: int
    completed_issues: int
    remaining_issues: int
    total_story_points: float
    completed_story_points: float
    remaining_story_points: float
    completion_percentage: float
    points_completion_percentage: float
    duration_days: int
    remaining_days: int


class BurndownPoint(msgspec.Struct):
    """Remaining points at the end of one sprint day (``day`` 0 is the start date)."""

    day: int
    date: datetime.date
    remaining_points: float


class SprintBurndown(msgspec.Struct):
    """``GET .../burndown/``: the ideal line over the whole sprint, the actual one up to today."""

    sprint_id: uuid.UUID
    sprint_name: str
    start_date: datetime.date
    end_date: datetime.date
    total_points: float
    ideal_line: list[BurndownPoint]
    actual_line: list[BurndownPoint]
