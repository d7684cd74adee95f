"""Live notifications: ``WS /ws/notifications/?token=<access JWT>`` and the in-process fan-out behind it.

Each new in-app notification is pushed as ``{"type": "notification.created", "data": <Notification>}`` to the
sockets its recipient holds *in this process*. The fan-out is in memory (the core has no channels layer yet):
a notification created in another process (a job worker, another API replica) is not pushed, and the web
client's 30-second unread-count poll picks it up instead. When the core gains Litestar channels, publishing to
``user:{id}`` replaces :meth:`Fanout.publish` and nothing else changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from litestar import WebSocket, websocket

from core.auth.services import AccountService
from core.auth.tokens import InvalidTokenError
from core.db import models as m
from core.http.errors import NotAuthenticatedError

__all__ = ("CLOSE_BAD_TOKEN", "STATE_KEY", "Fanout", "notifications_socket")

logger = logging.getLogger("scrum.notifications.realtime")
STATE_KEY = "notifications_fanout"
CLOSE_BAD_TOKEN = 4001
_QUEUE_SIZE = 100


class Fanout:
    """Per-user queues of the sockets open in this process."""

    def __init__(self) -> None:
        self._subscribers: dict[int, set[asyncio.Queue[dict[str, Any]]]] = {}

    def subscribe(self, user_id: int) -> asyncio.Queue[dict[str, Any]]:
        """A queue that receives every message published to ``user_id`` from now on."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=_QUEUE_SIZE)
        self._subscribers.setdefault(user_id, set()).add(queue)
        return queue

    def unsubscribe(self, user_id: int, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Stop delivering to ``queue``."""
        queues = self._subscribers.get(user_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._subscribers[user_id]

    def publish(self, user_id: int, message: dict[str, Any]) -> int:
        """Hand ``message`` to every socket of ``user_id``; return how many got it (a full queue is skipped)."""
        delivered = 0
        for queue in list(self._subscribers.get(user_id, ())):
            try:
                queue.put_nowait(message)
                delivered += 1
            except asyncio.QueueFull:
                logger.warning("dropping a live notification for user %s: the socket is not reading", user_id)
        return delivered


async def _wait_for_disconnect(socket: WebSocket[Any, Any, Any]) -> None:
    """Read (and ignore) what the client sends until it goes away."""
    while True:
        message = await socket.receive()
        if message["type"] == "websocket.disconnect":
            return


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
    fanout: Fanout | None = socket.app.state.get(STATE_KEY)
    await socket.accept()
    if user is None:
        await socket.close(code=CLOSE_BAD_TOKEN, reason="Invalid or revoked token.")
        return
    if fanout is None:
        await socket.close(code=1011, reason="Notifications are not running.")
        return
    queue = fanout.subscribe(user.id)
    reader = asyncio.create_task(_wait_for_disconnect(socket))
    try:
        while True:
            getter = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            await socket.send_json(getter.result())
    finally:
        fanout.unsubscribe(user.id, queue)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
