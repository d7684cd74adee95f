"""The live board channel: ``/ws/boards/{board_id}/?token=<access JWT>`` (contract section 15).

Frames are JSON text ``{"type": ..., "data": {...}}`` published to the channel ``board:{board_id}`` of the app's
:class:`core.realtime.Realtime`: in memory for one process, over Redis pub/sub (``REDIS_URL``) so that every
process of a deployment sees every change.

* Issue frames come from the issue lifecycle events, through the dispatcher's post-commit callbacks: a change
  that rolls back never publishes, and every way of changing an issue (board move, issue PATCH, transition,
  assign, delete) reaches the boards of its project.
* Column frames are published by the board service right after it commits.
* ``user.joined`` / ``user.left`` are published when a socket subscribes and when it goes away.

``data.user.id`` is the *string* of the integer user id: the client compares it with ``String(localUser.id)``
to skip its own changes. The socket never needs a message from the client; it sends ``{"type": "ping"}``
now and then (``Realtime.ping_interval``; the client ignores unknown types) so idle proxies keep it open.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import TYPE_CHECKING, Any

from litestar import WebSocket, websocket
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
    from collections.abc import Iterable

    from litestar.handlers import WebsocketRouteHandler
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.dispatch import EventDispatcher
    from core.events import Event
    from core.realtime import Realtime

__all__ = (
    "CLOSE_BAD_TOKEN",
    "CLOSE_NOT_FOUND",
    "BoardRealtime",
    "actor",
    "channel_name",
    "display_name",
    "timestamp",
)

logger = logging.getLogger("scrum.boards.realtime")

CLOSE_BAD_TOKEN = 4001
CLOSE_NOT_FOUND = 4004
_CLOSE_UNAVAILABLE = 1011
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


class BoardRealtime:
    """The channels plugin, the board WebSocket route and the publishing of board frames, for one app."""

    def __init__(self, realtime: Realtime, dispatcher: EventDispatcher) -> None:
        self.realtime = realtime
        self.dispatcher = dispatcher
        dispatcher.after_commit.append(self.on_committed)
        self.route_handlers: list[WebsocketRouteHandler] = [self._socket_handler()]

    # --- publishing -------------------------------------------------------------------------------------------

    async def publish(self, board_ids: Iterable[uuid.UUID], kind: str, data: dict[str, Any]) -> None:
        """Publish one frame to the channels of ``board_ids`` (best effort: a failure is logged, never raised)."""
        await self.realtime.publish([channel_name(board_id) for board_id in board_ids], kind, data)

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
            async with self.realtime.subscribe(channel_name(board_id)) as subscriber:
                await self.publish([board_id], "user.joined", presence)
                await self.realtime.relay(socket, subscriber)
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
