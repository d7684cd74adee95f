"""Workspace and workspace-member shapes (snake_case: the web client reads these names)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec

from core.auth.schemas import User, UserBasic
from core.organizations.schemas import OrganizationDetails

__all__ = (
    "CoverImageUrl",
    "Workspace",
    "WorkspaceCreate",
    "WorkspaceMember",
    "WorkspaceMemberCreate",
    "WorkspaceMemberRole",
    "WorkspaceMemberUpdate",
    "WorkspaceUpdate",
)

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
Slug = Annotated[str, msgspec.Meta(max_length=100)]
Text = Annotated[str, msgspec.Meta(max_length=10_000)]
Choice = Annotated[str, msgspec.Meta(max_length=32)]
UserRef = Annotated[str, msgspec.Meta(max_length=64)] | int


class Workspace(msgspec.Struct):
    """A workspace with its counts, its organization and the caller's role in it."""

    id: uuid.UUID
    name: str
    slug: str
    description: str
    workspace_type: str
    visibility: str
    cover_image_url: str | None
    is_active: bool
    member_count: int
    project_count: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    organization: uuid.UUID
    organization_details: OrganizationDetails
    created_by: UserBasic | None
    workspace_settings: dict[str, Any]
    current_user_role: str | None


class WorkspaceCreate(msgspec.Struct):
    """``POST /workspaces/`` (JSON, or multipart with a ``cover_image`` file). A blank slug is derived."""

    organization: uuid.UUID
    name: Name
    slug: Slug = ""
    description: Text = ""
    workspace_type: Choice = "general"
    visibility: Choice = "private"
    workspace_settings: dict[str, Any] = msgspec.field(default_factory=dict)
    is_active: bool = True


class WorkspaceUpdate(msgspec.Struct):
    """``PATCH /workspaces/{id}/``: only the fields sent change (the organization never does)."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    slug: Slug | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType | None = msgspec.UNSET
    workspace_type: Choice | msgspec.UnsetType = msgspec.UNSET
    visibility: Choice | msgspec.UnsetType = msgspec.UNSET
    workspace_settings: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET


class CoverImageUrl(msgspec.Struct):
    """The new cover image's URL."""

    cover_image_url: str


class WorkspaceMember(msgspec.Struct):
    """A member of a workspace, with the full user shape."""

    id: uuid.UUID
    workspace: uuid.UUID
    user: User
    role: str
    is_active: bool
    joined_at: datetime.datetime
    updated_at: datetime.datetime


class WorkspaceMemberCreate(msgspec.Struct):
    """``POST /workspaces/members/``: ``user_id`` is the integer id (number or string) or the ``user_uuid``."""

    workspace: uuid.UUID
    user_id: UserRef
    role: Choice = "member"


class WorkspaceMemberUpdate(msgspec.Struct):
    """``PATCH /workspaces/members/{id}/``: only the fields sent change."""

    role: Choice | msgspec.UnsetType = msgspec.UNSET


class WorkspaceMemberRole(msgspec.Struct):
    """``PATCH /workspaces/members/{id}/update-role/``."""

    role: Choice
