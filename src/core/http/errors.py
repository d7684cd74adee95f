"""Error types services raise, and the one handler that turns every exception into the seed's error shape.

Shapes (the web client reads them): ``{"detail": "...", "message": "..."}`` for a general error, and
``{"field": ["message", ...]}`` for validation errors. Nothing escapes as an unshaped 500.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from advanced_alchemy.exceptions import DuplicateKeyError, IntegrityError, NotFoundError, RepositoryError
from litestar import MediaType, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from sqlalchemy import exc as sa_exc

if TYPE_CHECKING:
    from collections.abc import Mapping

    from litestar import Request

__all__ = (
    "ApplicationError",
    "ConflictError",
    "FieldErrors",
    "NotAuthenticatedError",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "ServiceUnavailable",
    "exception_to_response",
)

logger = logging.getLogger("scrum.http")


class ApplicationError(Exception):
    """Base of the errors services raise. Carries the status code and a human message."""

    status_code: int = HTTP_400_BAD_REQUEST

    def __init__(self, detail: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON body sent to the client."""
        return {"detail": self.detail, "message": self.detail}


class NotFound(ApplicationError):
    """The resource does not exist, or the caller may not see it (existence must not leak)."""

    status_code = HTTP_404_NOT_FOUND

    def __init__(self, detail: str = "Not found.") -> None:
        super().__init__(detail)


class NotAuthenticatedError(ApplicationError):
    """A missing, malformed, expired or revoked token."""

    status_code = 401


class ConflictError(ApplicationError):
    """The request conflicts with the current state (for example a limit that would be exceeded)."""

    status_code = HTTP_409_CONFLICT


class PayloadTooLarge(ApplicationError):
    """An upload or body over the configured limit."""

    status_code = HTTP_413_REQUEST_ENTITY_TOO_LARGE


class ServiceUnavailable(ApplicationError):
    """An optional outside service the feature needs is not configured or not answering."""

    status_code = HTTP_503_SERVICE_UNAVAILABLE


class RateLimited(ApplicationError):
    """Too many attempts; ``retry_after`` seconds until the next one is accepted."""

    status_code = HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, retry_after: int) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(
            f"Too many attempts. Try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


class FieldErrors(ApplicationError):
    """Validation errors keyed by field: ``{"email": ["A user with that email already exists."]}``."""

    def __init__(self, errors: Mapping[str, list[str] | str]) -> None:
        self.errors = {key: [value] if isinstance(value, str) else list(value) for key, value in errors.items()}
        first = next(iter(self.errors.items()), ("detail", ["Invalid input."]))
        super().__init__(f"{first[0]}: {first[1][0]}")

    def body(self) -> dict[str, Any]:
        """``{field: [messages]}``."""
        return dict(self.errors)


_MSGSPEC_PATH = re.compile(r"\s+- at `\$((?:\.[A-Za-z_][\w]*|\[\d+\])+)`$")
_MISSING = re.compile(r"Object missing required field `(\w+)`")
_ANY_PATH = re.compile(r"\s+- at `\$[^`]*`$")
_NOT_JSON = "Malformed request body: not valid JSON."
_OUT_OF_RANGE = "A number in the request is out of range."


def _field_of(message: str) -> tuple[str | None, str]:
    """Split a msgspec message such as ``Expected `str`, got `int` - at `$.email``` into field and text."""
    if match := _MISSING.search(message):
        prefix = _MSGSPEC_PATH.search(message)
        base = prefix.group(1).lstrip(".") + "." if prefix else ""
        return f"{base}{match.group(1)}", "This field is required."
    if match := _MSGSPEC_PATH.search(message):
        return match.group(1).lstrip("."), message[: match.start()].strip()
    return None, message


def _validation_body(exc: ValidationException) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "Invalid value."))
        key = item.get("key")
        if key == "data" and message == "'data'":
            message = "No data provided."  # Litestar's KeyError text for an empty or ``null`` body
        if item.get("source") == "body" or not key or key == "data":
            field, message = _field_of(message)
            key = field or ("non_field_errors" if key in (None, "data") else key)
        errors.setdefault(str(key), []).append(message)
    if not errors:
        field, message = _field_of(str(exc.detail))
        if field is None:
            return {"detail": message, "message": message}
        errors[field] = [message]
    return errors


def _undecodable(message: str) -> str:
    """A clear message for a body the JSON decoder rejected (msgspec's text names byte offsets and ``$`` paths)."""
    message = _ANY_PATH.sub("", message).strip().rstrip(".")
    if not message or message.startswith(("Malformed", "JSON is malformed", "Input data was truncated")):
        return _NOT_JSON
    return f"Malformed request body: {message[:1].lower()}{message[1:]}."


