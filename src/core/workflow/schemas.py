"""Issue type, workflow status and transition shapes."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated

import msgspec

__all__ = (
    "IssueType",
    "IssueTypeCreate",
    "IssueTypeUpdate",
    "Transition",
    "TransitionCreate",
    "WorkflowStatus",
    "WorkflowStatusCreate",
    "WorkflowStatusUpdate",
)

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Color = Annotated[str, msgspec.Meta(pattern=r"^#[0-9A-Fa-f]{6}$")]
Text = Annotated[str, msgspec.Meta(max_length=5_000)]
Short = Annotated[str, msgspec.Meta(max_length=50)]


class IssueType(msgspec.Struct):
    """A kind of issue in a project."""

    id: uuid.UUID
    project: uuid.UUID
    name: str
    category: str
    description: str
    icon: str
    color: str
    is_default: bool
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class IssueTypeCreate(msgspec.Struct):
    """``POST /projects/issue-types/``."""

    project: uuid.UUID
    name: Name
    category: Short
    description: Text = ""
    icon: Short = ""
    color: Color = "#6B7280"
    is_default: bool = False


class IssueTypeUpdate(msgspec.Struct):
    """``PATCH /projects/issue-types/{id}/``."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    category: Short | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType = msgspec.UNSET
    icon: Short | msgspec.UnsetType = msgspec.UNSET
    color: Color | msgspec.UnsetType = msgspec.UNSET
    is_default: bool | msgspec.UnsetType = msgspec.UNSET


class WorkflowStatus(msgspec.Struct):
    """A status of a project's workflow."""

    id: uuid.UUID
    project: uuid.UUID
    name: str
    category: str
    description: str
    color: str
    order: int
    is_initial: bool
    is_final: bool
    is_active: bool
    issue_count: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class WorkflowStatusCreate(msgspec.Struct):
    """``POST /projects/workflow-statuses/``: transitions to and from every other status are created with it."""

    project: uuid.UUID
    name: Name
    category: Short = "in_progress"
    description: Text = ""
    color: Color = "#6B7280"
    order: int | None = None
    is_initial: bool = False
    is_final: bool = False


class WorkflowStatusUpdate(msgspec.Struct):
    """``PATCH /projects/workflow-statuses/{id}/``."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    category: Short | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType = msgspec.UNSET
    color: Color | msgspec.UnsetType = msgspec.UNSET
    order: int | msgspec.UnsetType = msgspec.UNSET
    is_initial: bool | msgspec.UnsetType = msgspec.UNSET
    is_final: bool | msgspec.UnsetType = msgspec.UNSET


class Transition(msgspec.Struct):
    """An allowed move between two statuses."""

    id: uuid.UUID
    project: uuid.UUID
    from_status: uuid.UUID
    to_status: uuid.UUID
    from_status_name: str
    to_status_name: str
    name: str


class TransitionCreate(msgspec.Struct):
    """``POST /projects/workflow-transitions/``."""

    project: uuid.UUID
    from_status: uuid.UUID
    to_status: uuid.UUID
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
