"""Token bookkeeping: revoked JWTs (refresh rotation, logout) and single-use password reset tokens."""

from __future__ import annotations

import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import UUIDv7AuditBase

__all__ = ("PasswordResetToken", "RevokedToken")


class RevokedToken(UUIDv7AuditBase):
    """A JWT that may no longer be used: a rotated or logged-out refresh token, or a logged-out access token.

    The unique ``jti`` makes rotation atomic: two concurrent refreshes with one token cannot both succeed.
    """

    __tablename__ = "auth_revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_type: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class PasswordResetToken(UUIDv7AuditBase):
    """A password reset request. Only a SHA-256 of the token is stored; it is single use and expires."""

    __tablename__ = "auth_password_reset_tokens"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    requested_ip: Mapped[str | None] = mapped_column(String(45), default=None)
