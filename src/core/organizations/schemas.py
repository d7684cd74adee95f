"""Organization, member and invitation shapes (snake_case: the web client reads these names)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec

from core.auth.schemas import UserBasic

__all__ = (
    "Invitation",
    "InvitationCreate",
    "InvitationCreated",
    "InvitationOrganization",
    "MemberRoleUpdate",
    "OrgMember",
    "Organization",
    "OrganizationCreate",
    "OrganizationDetails",
    "OrganizationUpdate",
)

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
Slug = Annotated[str, msgspec.Meta(max_length=100)]
Text = Annotated[str, msgspec.Meta(max_length=10_000)]
Url = Annotated[str, msgspec.Meta(max_length=500)]
Choice = Annotated[str, msgspec.Meta(max_length=32)]


class OrganizationDetails(msgspec.Struct):
    """The short organization shape nested in workspaces (``organization_details``)."""

    id: uuid.UUID
    name: str
    slug: str
    organization_type: str
    logo_url: str | None
    subscription_plan: str
    is_active: bool


class Organization(msgspec.Struct):
    """An organization with its counts and the caller's role in it."""

    id: uuid.UUID
    name: str
    slug: str
    description: str
    logo_url: str | None
    website_url: str
    organization_type: str
    subscription_plan: str
    organization_settings: dict[str, Any]
    is_active: bool
    owner: UserBasic | None
    member_count: int
    workspace_count: int
    project_count: int
    current_user_role: str | None
    team_members_change_pct: float
    total_workspaces_change_pct: float
    active_projects_change_pct: float
    organizations_change_pct: float
    created_at: datetime.datetime
    updated_at: datetime.datetime


class OrganizationCreate(msgspec.Struct):
    """``POST /orgs/organizations/`` (JSON, or multipart with a ``logo`` file). A blank slug is derived."""

    name: Name
    slug: Slug = ""
    description: Text = ""
    website_url: Url = ""
    organization_type: Choice = "other"
    subscription_plan: Choice = "free"
    organization_settings: dict[str, Any] = msgspec.field(default_factory=dict)
    is_active: bool = True


class OrganizationUpdate(msgspec.Struct):
    """``PATCH /orgs/organizations/{id}/``: only the fields sent change."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    slug: Slug | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType | None = msgspec.UNSET
    website_url: Url | msgspec.UnsetType | None = msgspec.UNSET
    organization_type: Choice | msgspec.UnsetType = msgspec.UNSET
    subscription_plan: Choice | msgspec.UnsetType = msgspec.UNSET
    organization_settings: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET


class OrgMember(msgspec.Struct):
    """A member of an organization."""

    id: uuid.UUID
    organization: uuid.UUID
    user: UserBasic
    role: str
    status: str
    invited_by: UserBasic | None
    invited_at: datetime.datetime | None
    joined_at: datetime.datetime
    is_active: bool


class MemberRoleUpdate(msgspec.Struct):
    """``PATCH .../update-role/``."""

    role: Choice


class InvitationOrganization(msgspec.Struct):
    """The organization as an invitation shows it."""

    id: uuid.UUID
    name: str
    slug: str
    organization_type: str
    logo_url: str | None


class Invitation(msgspec.Struct):
    """An invitation; ``status`` reads ``expired`` once past ``expires_at``."""

    id: uuid.UUID
    organization: InvitationOrganization
    email: str
    role: str
    status: str
    token: str
    message: str
    invited_by: UserBasic | None
    invited_at: datetime.datetime
    expires_at: datetime.datetime
    accepted_at: datetime.datetime | None
    is_expired: bool
    acceptance_url: str


class InvitationCreate(msgspec.Struct):
    """``POST /orgs/invitations/``."""

    organization: uuid.UUID
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
    role: Choice = "member"
    message: Text = ""


class InvitationCreated(msgspec.Struct):
    """The answer to an invitation: a message and the invitation."""

    message: str
    invitation: Invitation
