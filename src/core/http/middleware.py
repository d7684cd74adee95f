"""ASGI middleware for the web client's transport quirks (contract X3 and X6)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ("ClientQuirksMiddleware",)

# RFC 2046 boundary characters; the first line of a multipart body is "--<boundary>\r\n".
_BOUNDARY_LINE = re.compile(rb"^--([0-9A-Za-z'()+_,./:=?-]{1,70})\r\n")
_BODY_METHODS = {"POST", "PUT", "PATCH"}


class ClientQuirksMiddleware:
    """Make two habits of the web client work without changing it.

    * X3: the client forces ``Content-Type: application/json`` even on ``FormData`` uploads, so the body is
      multipart with no boundary in the header. When a JSON-labelled body starts with a boundary line, the
      header is rewritten to ``multipart/form-data; boundary=...`` before anything parses it.
    * X6: ``GET /path?&project=...``: a leading ``&`` leaves an empty pair in the query string; it is dropped.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if query.startswith(b"&") or b"&&" in query:
            scope["query_string"] = b"&".join(part for part in query.split(b"&") if part)
        if scope["method"] in _BODY_METHODS and _is_json(scope):
            first = await receive()
            body = first.get("body", b"")
            if match := _BOUNDARY_LINE.match(body):
                boundary = match.group(1)
                headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
                headers.append((b"content-type", b"multipart/form-data; boundary=" + boundary))
                scope["headers"] = headers
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return first
                return await receive()

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)


def _is_json(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"application/json"
    return False
