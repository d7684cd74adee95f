"""Dependencies the auth routes and every other protected route use."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State

from core.auth.services import AccountService
from core.auth.tokens import TokenClaims
from core.db import models as m
from core.http.params import DbSession
from core.http.readcache import ReadCache

__all__ = ("client_ip", "provide_account_service", "provide_current_user")


def client_ip(request: Request[Any, Any, Any]) -> str:
    """The peer address (uvicorn's ``--proxy-headers`` makes it the real client behind a trusted proxy)."""
    return request.client.host if request.client else "unknown"


async def provide_account_service(db_session: DbSession, state: State) -> AccountService:
    """An :class:`AccountService` on the request's session."""
    return AccountService(db_session, state.auth, state.dispatcher, state.settings)


async def provide_current_user(request: Request[Any, Any, Any], db_session: DbSession, state: State) -> m.User:
    """The signed-in, active user; a revoked token or inactive user is a 401."""
    claims: TokenClaims = request.auth
    read_cache: ReadCache = state.read_cache
    read_cache.begin(request)  # before the first query: what this request reads is at least this new
    service = AccountService(db_session, state.auth, state.dispatcher, state.settings)
    user = await service.authenticate(claims)
    read_cache.token_verified(request, claims)
    return user
