"""``/health``, ``/ready`` and ``/api/v1/system/plugins/``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, MediaType, Response, get
from litestar.datastructures import State
from sqlalchemy import text

from core.http.params import CurrentUser, DbSession
from core.plugins import describe_plugins

__all__ = ("PluginDescription", "SystemController")


class PluginDescription(msgspec.Struct):
    """One enabled plugin."""

    name: str
    version: str
    hooks: list[str]


class SystemController(Controller):
    """Liveness, readiness and plugin inventory."""

    tags = ["system"]

    @get("/health", opt={"exclude_from_auth": True}, operation_id="Health")
    async def health(self) -> dict[str, str]:
        """The process is up and serving requests."""
        return {"status": "ok"}

    @get("/ready", opt={"exclude_from_auth": True}, operation_id="Ready")
    async def ready(self, db_session: DbSession, state: State) -> Response[dict[str, Any]]:
        """The database (and Redis, when configured) answer; 503 naming what does not."""
        checks: dict[str, str] = {}
        try:
            await db_session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # any driver error means "not ready"
            checks["database"] = f"error: {type(exc).__name__}"
        redis = state.get("redis")
        if redis is not None:
            try:
                await redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"error: {type(exc).__name__}"
        ok = all(value == "ok" for value in checks.values())
        return Response(
            {"status": "ready" if ok else "not ready", "checks": checks},
            status_code=200 if ok else 503,
            media_type=MediaType.JSON,
        )

    @get("/api/v1/system/plugins", operation_id="ListPlugins")
    async def plugins(self, state: State, current_user: CurrentUser) -> list[PluginDescription]:
        """Enabled plugins with their version and the hooks they implement."""
        return [PluginDescription(**item) for item in describe_plugins(state.plugin_manager)]
