"""Typed markers for handler and provider parameters (Litestar 3 drops inferred dependencies)."""

from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import models as m

__all__ = ("CurrentUser", "DbSession", "FromPath", "FromQuery", "JSONBody", "NamedDependency")

DbSession = NamedDependency[AsyncSession]
"""The request's database session (closed, and rolled back if not committed, after the response)."""
CurrentUser = NamedDependency[m.User]
"""The signed-in, active user (a 401 otherwise)."""
