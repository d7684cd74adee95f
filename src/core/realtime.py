"""Named channels of JSON frames for WebSockets, shared by every process of a deployment.

One :class:`Realtime` per app wraps Litestar's channels plugin: frames go through process memory, or through Redis
pub/sub when ``REDIS_URL`` is set, so a socket held by one process hears what any process (an API replica, a job
worker) publishes. The board channel (``board:{id}``) and plugins (the notifications plugin's ``user:{id}``) use
it through ``app.state.realtime``: :meth:`Realtime.publish` to send, :meth:`Realtime.relay` to serve a socket.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Iterable
    from contextlib import AbstractAsyncContextManager
    from types import TracebackType

    from litestar import WebSocket
    from litestar.channels.subscriber import Subscriber

    from core.settings import Settings

__all__ = ("PING_FRAME", "Realtime")

logger = logging.getLogger("scrum.realtime")

PING_FRAME = '{"type":"ping"}'
# Frames a slow socket may have queued before the oldest are dropped (clients reload on reconnect anyway).
_MAX_BACKLOG = 1000
_RETRY_MIN, _RETRY_MAX = 0.5, 10.0


class _RedisBackend(RedisChannelsPubSubBackend):
    """Redis pub/sub that survives Redis restarts and closes its own client when the app stops.

    Litestar's channel workers end for good at the first error of the backend: one publish during a Redis outage
    would leave the process queueing frames forever (verified by hand against a restarted redis-server). Here a
    failed publish drops that one frame. redis-py usually reconnects a subscription (and re-subscribes to every
    channel) by itself; should reading still raise, the read is retried after a growing pause instead of ending.
    """

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self._client = Redis.from_url(url)
        super().__init__(redis=self._client)

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        try:
            await super().publish(data, channels)
        except Exception:
            logger.warning("dropped a frame: Redis publish failed", exc_info=True)

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        delay = _RETRY_MIN
        while True:
            try:
                async for item in super().stream_events():
                    delay = _RETRY_MIN
                    yield item
            except Exception:
                logger.warning(
                    "realtime channels lost the Redis subscription; retrying in %.1f s", delay, exc_info=True
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX)

    async def on_shutdown(self) -> None:
        try:
            await super().on_shutdown()
        finally:
            await self._client.aclose()


class _Channels(ChannelsPlugin):
    """The channels plugin, knowing whether it runs (a worker process without the app publishes directly)."""

    running = False

    async def __aenter__(self) -> ChannelsPlugin:
        plugin = await super().__aenter__()
        self.running = True
        return plugin

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc_val: BaseException | None, exc_tb: TracebackType | None
    ) -> None:
        self.running = False
        await super().__aexit__(exc_type, exc_val, exc_tb)


class Realtime:
    """The channels of one app: publish frames, subscribe sockets."""

    ping_interval = 25.0
    """Seconds between pings to a silent socket, so idle proxies keep it open (clients ignore unknown types)."""

    def __init__(self, settings: Settings) -> None:
        self.shared = settings.redis_url is not None
        backend = _RedisBackend(settings.redis_url) if settings.redis_url else MemoryChannelsBackend()
        self.plugin = _Channels(
            backend=backend,
            arbitrary_channels_allowed=True,
            subscriber_max_backlog=_MAX_BACKLOG,
            subscriber_backlog_strategy="dropleft",
        )

    async def publish(self, channels: Iterable[str], kind: str, data: Any) -> None:
        """Publish ``{"type": kind, "data": data}`` to ``channels``; best effort: a failure is logged, never raised.

        In a process that does not serve the app (a job worker) the frame still reaches the servers through Redis;
        without Redis such a process has no sockets to reach.
        """
        targets = list(channels)
        if not targets:
            return
        frame = {"type": kind, "data": data}
        try:
            if self.plugin.running:
                self.plugin.publish(frame, targets)
            elif self.shared:
                await self.plugin.wait_published(frame, targets)
        except Exception:  # a broken channel must never break the change that was just committed
            logger.warning("could not publish %s to %d channel(s)", kind, len(targets), exc_info=True)

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscriber]:
        """A subscription to ``channel`` for as long as the block runs."""
        return self.plugin.start_subscription(channel)

    async def relay(self, socket: WebSocket[Any, Any, Any], subscriber: Subscriber) -> None:
        """Send the subscriber's frames and a ping now and then, until the client disconnects or a send fails."""

        async def forward() -> None:
            async for payload in subscriber.iter_events():
                await socket.send_text(payload)

        async def ping() -> None:
            while True:
                await asyncio.sleep(self.ping_interval)
                await socket.send_text(PING_FRAME)

        async def drain() -> None:
            # Clients never send anything meaningful; reading is how a disconnect is noticed.
            while (await socket.receive())["type"] != "websocket.disconnect":
                continue

        tasks = [asyncio.create_task(job()) for job in (forward, ping, drain)]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
