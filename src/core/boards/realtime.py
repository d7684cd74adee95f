"""The live board channel: ``/ws/boards/{board_id}/?token=<access JWT>`` (contract section 15).

Frames are JSON text ``{"type": ..., "data": {...}}`` published to the channel ``board:{board_id}`` through
Litestar channels: in memory for one process, over Redis pub/sub (``REDIS_URL``) so that every process of a
deployment sees every change.

* Issue frames come from the issue lifecycle events, through the dispatcher's post-commit callbacks: a change
  that rolls back never publishes, and every way of changing an issue (board move, issue PATCH, transition,
  assign, delete) reaches the boards of its project.
* Column frames are published by the board service right after it commits.
* ``user.joined`` / ``user.left`` are published when a socket subscribes and when it goes away.

``data.user.id`` is the *string* of the integer user id: the client compares it with ``String(localUser.id)``
to skip its own changes. The socket never needs a message from the client; it sends ``{"type": "ping"}``
every ``PING_INTERVAL`` seconds (the client ignores unknown types) so idle proxies keep it open.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import uuid
from typing import TYPE_CHECKING, Any

from litestar import WebSocket, websocket
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.params import FromPath
from sqlalchemy import select

from core.access import AccessPolicy, Level
from core.auth.services import AccountService
from core.auth.tokens import InvalidTokenError
from core.db import models as m
from core.events import IssueAssigned, IssueCreated, IssueDeleted, IssueTransitioned, IssueUpdated
from core.http.errors import NotAuthenticatedError, NotFound
from core.issues.presenters import issue as present_issue
from core.issues.queries import issue_select

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Iterable
    from types import TracebackType

    from litestar.channels.subscriber import Subscriber
    from litestar.handlers import WebsocketRouteHandler
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.dispatch import EventDispatcher
    from core.events import Event
    from core.settings import Settings

__all__ = (
    "CLOSE_BAD_TOKEN",
    "CLOSE_NOT_FOUND",
    "PING_INTERVAL",
    "BoardRealtime",
    "actor",
    "channel_name",
    "display_name",
    "timestamp",
)

logger = logging.getLogger("scrum.boards.realtime")

PING_INTERVAL = 25.0
CLOSE_BAD_TOKEN = 4001
CLOSE_NOT_FOUND = 4004
_CLOSE_UNAVAILABLE = 1011
_PING = '{"type":"ping"}'
# Frames a slow socket may have queued before the oldest are dropped (it reloads the board on reconnect anyway).
_MAX_BACKLOG = 1000
_RETRY_MIN, _RETRY_MAX = 0.5, 10.0
# Lifecycle field names -> the issue shape's field names, for ``issue.updated``'s ``fields_changed``.
_FIELD_NAMES = {"issue_type_id": "issue_type", "parent_id": "parent_issue", "sprint_id": "sprint"}


def channel_name(board_id: uuid.UUID) -> str:
    """The channel a board's frames are published to."""
    return f"board:{board_id}"


def display_name(first_name: str, last_name: str, username: str) -> str:
    """The name shown next to a change: the full name, or the username when there is none."""
    return f"{first_name} {last_name}".strip() or username


def actor(user: m.User | None) -> dict[str, str]:
    """The ``user`` object of a frame (``id`` as a string, see the module docstring)."""
    if user is None:
        return {"id": "", "name": ""}
    return {"id": str(user.id), "name": display_name(user.first_name, user.last_name, user.username)}


def timestamp(moment: datetime.datetime | None = None) -> str:
    """An ISO 8601 timestamp for a frame (now by default)."""
    return (moment or datetime.datetime.now(datetime.UTC)).isoformat()


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
            logger.warning("dropped a board frame: Redis publish failed", exc_info=True)

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        delay = _RETRY_MIN
        while True:
            try:
                async for item in super().stream_events():
                    delay = _RETRY_MIN
                    yield item
            except Exception:
                logger.warning("board channel lost its Redis subscription; retrying in %.1f s", delay, exc_info=True)
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


