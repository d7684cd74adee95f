"""ORM user -> API shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth import schemas as s

if TYPE_CHECKING:
    from core.db import models as m

__all__ = ("user_basic", "user_detail")


def user_detail(user: m.User) -> s.User:
    """The full user shape with its nested profile."""
    return s.User(
        id=user.id,
        user_uuid=user.user_uuid,
        email=user.email,
        username=user.username,
        first_name=user.first_name,
        last_name=user.last_name,
        full_name=user.full_name,
        avatar_url=user.avatar_url,
        is_active=user.is_active,
        is_staff=user.is_staff,
        is_superuser=user.is_superuser,
        is_verified=user.is_verified,
        date_joined=user.date_joined,
        last_login=user.last_login,
        created_at=user.created_at,
        updated_at=user.updated_at,
        profile=s.Profile(
            avatar_url=user.avatar_url,
            bio=user.bio,
            phone_number=user.phone_number,
            timezone=user.timezone,
            language=user.language,
            github_username=user.github_username,
            linkedin_url=user.linkedin_url,
            website_url=user.website_url,
            notification_preferences=dict(user.notification_preferences or {}),
            is_online=False,
            last_activity=user.last_activity,
        ),
    )


def user_basic(user: m.User) -> s.UserBasic:
    """The short user shape nested in other resources."""
    return s.UserBasic(
        id=user.id,
        user_uuid=user.user_uuid,
        email=user.email,
        username=user.username,
        first_name=user.first_name,
        last_name=user.last_name,
        full_name=user.full_name,
        avatar_url=user.avatar_url,
    )
