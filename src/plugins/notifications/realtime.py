"""Live notifications: ``WS /ws/notifications/?token=<access JWT>``.

Each new in-app notification is published as ``{"type": "notification.created", "data": <Notification>}`` to the
channel ``user:{user_uuid}`` of its recipient on the core's realtime channels (``app.state.realtime``). With Redis every
process of a deployment shares them, so a notification created by a job worker or another API replica reaches a
socket held anywhere; without Redis (one process) they stay in memory. The web client's 30-second unread-count
poll remains the fallback for a socket that is not open.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from litestar import WebSocket, websocket

from core.auth.services import AccountService
from core.auth.tokens import InvalidTokenError
from core.db import models as m
from core.http.errors import NotAuthenticatedError

if TYPE_CHECKING:
    from core.realtime import Realtime

__all__ = ("CLOSE_BAD_TOKEN", "notifications_socket", "user_channel")

logger = logging.getLogger("scrum.notifications.realtime")
CLOSE_BAD_TOKEN = 4001


def user_channel(user: m.User) -> str:
    """The channel of one user's live notifications.

    Named by the user's UUID, not the integer id: Redis pub/sub channels are global to a Redis server (database
    numbers do not separate them), and two deployments sharing one must never hear each other's user 1.
    """
    return f"user:{user.user_uuid}"


async def _user(socket: WebSocket[Any, Any, Any]) -> m.User | None:
    """The active user whose access token is in ``?token=`` (None for a missing, bad or revoked one)."""
    state = socket.app.state
    token = socket.query_params.get("token") or ""
    try:
        claims = state.auth.codec.decode(token, "access")
    except InvalidTokenError:
        return None
    async with state.dispatcher.session_factory() as session:
        try:
            user: m.User = await AccountService(session, state.auth, state.dispatcher, state.settings).authenticate(
                claims
            )
        except NotAuthenticatedError:
            return None
    return user


@websocket("/ws/notifications", name="notifications-socket", opt={"exclude_from_auth": True})
async def notifications_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """Push the caller's new notifications live. A bad token is closed with 4001 after the handshake.

    (A clean close with a 4xxx code makes the web client give up instead of reconnecting in a loop.)
    """
    user = await _user(socket)
    realtime: Realtime | None = socket.app.state.get("realtime")
    await socket.accept()
    if user is None:
        await socket.close(code=CLOSE_BAD_TOKEN, reason="Invalid or revoked token.")
        return
    if realtime is None:
        await socket.close(code=1011, reason="Notifications are not running.")
        return
    try:
        async with realtime.subscribe(user_channel(user)) as subscriber:
            await realtime.relay(socket, subscriber)
    finally:
        if socket.connection_state != "disconnect":
            with contextlib.suppress(Exception):  # the transport may already be gone
                await socket.close()
