"""The web client's transport quirks (contract X3 and X6), applied before Litestar sees the request."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from litestar.types import HTTPScope, Receive

__all__ = ("apply_client_quirks",)

# RFC 2046 boundary characters; the first line of a multipart body is "--<boundary>\r\n".
_BOUNDARY_LINE = re.compile(rb"^--([0-9A-Za-z'()+_,./:=?-]{1,70})\r\n")
_BODY_METHODS = {"POST", "PUT", "PATCH"}


async def apply_client_quirks(scope: HTTPScope, receive: Receive) -> Receive:
    """Normalise an HTTP request in place; return the ``receive`` to hand on.

    * X3: the client forces ``Content-Type: application/json`` even on ``FormData`` uploads, so the body is
      multipart with no boundary in the header. When a JSON-labelled body starts with a boundary line, the
      header is rewritten to ``multipart/form-data; boundary=...``.
    * X6: ``GET /path?&project=...``: empty pairs left by a leading or doubled ``&`` are dropped.
    """
    query = scope["query_string"]
    if query.startswith(b"&") or b"&&" in query:
        scope["query_string"] = b"&".join(part for part in query.split(b"&") if part)
    if scope["method"] not in _BODY_METHODS or not _is_json(scope):
        return receive
    first = await receive()
    body = cast("bytes", first.get("body", b""))
    if match := _BOUNDARY_LINE.match(body):
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-type"]
        headers.append((b"content-type", b"multipart/form-data; boundary=" + match.group(1)))
        scope["headers"] = headers
    replayed = False

    async def replay() -> Any:
        nonlocal replayed
        if not replayed:
            replayed = True
            return first
        return await receive()

    return replay


def _is_json(scope: HTTPScope) -> bool:
    for key, value in scope["headers"]:
        if key.lower() == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"application/json"
    return False