def _decoder_failure(exc: Exception) -> str | None:
    """The message when the request-body decoder failed with something other than ``msgspec.DecodeError``.

    msgspec raises ``UnicodeDecodeError`` for invalid UTF-8 inside a string and ``RecursionError`` for deeply
    nested input; Litestar only converts ``DecodeError``. The raising frame is checked so that the same error
    types from our own code stay 500s.
    """
    if not isinstance(exc, (UnicodeDecodeError, RecursionError)):
        return None
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame if tb is not None else None
    if frame is None or not frame.f_code.co_name.startswith("decode_"):
        return None
    if not str(frame.f_globals.get("__name__", "")).startswith("litestar.serialization"):
        return None
    return "Malformed request body: nested too deeply." if isinstance(exc, RecursionError) else _NOT_JSON


def _database_overflow(exc: Exception) -> bool:
    """True when the database driver could not bind an integer from the request (too large for a 64-bit column).

    SQLite raises ``OverflowError`` directly; asyncpg wraps it (``DBAPIError`` -> ``DataError`` -> ``OverflowError``).
    Only an overflow that passed through SQLAlchemy counts: one from our own arithmetic stays a 500.
    """
    overflow = through_sqlalchemy = False
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        overflow = overflow or isinstance(current, OverflowError)
        tb = current.__traceback__
        while tb is not None and not through_sqlalchemy:
            through_sqlalchemy = str(tb.tb_frame.f_globals.get("__name__", "")).startswith("sqlalchemy.")
            tb = tb.tb_next
        current = getattr(current, "orig", None) or current.__cause__
    return overflow and through_sqlalchemy


def _http_body(exc: HTTPException) -> dict[str, Any]:
    detail = exc.detail or "Error."
    if exc.status_code == HTTP_400_BAD_REQUEST:
        field, message = _field_of(detail)
        if field is not None:
            return {field: [message]}
        if isinstance(exc.__cause__, SerializationException) or detail.startswith("Malformed"):
            detail = _undecodable(detail)
    elif exc.status_code == HTTP_404_NOT_FOUND:
        detail = "Not found."
    return {"detail": detail, "message": detail}


def exception_to_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Turn any exception into a JSON response in the seed's error shape."""
    status = HTTP_500_INTERNAL_SERVER_ERROR
    headers: dict[str, str] = {}
    if isinstance(exc, ApplicationError):
        status, body, headers = exc.status_code, exc.body(), exc.headers
    elif isinstance(exc, ValidationException):
        status, body = HTTP_400_BAD_REQUEST, _validation_body(exc)
    elif isinstance(exc, HTTPException):
        status, body, headers = exc.status_code, _http_body(exc), dict(exc.headers or {})
        if status >= HTTP_500_INTERNAL_SERVER_ERROR:
            logger.error("server error on %s %s: %s", request.method, request.url.path, exc.detail)
            body = {"detail": "Internal server error.", "message": "Internal server error."}
    elif isinstance(exc, NotFoundError):
        status, body = HTTP_404_NOT_FOUND, {"detail": "Not found.", "message": "Not found."}
    elif isinstance(exc, (DuplicateKeyError, IntegrityError, sa_exc.IntegrityError)):
        # A unique key lost a race with a concurrent request (the friendly checks come first): a conflict.
        status, body = HTTP_409_CONFLICT, {"detail": "Conflicts with existing data.", "message": "Conflict."}
    elif (malformed := _decoder_failure(exc)) is not None:
        status, body = HTTP_400_BAD_REQUEST, {"detail": malformed, "message": malformed}
    elif _database_overflow(exc):
        logger.warning("out-of-range number on %s %s: %s", request.method, request.url.path, exc)
        status, body = HTTP_400_BAD_REQUEST, {"detail": _OUT_OF_RANGE, "message": _OUT_OF_RANGE}
    else:
        if not isinstance(exc, RepositoryError):
            logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        else:
            logger.error("repository error on %s %s: %s", request.method, request.url.path, exc)
        body = {"detail": "Internal server error.", "message": "Internal server error."}
    return Response(content=_with_message(body), status_code=status, headers=headers, media_type=MediaType.JSON)


def _with_message(body: dict[str, Any]) -> dict[str, Any]:
    """Field errors also carry a one-line ``message``: most screens of the web client show only that (X8)."""
    if "detail" in body or "message" in body or not body:
        return body
    field, messages = next(iter(body.items()))
    first = messages[0] if isinstance(messages, list) and messages else str(messages)
    label = "" if field == "non_field_errors" else f"{field}: "
    return {**body, "message": f"{label}{first}"}
