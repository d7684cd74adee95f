"""Request and response bodies of the auth endpoints (snake_case: the web client reads these names)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec

__all__ = (
    "Login",
    "LoginResponse",
    "Logout",
    "Message",
    "PasswordResetConfirm",
    "PasswordResetRequest",
    "Profile",
    "Register",
    "TokenPair",
    "TokenRefresh",
    "User",
    "UserBasic",
    "UserUpdate",
)

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
Name = Annotated[str, msgspec.Meta(max_length=150)]
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=150)]
Password = Annotated[str, msgspec.Meta(max_length=4096)]
Token = Annotated[str, msgspec.Meta(max_length=4096)]
Url = Annotated[str, msgspec.Meta(max_length=500)]


class Profile(msgspec.Struct):
    """The profile part of a user, nested as ``user.profile``."""

    avatar_url: str | None
    bio: str
    phone_number: str
    timezone: str
    language: str
    github_username: str
    linkedin_url: str
    website_url: str
    notification_preferences: dict[str, Any]
    is_online: bool
    last_activity: datetime.datetime | None


class UserBasic(msgspec.Struct):
    """The short user shape nested in other resources (members, assignee, reporter)."""

    id: int
    user_uuid: uuid.UUID
    email: str
    username: str
    first_name: str
    last_name: str
    full_name: str
    avatar_url: str | None


class User(msgspec.Struct):
    """The full user shape (login response, ``/auth/me/``, profile edit)."""

    id: int
    user_uuid: uuid.UUID
    email: str
    username: str
    first_name: str
    last_name: str
    full_name: str
    avatar_url: str | None
    is_active: bool
    is_staff: bool
    is_superuser: bool
    is_verified: bool
    date_joined: datetime.datetime
    last_login: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    profile: Profile


class Register(msgspec.Struct, forbid_unknown_fields=False):
    """``POST /auth/register/``."""

    email: Email
    username: Username
    password: Password
    password_confirm: Password
    first_name: Name = ""
    last_name: Name = ""


class Login(msgspec.Struct):
    """``POST /auth/login/``."""

    email: Email
    password: Password


class LoginResponse(msgspec.Struct):
    """Tokens plus the signed-in user."""

    access: str
    refresh: str
    user: User


class TokenRefresh(msgspec.Struct):
    """``POST /auth/token/refresh/``."""

    refresh: Token


class TokenPair(msgspec.Struct):
    """A fresh access token and the rotated refresh token."""

    access: str
    refresh: str


class Logout(msgspec.Struct):
    """``POST /auth/logout/``; ``refresh`` is optional (the access token is revoked either way)."""

    refresh: Token | None = None


class PasswordResetRequest(msgspec.Struct):
    """``POST /auth/password-reset-request/``."""

    email: Email


class PasswordResetConfirm(msgspec.Struct):
    """``POST /auth/password-reset-confirm/``."""

    token: Token
    new_password: Password
    new_password_confirm: Password


class Message(msgspec.Struct):
    """A plain confirmation."""

    message: str


class UserUpdate(msgspec.Struct, omit_defaults=True):
    """``PATCH /auth/users/{id}/``: account and profile fields sent flat; fields not sent stay as they are."""

    first_name: Name | msgspec.UnsetType | None = msgspec.UNSET
    last_name: Name | msgspec.UnsetType | None = msgspec.UNSET
    email: Email | msgspec.UnsetType = msgspec.UNSET
    username: Username | msgspec.UnsetType = msgspec.UNSET
    bio: Annotated[str, msgspec.Meta(max_length=500)] | msgspec.UnsetType | None = msgspec.UNSET
    phone_number: Annotated[str, msgspec.Meta(max_length=32)] | msgspec.UnsetType | None = msgspec.UNSET
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | msgspec.UnsetType | None = msgspec.UNSET
    language: Annotated[str, msgspec.Meta(max_length=8)] | msgspec.UnsetType | None = msgspec.UNSET
    github_username: Annotated[str, msgspec.Meta(max_length=39)] | msgspec.UnsetType | None = msgspec.UNSET
    linkedin_url: Url | msgspec.UnsetType | None = msgspec.UNSET
    website_url: Url | msgspec.UnsetType | None = msgspec.UNSET
    avatar_url: Url | msgspec.UnsetType | None = msgspec.UNSET
    notification_preferences: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET
