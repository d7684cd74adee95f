"""Projects, their members and configuration, and the workflow every project is created with."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import JSONType, UUIDv7AuditBase
from core.db.models._tenancy import Workspace
from core.db.models._user import User

__all__ = ("IssueType", "Project", "ProjectConfig", "ProjectMember", "WorkflowStatus", "WorkflowTransition")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Project(UUIDv7AuditBase):
    """A project inside a workspace. ``key`` (upper case, unique per workspace) prefixes its issue keys."""

    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text, default="")
    methodology: Mapped[str] = mapped_column(String(16), default="scrum")
    status: Mapped[str] = mapped_column(String(16), default="planning")
    priority: Mapped[str] = mapped_column(String(16), default="medium")
    lead_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None)
    start_date: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    end_date: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    estimated_hours: Mapped[decimal.Decimal | None] = mapped_column(Numeric(10, 2), default=None)
    budget: Mapped[decimal.Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    cover_image_url: Mapped[str | None] = mapped_column(String(500), default=None)
    project_settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # Last issue number handed out; bumped atomically in the issue's transaction so keys never repeat.
    issue_counter: Mapped[int] = mapped_column(Integer, default=0)

    workspace: Mapped[Workspace] = relationship(lazy="raise")
    lead: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[lead_id])


class ProjectMember(UUIDv7AuditBase):
    """A user's membership of a project: ``admin``, ``member`` or ``viewer`` (read only)."""

    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    project_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True), default=_now)

    user: Mapped[User] = relationship(lazy="raise")
    project: Mapped[Project] = relationship(lazy="raise")


class ProjectConfig(UUIDv7AuditBase):
    """Per-project settings, created with defaults together with the project."""

    __tablename__ = "project_configs"

    project_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("projects.id", ondelete="CASCADE"), unique=True)
    sprint_duration: Mapped[int] = mapped_column(Integer, default=2)
    auto_close_sprints: Mapped[bool] = mapped_column(Boolean, default=False)
    estimation_type: Mapped[str] = mapped_column(String(16), default="story_points")
    story_point_scale: Mapped[Any] = mapped_column(JSONType, default=lambda: [1, 2, 3, 5, 8, 13, 21])
    enable_time_tracking: Mapped[bool] = mapped_column(Boolean, default=True)
    require_time_logging: Mapped[bool] = mapped_column(Boolean, default=False)
    enable_sub_tasks: Mapped[bool] = mapped_column(Boolean, default=True)
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    slack_notifications: Mapped[bool] = mapped_column(Boolean, default=False)
    slack_webhook_url: Mapped[str] = mapped_column(String(500), default="")
    restrict_issue_visibility: Mapped[bool] = mapped_column(Boolean, default=False)
    require_approval_for_changes: Mapped[bool] = mapped_column(Boolean, default=False)


class IssueType(UUIDv7AuditBase):
    """A kind of issue in a project (Epic, Story, Task, Bug, ...)."""

    __tablename__ = "issue_types"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    project_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    icon: Mapped[str] = mapped_column(String(50), default="")
    color: Mapped[str] = mapped_column(String(7), default="#6B7280")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class WorkflowStatus(UUIDv7AuditBase):
    """A status of a project's workflow; exactly one per project is initial."""

    __tablename__ = "workflow_statuses"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    project_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str] = mapped_column(String(7), default="#6B7280")
    order: Mapped[int] = mapped_column(Integer, default=0)
    is_initial: Mapped[bool] = mapped_column(Boolean, default=False)
    is_final: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class WorkflowTransition(UUIDv7AuditBase):
    """An allowed move from one status to another in a project."""

    __tablename__ = "workflow_transitions"
    __table_args__ = (UniqueConstraint("project_id", "from_status_id", "to_status_id"),)

    project_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    from_status_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("workflow_statuses.id", ondelete="CASCADE"))
    to_status_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("workflow_statuses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
