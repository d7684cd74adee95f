"""Project, project member and project configuration shapes (snake_case: the web client reads these names)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec

from core.auth.schemas import UserBasic

__all__ = (
    "Project",
    "ProjectConfig",
    "ProjectConfigCreate",
    "ProjectConfigUpdate",
    "ProjectCreate",
    "ProjectMember",
    "ProjectMemberCreate",
    "ProjectMemberUpdate",
    "ProjectUpdate",
    "WorkspaceDetails",
)

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
Slug = Annotated[str, msgspec.Meta(max_length=100)]
# The client sends the key as typed or derived from the name ("my-proj"); the service normalises it.
KeyText = Annotated[str, msgspec.Meta(max_length=100)]
Text = Annotated[str, msgspec.Meta(max_length=10_000)]
Url = Annotated[str, msgspec.Meta(max_length=500)]
Choice = Annotated[str, msgspec.Meta(max_length=32)]
# A number, or a numeric string (multipart forms and some inputs send strings); the service checks the range.
Amount = float | Annotated[str, msgspec.Meta(max_length=32)]
SprintDuration = Annotated[int, msgspec.Meta(ge=1, le=4)]
UserRef = int | Annotated[str, msgspec.Meta(max_length=64)]


class WorkspaceDetails(msgspec.Struct):
    """The project's workspace, nested as ``workspace_details``."""

    id: uuid.UUID
    name: str
    slug: str
    workspace_type: str
    visibility: str
    organization: uuid.UUID


class Project(msgspec.Struct):
    """A project with its team size, progress and the caller's role in it."""

    id: uuid.UUID
    name: str
    slug: str
    key: str
    description: str
    methodology: str
    status: str
    priority: str
    is_active: bool
    start_date: datetime.date | None
    end_date: datetime.date | None
    due_date: datetime.date | None
    estimated_hours: float | None
    budget: float | None
    progress: float
    cover_image_url: str | None
    team_member_count: int
    lead: UserBasic | None
    created_by: UserBasic | None
    project_settings: dict[str, Any]
    workspace: uuid.UUID
    workspace_details: WorkspaceDetails
    current_user_role: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ProjectCreate(msgspec.Struct):
    """``POST /projects/projects/`` (JSON, or multipart with a ``cover_image`` file).

    A blank ``slug`` is derived from the name. ``due_date`` is another name for ``end_date``.
    """

    name: Name
    key: KeyText
    workspace: uuid.UUID
    slug: Slug = ""
    methodology: Choice = "scrum"
    description: Text | None = ""
    status: Choice = "planning"
    priority: Choice = "medium"
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    due_date: datetime.date | None = None
    budget: Amount | None = None
    estimated_hours: Amount | None = None
    is_active: bool = True
    project_settings: dict[str, Any] = msgspec.field(default_factory=dict)


class ProjectUpdate(msgspec.Struct):
    """``PATCH``/``PUT /projects/projects/{id}/``: only the fields sent change.

    ``workspace`` may repeat the current one (the edit form sends it); projects do not move between workspaces.
    """

    name: Name | msgspec.UnsetType = msgspec.UNSET
    slug: Slug | msgspec.UnsetType | None = msgspec.UNSET
    key: KeyText | msgspec.UnsetType | None = msgspec.UNSET
    workspace: Annotated[str, msgspec.Meta(max_length=64)] | msgspec.UnsetType | None = msgspec.UNSET
    methodology: Choice | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType | None = msgspec.UNSET
    status: Choice | msgspec.UnsetType = msgspec.UNSET
    priority: Choice | msgspec.UnsetType = msgspec.UNSET
    start_date: datetime.date | msgspec.UnsetType | None = msgspec.UNSET
    end_date: datetime.date | msgspec.UnsetType | None = msgspec.UNSET
    due_date: datetime.date | msgspec.UnsetType | None = msgspec.UNSET
    budget: Amount | msgspec.UnsetType | None = msgspec.UNSET
    estimated_hours: Amount | msgspec.UnsetType | None = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    project_settings: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET


class ProjectMember(msgspec.Struct):
    """A member of a project."""

    id: uuid.UUID
    project: uuid.UUID
    user: UserBasic
    role: str
    is_active: bool
    joined_at: datetime.datetime


class ProjectMemberCreate(msgspec.Struct):
    """``POST .../members/``: ``user_id`` is the user's integer id (a number or a string of digits) or ``user_uuid``."""

    user_id: UserRef
    role: Choice = "member"


class ProjectMemberUpdate(msgspec.Struct):
    """``PATCH .../members/{id}/``."""

    role: Choice


class ProjectConfig(msgspec.Struct):
    """A project's configuration; ``project`` is the project's id."""

    project: uuid.UUID
    sprint_duration: int
    auto_close_sprints: bool
    estimation_type: str
    story_point_scale: Any
    enable_time_tracking: bool
    require_time_logging: bool
    enable_sub_tasks: bool
    email_notifications: bool
    slack_notifications: bool
    slack_webhook_url: str
    restrict_issue_visibility: bool
    require_approval_for_changes: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class _ConfigFields(msgspec.Struct, kw_only=True):
    """The configuration fields a client may change; those not sent keep their value."""

    sprint_duration: SprintDuration | msgspec.UnsetType = msgspec.UNSET
    auto_close_sprints: bool | msgspec.UnsetType = msgspec.UNSET
    estimation_type: Choice | msgspec.UnsetType = msgspec.UNSET
    story_point_scale: list[Any] | dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    enable_time_tracking: bool | msgspec.UnsetType = msgspec.UNSET
    require_time_logging: bool | msgspec.UnsetType = msgspec.UNSET
    enable_sub_tasks: bool | msgspec.UnsetType = msgspec.UNSET
    email_notifications: bool | msgspec.UnsetType = msgspec.UNSET
    slack_notifications: bool | msgspec.UnsetType = msgspec.UNSET
    slack_webhook_url: Url | msgspec.UnsetType | None = msgspec.UNSET
    restrict_issue_visibility: bool | msgspec.UnsetType = msgspec.UNSET
    require_approval_for_changes: bool | msgspec.UnsetType = msgspec.UNSET


class ProjectConfigCreate(_ConfigFields, kw_only=True):
    """``POST /projects/configs/``: every project already has a configuration, so this changes it."""

    project: uuid.UUID


class ProjectConfigUpdate(_ConfigFields, kw_only=True):
    """``PUT``/``PATCH /projects/configs/{project_id}/``; a ``project`` sent must be the one in the path."""

    project: uuid.UUID | msgspec.UnsetType = msgspec.UNSET
