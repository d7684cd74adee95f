"""Fixed-window counters for login throttling: in process by default, in Redis when ``REDIS_URL`` is set.

With several API processes only the Redis limiter is shared; the in-process one is per process.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

    from redis.asyncio import Redis

__all__ = ("MemoryRateLimiter", "RateLimiter", "RedisRateLimiter")


class RateLimiter(Protocol):
    """Counts events per key in a window."""

    async def count(self, key: str) -> tuple[int, int]:
        """Current count for ``key`` and seconds until its window ends."""
        ...

    async def hit(self, key: str) -> tuple[int, int]:
        """Add one to ``key``; return the new count and seconds until its window ends."""
        ...

    async def reset(self, key: str) -> None:
        """Forget ``key``."""
        ...


class MemoryRateLimiter:
    """Counters in this process's memory."""

    def __init__(self, window: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._buckets: dict[str, tuple[float, int]] = {}
        self._now = clock

    def _bucket(self, key: str) -> tuple[float, int]:
        now = self._now()
        started, count = self._buckets.get(key, (now, 0))
        if now - started >= self.window:
            return now, 0
        return started, count

    def _remaining(self, started: float) -> int:
        return max(1, int(self.window - (self._now() - started) + 0.999))

    async def count(self, key: str) -> tuple[int, int]:
        """Current count for ``key`` and seconds until its window ends."""
        started, count = self._bucket(key)
        return count, self._remaining(started)

    async def hit(self, key: str) -> tuple[int, int]:
        """Add one to ``key``; return the new count and seconds until its window ends."""
        started, count = self._bucket(key)
        self._buckets[key] = (started, count + 1)
        if len(self._buckets) > 100_000:  # bound memory under a flood of distinct keys
            self._buckets = {k: v for k, v in self._buckets.items() if self._now() - v[0] < self.window}
        return count + 1, self._remaining(started)

    async def reset(self, key: str) -> None:
        """Forget ``key``."""
        self._buckets.pop(key, None)


class RedisRateLimiter:
    """Counters in Redis, shared by every API process."""

    def __init__(self, redis: Redis, window: int, prefix: str = "scrum:ratelimit:") -> None:
        self.redis = redis
        self.window = window
        self.prefix = prefix

    async def count(self, key: str) -> tuple[int, int]:
        """Current count for ``key`` and seconds until its window ends."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(self.prefix + key)
            pipe.ttl(self.prefix + key)
            raw, ttl = await pipe.execute()
        return int(raw or 0), max(1, int(ttl)) if ttl and ttl > 0 else self.window

    async def hit(self, key: str) -> tuple[int, int]:
        """Add one to ``key``; return the new count and seconds until its window ends."""
        name = self.prefix + key
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, self.window, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        return int(count), max(1, int(ttl)) if ttl and ttl > 0 else self.window

    async def reset(self, key: str) -> None:
        """Forget ``key``."""
        await self.redis.delete(self.prefix + key)
