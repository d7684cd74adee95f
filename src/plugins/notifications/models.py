"""Tables of the notifications plugin (prefix ``notifications_``). They exist whether or not the plugin is enabled."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import JSONType, UUIDv7AuditBase

__all__ = ("Delivery", "Notification", "Preference", "ProjectSettings")


class Notification(UUIDv7AuditBase):
    """One in-app notification for one user.

    ``dedupe_key`` makes creation idempotent: the lifecycle event's id (or ``deadline:<issue>:<day>``) plus the
    recipient is unique, so a redelivered event never notifies twice.
    """

    __tablename__ = "notifications_notifications"
    __table_args__ = (
        UniqueConstraint("recipient_id", "dedupe_key", name="uq_notifications_notifications_recipient_dedupe"),
        # The unread badge is polled every 30 s on every page: one index-only count.
        Index("ix_notifications_notifications_recipient_read", "recipient_id", "is_read"),
    )

    recipient_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    notification_type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_read: Mapped[bool] = mapped_column(Boolean, default=False)
    read_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    email_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    slack_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    project_id: Mapped[uuid.UUID | None] = mapped_column(GUID, default=None)
    event_id: Mapped[uuid.UUID | None] = mapped_column(GUID, default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), default=None)


class Preference(UUIDv7AuditBase):
    """How one user wants to be notified (created with the defaults on first read).

    Channels, per-type (and per type and channel) switches, quiet hours and the daily digest.
    """

    __tablename__ = "notifications_preferences"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    in_app_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    slack_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # {type: bool} switches a type off on every channel; {type: {"email": bool, "in_app": bool}} per channel.
    notification_types: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_time: Mapped[str] = mapped_column(String(5), default="09:00")
    quiet_hours_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_hours_start: Mapped[str] = mapped_column(String(5), default="22:00")
    quiet_hours_end: Mapped[str] = mapped_column(String(5), default="08:00")


class ProjectSettings(UUIDv7AuditBase):
    """A project's notification settings: its Slack webhook and which kinds of event notify anyone at all."""

    __tablename__ = "notifications_project_settings"

    project_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("projects.id", ondelete="CASCADE"), unique=True)
    slack_webhook_url: Mapped[str] = mapped_column(String(500), default="")
    notify_on_issue_created: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_on_issue_updated: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_on_issue_assigned: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_on_comment_added: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_on_sprint_started: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_on_sprint_completed: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_on_deadline: Mapped[bool] = mapped_column(Boolean, default=True)


class Delivery(UUIDv7AuditBase):
    """An email or Slack message that was sent: jobs check it first, so a retried job does not send twice."""

    __tablename__ = "notifications_deliveries"
    __table_args__ = (UniqueConstraint("key", "channel", name="uq_notifications_deliveries_key_channel"),)

    key: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(500), default="")
    notification_id: Mapped[uuid.UUID | None] = mapped_column(GUID, default=None)