class BoardRealtime:
    """The channels plugin, the board WebSocket route and the publishing of board frames, for one app."""

    def __init__(self, settings: Settings, dispatcher: EventDispatcher) -> None:
        self.shared = settings.redis_url is not None
        backend = _RedisBackend(settings.redis_url) if settings.redis_url else MemoryChannelsBackend()
        self.plugin = _Channels(
            backend=backend,
            arbitrary_channels_allowed=True,
            subscriber_max_backlog=_MAX_BACKLOG,
            subscriber_backlog_strategy="dropleft",
        )
        self.dispatcher = dispatcher
        dispatcher.after_commit.append(self.on_committed)
        self.route_handlers: list[WebsocketRouteHandler] = [self._socket_handler()]

    # --- publishing -------------------------------------------------------------------------------------------

    async def publish(self, board_ids: Iterable[uuid.UUID], kind: str, data: dict[str, Any]) -> None:
        """Publish one frame to the channels of ``board_ids`` (best effort: a failure is logged, never raised)."""
        channels = [channel_name(board_id) for board_id in board_ids]
        if not channels:
            return
        frame = {"type": kind, "data": data}
        try:
            if self.plugin.running:
                self.plugin.publish(frame, channels)
            elif self.shared:  # not serving (a job worker process): Redis still carries it to the servers
                await self.plugin.wait_published(frame, channels)
        except Exception:  # a broken channel must never break the change that was just committed
            logger.warning("could not publish %s to %d board channel(s)", kind, len(channels), exc_info=True)

    async def on_committed(self, event: Event, row: m.Activity) -> None:
        """Post-commit callback: turn an issue lifecycle event into a frame for every board of its project."""
        if not isinstance(event, (IssueCreated, IssueUpdated, IssueTransitioned, IssueAssigned, IssueDeleted)):
            return
        factory = self.dispatcher.session_factory
        if factory is None:
            return
        async with factory() as session:
            board_ids = list(
                (await session.scalars(select(m.Board.id).where(m.Board.project_id == event.project_id))).all()
            )
            if not board_ids:
                return
            user = await session.get(m.User, event.actor_id) if event.actor_id is not None else None
            data: dict[str, Any] = {"timestamp": timestamp(event.occurred_at), "user": actor(user)}
            if isinstance(event, IssueDeleted):
                kind = "issue.deleted"
                data |= {"issue_id": str(event.issue_id), "issue_key": event.issue_key}
            else:
                issue_row = (await session.execute(issue_select().where(m.Issue.id == event.issue_id))).first()
                if issue_row is None:  # deleted again since
                    return
                data["issue"] = present_issue(issue_row)
                kind = self._issue_frame(event, data)
        await self.publish(board_ids, kind, data)

    @staticmethod
    def _issue_frame(event: Event, data: dict[str, Any]) -> str:
        if isinstance(event, IssueTransitioned):
            data |= {"from_status": str(event.from_status_id), "to_status": str(event.to_status_id)}
            return "issue.moved"
        if isinstance(event, IssueUpdated):
            data["fields_changed"] = [_FIELD_NAMES.get(field, field) for field in event.changes]
            return "issue.updated"
        if isinstance(event, IssueAssigned):
            data["fields_changed"] = ["assignee"]
            return "issue.updated"
        return "issue.created"

    # --- the socket -------------------------------------------------------------------------------------------

    def _socket_handler(self) -> WebsocketRouteHandler:
        realtime = self

        async def board_socket(socket: WebSocket[Any, Any, Any], board_id: FromPath[uuid.UUID]) -> None:
            """Live updates of one board; ``?token=<access JWT>``; refusals close with 4001 or 4004."""
            await realtime.serve(socket, board_id)

        # Litestar matches the path with and without the trailing slash the client sends (tests cover both).
        return websocket(
            "/ws/boards/{board_id:uuid}",
            opt={"exclude_from_auth": True},
            name="board_socket",
        )(board_socket)

    async def serve(self, socket: WebSocket[Any, Any, Any], board_id: uuid.UUID) -> None:
        """Accept, authorise, then forward the board's frames until the client goes away."""
        await socket.accept()
        who = await self._authorise(socket, board_id)
        if who is None:  # refused and closed
            return
        presence = {"user_id": str(who[0]), "user_name": who[1]}
        try:
            async with self.plugin.start_subscription(channel_name(board_id)) as subscriber:
                await self.publish([board_id], "user.joined", presence)
                await _pump(socket, subscriber)
            await self.publish([board_id], "user.left", presence)
        finally:
            if socket.connection_state != "disconnect":
                try:
                    await socket.close()
                except Exception:  # the transport is already gone
                    logger.debug("socket close after a failed send", exc_info=True)

    async def _authorise(self, socket: WebSocket[Any, Any, Any], board_id: uuid.UUID) -> tuple[int, str] | None:
        """The user's id and name; or ``None`` after closing the socket with the reason's code."""
        state = socket.app.state
        token = socket.query_params.get("token") or ""
        if token.lower().startswith("bearer "):
            token = token[7:]
        try:
            claims = state.auth.codec.decode(token.strip(), "access") if token.strip() else None
        except InvalidTokenError:
            claims = None
        if claims is None:
            await socket.close(CLOSE_BAD_TOKEN, "Authentication failed.")
            return None
        factory = self.dispatcher.session_factory
        if factory is None:
            await socket.close(_CLOSE_UNAVAILABLE, "No database.")
            return None
        async with factory() as session:
            try:
                user = await AccountService(session, state.auth, state.dispatcher, state.settings).authenticate(claims)
            except NotAuthenticatedError:
                await socket.close(CLOSE_BAD_TOKEN, "Authentication failed.")
                return None
            if not await _can_read_board(session, user, board_id):
                await socket.close(CLOSE_NOT_FOUND, "Board not found.")
                return None
            return user.id, display_name(user.first_name, user.last_name, user.username)


async def _can_read_board(session: AsyncSession, user: m.User, board_id: uuid.UUID) -> bool:
    project_id = await session.scalar(select(m.Board.project_id).where(m.Board.id == board_id))
    if project_id is None:
        return False
    try:
        await AccessPolicy(session, user).project(project_id, Level.READ)
    except NotFound:
        return False
    return True


async def _pump(socket: WebSocket[Any, Any, Any], subscriber: Subscriber) -> None:
    """Send the subscriber's frames and a ping now and then, until the client disconnects or a send fails."""

    async def forward() -> None:
        async for payload in subscriber.iter_events():
            await socket.send_text(payload)

    async def ping() -> None:
        while True:
            await asyncio.sleep(PING_INTERVAL)
            await socket.send_text(_PING)

    async def drain() -> None:
        # The client never sends anything meaningful; reading is how a disconnect is noticed.
        while (await socket.receive())["type"] != "websocket.disconnect":
            continue

    tasks = [asyncio.create_task(job()) for job in (forward, ping, drain)]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
