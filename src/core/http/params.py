"""Typed markers for handler and provider parameters (Litestar 3 drops inferred dependencies)."""

from __future__ import annotations

import uuid

from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import models as m
from core.http.errors import FieldErrors

__all__ = (
    "CurrentUser",
    "DbSession",
    "FromPath",
    "FromQuery",
    "JSONBody",
    "NamedDependency",
    "flag",
    "optional_uuid",
)

DbSession = NamedDependency[AsyncSession]
"""The request's database session (closed, and rolled back if not committed, after the response)."""
CurrentUser = NamedDependency[m.User]
"""The signed-in, active user (a 401 otherwise)."""


def optional_uuid(value: str | None, field: str) -> uuid.UUID | None:
    """A UUID query filter. Blank, ``undefined`` and ``null`` (the web client interpolates raw values) mean none.

    Raises:
        FieldErrors: any other value that is not a UUID.
    """
    if value is None or value.strip() in ("", "undefined", "null", "None"):
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise FieldErrors({field: [f"{value[:64]!r} is not a valid UUID."]}) from None


def flag(value: str | None) -> bool:
    """A boolean query flag: ``true``, ``1``, ``yes`` or ``on``."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")
