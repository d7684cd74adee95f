"""The activity log: one row per change, written in the change's own transaction."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import JSONType, UUIDv7AuditBase
from core.db.models._user import User

__all__ = ("Activity",)


class Activity(UUIDv7AuditBase):
    """Who did what to which object, with the field changes and the tenancy it belongs to."""

    __tablename__ = "activity_log"
    __table_args__ = (
        Index("ix_activity_log_project_created", "project_id", "created_at"),
        Index("ix_activity_log_workspace_created", "workspace_id", "created_at"),
        Index("ix_activity_log_organization_created", "organization_id", "created_at"),
        Index("ix_activity_log_undelivered", "event_hook", "delivered_at"),
    )

    user_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None)
    action_type: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    object_repr: Mapped[str] = mapped_column(String(300), default="")
    object_url: Mapped[str] = mapped_column(String(300), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # No foreign keys on the tenancy columns: the log outlives what it describes (a deleted project keeps its history).
    organization_id: Mapped[uuid.UUID | None] = mapped_column(GUID, default=None)
    workspace_id: Mapped[uuid.UUID | None] = mapped_column(GUID, default=None)
    project_id: Mapped[uuid.UUID | None] = mapped_column(GUID, default=None)
    ip_address: Mapped[str | None] = mapped_column(String(45), default=None)
    # The lifecycle event this row carries (the row is the event's durable record): the hook and its payload.
    event_hook: Mapped[str | None] = mapped_column(String(64), default=None)
    event_payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    # When that event was handed to every plugin (null = not yet, or no event).
    delivered_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    user: Mapped[User | None] = relationship(lazy="raise")
