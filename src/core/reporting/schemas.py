"""Activity feed shapes."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec

__all__ = ("ActivityEntry", "ActivityUser")


class ActivityUser(msgspec.Struct):
    """Who did it."""

    id: int
    user_uuid: uuid.UUID
    username: str
    email: str
    full_name: str
    avatar_url: str | None


class ActivityEntry(msgspec.Struct):
    """One change in the activity feed."""

    id: uuid.UUID
    user: int | None
    user_detail: ActivityUser | None
    user_name: str
    user_email: str
    action_type: str
    action_display: str
    formatted_action: str
    object_type: str
    object_id: str
    object_repr: str
    object_url: str
    changes: dict[str, Any]
    organization: uuid.UUID | None
    workspace: uuid.UUID | None
    project: uuid.UUID | None
    ip_address: str | None
    time_ago: str
    created_at: datetime.datetime
