"""Board shapes (snake_case, nested objects as the web client reads them: contract sections 1 and 8)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any, Literal

import msgspec

from core.auth.schemas import UserBasic
from core.issues.schemas import Hours, Label, Points, Text, Title, TypeRef, UserRef

__all__ = (
    "Board",
    "BoardColumn",
    "BoardCreate",
    "BoardIssueCreate",
    "BoardProject",
    "BoardSummary",
    "BoardUpdate",
    "ColumnCreate",
    "ColumnStatus",
    "ColumnUpdate",
    "MoveBody",
)

BoardType = Literal["kanban", "scrum"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
ColumnName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Description = Annotated[str, msgspec.Meta(max_length=10_000)]
Wip = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
Order = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
# A status UUID of the board's project, or one of the client's placeholder slugs ("to-do", "in-progress", ...).
StatusRef = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Rank = Annotated[float, msgspec.Meta(ge=-1e12, le=1e12)]


class BoardProject(msgspec.Struct):
    """The board's project (the client reads ``board.project.id``)."""

    id: uuid.UUID
    name: str
    key: str


class ColumnStatus(msgspec.Struct):
    """The workflow status a column shows (the client matches ``workflow_status.id`` with ``issue.status.id``)."""

    id: uuid.UUID
    name: str
    color: str
    category: str
    is_initial: bool
    is_final: bool


class BoardColumn(msgspec.Struct):
    """A column of a board: the issues of its project in one workflow status."""

    id: uuid.UUID
    board: uuid.UUID
    name: str
    order: int
    workflow_status: ColumnStatus
    min_wip: int | None
    max_wip: int | None
    issue_count: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class BoardSummary(msgspec.Struct):
    """A board as lists show it."""

    id: uuid.UUID
    project: BoardProject
    name: str
    description: str
    board_type: str
    saved_filter: dict[str, Any]
    column_count: int
    issue_count: int
    created_by: UserBasic | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class Board(BoardSummary):
    """A board with its columns, sorted by ``order``."""

    columns: list[BoardColumn]


class BoardCreate(msgspec.Struct):
    """``POST /projects/boards/``: one column per active workflow status is created with it.

    ``saved_filter`` narrows the board's issue list: ``{"priority": [...], "assignee": [...], "issue_type": [...]}``.
    """

    project: uuid.UUID
    name: Name
    description: Description | None = ""
    board_type: BoardType = "kanban"
    saved_filter: dict[str, Any] | None = None


class BoardUpdate(msgspec.Struct):
    """``PATCH``/``PUT /projects/boards/{id}/``: a field not sent stays."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    board_type: BoardType | msgspec.UnsetType = msgspec.UNSET
    saved_filter: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET


class ColumnCreate(msgspec.Struct):
    """``POST .../columns/``: ``workflow_status_id`` is a status UUID or a slug (``to-do``, ``in-progress``...)."""

    workflow_status_id: StatusRef
    name: ColumnName | None = None
    order: Order | None = None
    min_wip: Wip | None = None
    max_wip: Wip | None = None


class ColumnUpdate(msgspec.Struct):
    """``PATCH .../columns/{column_id}/``: a field not sent stays; ``null`` clears a WIP limit."""

    name: ColumnName | msgspec.UnsetType = msgspec.UNSET
    workflow_status_id: StatusRef | msgspec.UnsetType = msgspec.UNSET
    order: Order | msgspec.UnsetType = msgspec.UNSET
    min_wip: Wip | msgspec.UnsetType | None = msgspec.UNSET
    max_wip: Wip | msgspec.UnsetType | None = msgspec.UNSET


class MoveBody(msgspec.Struct):
    """``PATCH .../issues/{issue_id}/move/``: the target column, a position in it, and a WIP-limit override."""

    column_id: uuid.UUID
    rank: Rank | None = None
    force: bool = False


class BoardIssueCreate(msgspec.Struct):
    """``POST .../issues/``: the issue create body without ``project``; ``column_id`` picks the starting status."""

    title: Title
    column_id: uuid.UUID | None = None
    issue_type: TypeRef | None = None
    description: Text | None = ""
    priority: str = "P3"
    assignee: UserRef | None = None
    parent_issue: uuid.UUID | None = None
    sprint: uuid.UUID | None = None
    story_points: Points | None = None
    estimated_hours: Hours | None = None
    actual_hours: Hours | None = None
    due_date: datetime.date | None = None
    labels: list[Label] = msgspec.field(default_factory=list)
