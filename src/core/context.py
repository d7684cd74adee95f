"""The request context a domain service works with: session, caller, access policy and app-wide helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import AccessPolicy
from core.auth.deps import client_ip
from core.db import models as m
from core.dispatch import EventDispatcher
from core.http.params import CurrentUser, DbSession, NamedDependency
from core.settings import Settings
from core.storage import LocalStorage

__all__ = ("Ctx", "RequestCtx", "provide_ctx")


@dataclass(slots=True)
class RequestCtx:
    """Everything a service needs about the current request. Services own the transaction of ``session``."""

    session: AsyncSession
    user: m.User
    policy: AccessPolicy
    dispatcher: EventDispatcher
    settings: Settings
    storage: LocalStorage
    ip: str | None

    async def commit(self) -> None:
        """Commit the unit of work, then deliver the lifecycle events recorded in it."""
        await self.dispatcher.commit(self.session)


async def provide_ctx(
    request: Request[Any, Any, Any], db_session: DbSession, current_user: CurrentUser, state: State
) -> RequestCtx:
    """The context of an authenticated request."""
    return RequestCtx(
        session=db_session,
        user=current_user,
        policy=AccessPolicy(db_session, current_user),
        dispatcher=state.dispatcher,
        settings=state.settings,
        storage=state.storage,
        ip=client_ip(request),
    )


Ctx = NamedDependency[RequestCtx]
"""Handler parameter marker: ``ctx: Ctx``."""
