"""Issue shapes (snake_case, nested objects as the web client reads them)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated

import msgspec

from core.auth.schemas import UserBasic

__all__ = (
    "AssignBody",
    "Issue",
    "IssueBrief",
    "IssueCreate",
    "IssueProject",
    "IssueStatus",
    "IssueTypeBrief",
    "IssueUpdate",
    "PriorityBody",
    "TransitionBody",
)

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Text = Annotated[str, msgspec.Meta(max_length=100_000)]
Hours = Annotated[float, msgspec.Meta(ge=0, le=100_000)]
Points = Annotated[float, msgspec.Meta(ge=0, le=10_000)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
# A user reference: the user_uuid, the integer id, or the integer id as a string (the client sends all three).
UserRef = Annotated[str, msgspec.Meta(max_length=64)] | int
# A type reference: the type's UUID, or its name or category ("Task", "bug"), as the original accepted.
TypeRef = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class IssueStatus(msgspec.Struct):
    """The issue's workflow status (the board groups issues by ``status.id``)."""

    id: uuid.UUID
    name: str
    category: str
    color: str
    order: int
    is_initial: bool
    is_final: bool


class IssueTypeBrief(msgspec.Struct):
    """The issue's type."""

    id: uuid.UUID
    name: str
    category: str
    icon: str
    color: str


class IssueProject(msgspec.Struct):
    """The issue's project."""

    id: uuid.UUID
    name: str
    key: str
    methodology: str
    status: str
    workspace: uuid.UUID


class IssueBrief(msgspec.Struct):
    """A related issue (parent, link target)."""

    id: uuid.UUID
    key: str
    title: str


class Issue(msgspec.Struct):
    """An issue with its nested objects and counts."""

    id: uuid.UUID
    key: str
    full_key: str
    number: int
    title: str
    description: str
    project: IssueProject
    issue_type: IssueTypeBrief
    status: IssueStatus
    priority: str
    assignee: UserBasic | None
    reporter: UserBasic | None
    parent_issue: IssueBrief | None
    sprint: uuid.UUID | None
    story_points: float | None
    estimated_hours: float | None
    actual_hours: float | None
    due_date: datetime.date | None
    labels: list[str]
    rank: float
    is_active: bool
    comment_count: int
    attachment_count: int
    link_count: int
    resolved_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class IssueCreate(msgspec.Struct):
    """``POST /projects/issues/``. Without ``status`` the project's initial status is used."""

    project: uuid.UUID
    title: Title
    issue_type: TypeRef | None = None
    description: Text | None = ""
    priority: str = "P3"
    status: uuid.UUID | None = None
    assignee: UserRef | None = None
    parent_issue: uuid.UUID | None = None
    sprint: uuid.UUID | None = None
    story_points: Points | None = None
    estimated_hours: Hours | None = None
    actual_hours: Hours | None = None
    due_date: datetime.date | None = None
    labels: list[Label] = msgspec.field(default_factory=list)


class IssueUpdate(msgspec.Struct):
    """``PATCH /projects/issues/{id}/``: a field not sent stays; ``null`` clears it."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType | None = msgspec.UNSET
    issue_type: TypeRef | msgspec.UnsetType = msgspec.UNSET
    priority: str | msgspec.UnsetType = msgspec.UNSET
    status: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    assignee: UserRef | msgspec.UnsetType | None = msgspec.UNSET
    parent_issue: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    sprint: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    story_points: Points | msgspec.UnsetType | None = msgspec.UNSET
    estimated_hours: Hours | msgspec.UnsetType | None = msgspec.UNSET
    actual_hours: Hours | msgspec.UnsetType | None = msgspec.UNSET
    due_date: datetime.date | msgspec.UnsetType | None = msgspec.UNSET
    labels: list[Label] | msgspec.UnsetType | None = msgspec.UNSET


class AssignBody(msgspec.Struct):
    """``PATCH .../assign/``: ``{}`` assigns the least-loaded project member; ``null`` unassigns."""

    assignee: UserRef | msgspec.UnsetType | None = msgspec.UNSET


class PriorityBody(msgspec.Struct):
    """``PATCH .../priority/``."""

    priority: str


class TransitionBody(msgspec.Struct):
    """``PATCH .../transition/``: the target status as ``transition``, ``status`` or ``status_uuid``."""

    transition: uuid.UUID | None = None
    status: uuid.UUID | None = None
    status_uuid: uuid.UUID | None = None

    def target(self) -> uuid.UUID | None:
        """The status asked for, whichever name carried it."""
        return self.transition or self.status or self.status_uuid


class Comment(msgspec.Struct):
    """A comment on an issue."""

    id: uuid.UUID
    issue: uuid.UUID
    author: UserBasic | None
    content: str
    is_edited: bool
    edited_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CommentBody(msgspec.Struct):
    """``POST``/``PATCH`` a comment."""

    content: Text


class IssueLinkShape(msgspec.Struct):
    """A link from this issue to another."""

    id: uuid.UUID
    source_issue: uuid.UUID
    target_issue: IssueBrief
    link_type: str
    created_at: datetime.datetime


class LinkCreate(msgspec.Struct):
    """``POST .../links/``: the target as ``target_issue_id`` (or ``target_issue``); the source is the URL's issue."""

    link_type: Annotated[str, msgspec.Meta(max_length=20)]
    target_issue_id: uuid.UUID | None = None
    target_issue: uuid.UUID | None = None
    source_issue_id: uuid.UUID | None = None


class AttachmentShape(msgspec.Struct):
    """A file attached to an issue; ``file_url`` downloads it (with a token)."""

    id: uuid.UUID
    issue: uuid.UUID
    filename: str
    content_type: str
    file_size: int
    file_size_mb: float
    file_url: str
    uploaded_by: UserBasic | None
    uploaded_at: datetime.datetime
