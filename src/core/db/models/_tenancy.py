"""Organizations, their members and invitations; workspaces and their members."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import JSONType, UUIDv7AuditBase
from core.db.models._user import User

__all__ = ("Invitation", "OrgMember", "Organization", "Workspace", "WorkspaceMember")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Organization(UUIDv7AuditBase):
    """A tenant: everything below it (workspaces, projects, issues) belongs to exactly one organization."""

    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    logo_url: Mapped[str | None] = mapped_column(String(500), default=None)
    website_url: Mapped[str] = mapped_column(String(500), default="")
    organization_type: Mapped[str] = mapped_column(String(32), default="other")
    subscription_plan: Mapped[str] = mapped_column(String(32), default="free")
    organization_settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    owner_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None)

    owner: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[owner_id])


class OrgMember(UUIDv7AuditBase):
    """A user's membership of an organization, with a role."""

    __tablename__ = "organization_members"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), default="active")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    invited_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    joined_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True), default=_now)

    user: Mapped[User] = relationship(lazy="raise", foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[invited_by_id])
    organization: Mapped[Organization] = relationship(lazy="raise")


class Invitation(UUIDv7AuditBase):
    """An invitation to join an organization, accepted by signing in with the invited email."""

    __tablename__ = "organization_invitations"
    __table_args__ = (
        # At most one pending invitation per email and organization; history rows may repeat.
        Index(
            "uq_organization_invitations_pending",
            "organization_id",
            "email",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        GUID, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    token: Mapped[str] = mapped_column(String(64), unique=True)
    message: Mapped[str] = mapped_column(Text, default="")
    invited_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    accepted_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    organization: Mapped[Organization] = relationship(lazy="raise")
    invited_by: Mapped[User | None] = relationship(lazy="raise")


class Workspace(UUIDv7AuditBase):
    """A team space inside an organization; it holds projects."""

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("organization_id", "slug"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(
        GUID, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    workspace_type: Mapped[str] = mapped_column(String(32), default="general")
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    cover_image_url: Mapped[str | None] = mapped_column(String(500), default=None)
    workspace_settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    organization: Mapped[Organization] = relationship(lazy="raise")
    created_by: Mapped[User | None] = relationship(lazy="raise")


class WorkspaceMember(UUIDv7AuditBase):
    """A user's membership of a workspace, with a role."""

    __tablename__ = "workspace_members"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    permissions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True), default=_now)

    user: Mapped[User] = relationship(lazy="raise")
    workspace: Mapped[Workspace] = relationship(lazy="raise")
