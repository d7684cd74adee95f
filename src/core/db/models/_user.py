"""The user account. Integer ``id`` plus ``user_uuid``: the web client reads both."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import IdentityAuditBase, JSONType

__all__ = ("User",)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class User(IdentityAuditBase):
    """A person who can sign in. Profile fields live on the same row (they are 1:1 and always read together)."""

    __tablename__ = "users"

    user_uuid: Mapped[uuid.UUID] = mapped_column(GUID, unique=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    is_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    date_joined: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True), default=_now)
    last_login: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Profile.
    avatar_url: Mapped[str | None] = mapped_column(String(500), default=None)
    bio: Mapped[str] = mapped_column(Text, default="")
    phone_number: Mapped[str] = mapped_column(String(32), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(8), default="en")
    github_username: Mapped[str] = mapped_column(String(39), default="")
    linkedin_url: Mapped[str] = mapped_column(String(500), default="")
    website_url: Mapped[str] = mapped_column(String(500), default="")
    notification_preferences: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    last_activity: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Tokens issued before this instant are refused (set on password reset).
    tokens_valid_after: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    @property
    def full_name(self) -> str:
        """First and last name, or the username when both are blank."""
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.username
