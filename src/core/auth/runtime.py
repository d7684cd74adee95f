"""Process-wide auth machinery built once per app: the token codec and the login rate limiters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.auth.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from core.auth.tokens import TokenCodec

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from core.settings import Settings

__all__ = ("AuthRuntime",)


@dataclass(slots=True)
class AuthRuntime:
    """What every auth request needs besides its database session."""

    codec: TokenCodec
    limiter: RateLimiter
    rate_per_ip: int
    rate_per_account: int

    @classmethod
    def from_settings(cls, settings: Settings, redis: Redis | None = None) -> AuthRuntime:
        """Build the codec and pick the limiter: Redis when configured (shared by processes), else memory."""
        codec = TokenCodec(
            settings.jwt_secret_key,
            settings.jwt_algorithm,
            settings.jwt_access_token_lifetime,
            settings.jwt_refresh_token_lifetime,
        )
        limiter: RateLimiter = (
            RedisRateLimiter(redis, settings.login_rate_window)
            if redis is not None
            else MemoryRateLimiter(settings.login_rate_window)
        )
        return cls(
            codec=codec,
            limiter=limiter,
            rate_per_ip=settings.login_rate_per_ip,
            rate_per_account=settings.login_rate_per_account,
        )
