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
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

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


def _http_body(exc: HTTPException) -> dict[str, Any]:
    detail = exc.detail or "Error."
    if exc.status_code == HTTP_400_BAD_REQUEST:
        field, message = _field_of(detail)
        if field is not None:
            return {field: [message]}
        if detail.startswith("Malformed"):
            detail = "Malformed request body: not valid JSON."
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
    elif isinstance(exc, (DuplicateKeyError, IntegrityError)):
        status, body = HTTP_409_CONFLICT, {"detail": "Conflicts with existing data.", "message": "Conflict."}
    else:
        if not isinstance(exc, RepositoryError):
            logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        else:
            logger.error("repository error on %s %s: %s", request.method, request.url.path, exc)
        body = {"detail": "Internal server error.", "message": "Internal server error."}
    return Response(content=body, status_code=status, headers=headers, media_type=MediaType.JSON)
