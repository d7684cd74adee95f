"""The application factory: ``litestar --app core.app:create_app run`` or ``uvicorn --factory core.app:create_app``."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING, Any, cast

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar, Request
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Tag
from litestar.plugins import CLIPlugin
from litestar.static_files import create_static_files_router
from sqlalchemy.ext.asyncio import AsyncSession

from core import __version__
from core.auth.deps import provide_current_user
from core.auth.middleware import JWTAuthenticationMiddleware
from core.auth.runtime import AuthRuntime
from core.boards.realtime import BoardRealtime
from core.context import provide_ctx
from core.db import models as m
from core.db.changes import ChangeTracker
from core.db.config import build_db_config
from core.dispatch import EventDispatcher
from core.files import build_file_store
from core.http.errors import exception_to_response
from core.http.middleware import apply_client_quirks
from core.http.readcache import ReadCache
from core.jobs import JobQueue, build_job_queue
from core.plugins import PluginConfigError, build_plugin_manager, collect
from core.realtime import Realtime
from core.routes import core_routes
from core.settings import Settings, SettingsError, get_settings
from core.storage import MEDIA_URL, LocalStorage

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pluggy
    from click import Group
    from litestar.types import HTTPScope, LifeSpanReceive, LifeSpanScope, LifeSpanSend, Receive, Scope, Send

__all__ = ("create_app",)

logger = logging.getLogger("scrum")

CORE_TAGS = (
    Tag(name="auth", description="Registration, login, tokens, password reset, profile."),
    Tag(name="system", description="Health, readiness and enabled plugins."),
)
# Paths that never need a token (the docs and probes); routes opt out with ``exclude_from_auth``.
_AUTH_EXCLUDE = ["^/api/schema", "^/saq"]


class ScrumCLIPlugin(CLIPlugin):
    """Adds the project's commands (and those plugins contribute) to the Litestar CLI."""

    def __init__(self, pm: pluggy.PluginManager, jobs: JobQueue) -> None:
        self.pm = pm
        self.jobs = jobs

    def on_cli_init(self, cli: Group) -> None:
        """Register ``createsuperuser``, ``seed-demo`` and plugin commands."""
        from core.cli import register_commands

        register_commands(cli)
        if not self.jobs.litestar_plugins():  # with a broker, litestar-saq adds the real `workers` group
            from core.jobs_cli import workers_without_broker

            cli.add_command(workers_without_broker)
        self.pm.hook.register_cli_commands(cli=cli)


class ScrumApp(Litestar):
    """Litestar, with the web client's transport quirks normalised before any middleware reads the request."""

    async def __call__(
        self, scope: Scope | LifeSpanScope, receive: Receive | LifeSpanReceive, send: Send | LifeSpanSend
    ) -> None:
        """Handle one ASGI connection."""
        if scope["type"] == ScopeType.HTTP:
            receive = await apply_client_quirks(cast("HTTPScope", scope), cast("Receive", receive))
        await super().__call__(scope, receive, send)


def _load_settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        # One clear line instead of a traceback: the operator needs the variable's name, nothing else.
        sys.stderr.write(f"configuration error: {exc}\n")
        raise SystemExit(2) from None


def create_app(settings: Settings | None = None, *, plugins: Mapping[str, object] | None = None) -> Litestar:
    """Build the application.

    Args:
        settings: explicit settings (tests); default is the environment.
        plugins: plugin objects that count as installed besides the entry points (tests, embedding apps).
    """
    settings = settings or _load_settings()
    try:
        pm = build_plugin_manager(settings.plugins, extra=plugins, trace=settings.trace_plugins)
        jobs = build_job_queue(settings, pm)
    except PluginConfigError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        raise SystemExit(2) from None

    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url)
    db_config = build_db_config(settings)
    plugin_tags = [Tag(name=t["name"], description=t.get("description")) for t in collect(pm, "register_openapi_tags")]

    dispatcher = EventDispatcher(pm, db_config.create_session_maker())
    realtime = Realtime(settings)  # WebSocket channels, shared by processes through Redis when configured
    boards_live = BoardRealtime(realtime, dispatcher)  # the live board channel
    background: list[asyncio.Task[None]] = []
    changes = ChangeTracker(settings.database_url)

    async def on_startup(app: Litestar) -> None:
        if settings.read_cache_mb:
            await changes.start()
        await jobs.start()
        for result in pm.hook.on_startup(app=app):
            if result is not None:
                await result
        # Events a previous process committed but did not get to deliver.
        try:
            await dispatcher.sweep()
        except Exception:
            logger.exception("start-up event sweep failed")
        background.append(asyncio.create_task(dispatcher.run_sweeper(settings.event_sweep_interval)))

    async def on_shutdown(app: Litestar) -> None:
        for task in background:
            task.cancel()
        await changes.stop()
        await jobs.stop()
        for result in pm.hook.on_shutdown(app=app):
            if result is not None:
                await result
        if redis is not None:
            await redis.aclose()

    dependencies: dict[str, Any] = {"current_user": Provide(provide_current_user), "ctx": Provide(provide_ctx)}
    for extra in collect(pm, "register_dependencies"):
        dependencies.update(extra)

    app = ScrumApp(
        route_handlers=[
            *core_routes(settings),
            *boards_live.route_handlers,
            create_static_files_router(
                path=MEDIA_URL,
                directories=[settings.var_dir / "media"],
                opt={"exclude_from_auth": True},
                include_in_schema=False,
            ),
            *collect(pm, "register_routes"),
            *jobs.route_handlers(),
        ],
        dependencies=dependencies,
        signature_namespace={"m": m, "AsyncSession": AsyncSession, "State": State, "Request": Request},
        plugins=[
            SQLAlchemyPlugin(config=db_config),
            realtime.plugin,
            ScrumCLIPlugin(pm, jobs),
            *jobs.litestar_plugins(),
        ],
        middleware=[DefineMiddleware(JWTAuthenticationMiddleware, exclude=_AUTH_EXCLUDE)],
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_allowed_origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept", "X-Requested-With"],
            expose_headers=["Retry-After", "Content-Disposition"],
            max_age=3600,
        ),
        exception_handlers={Exception: exception_to_response},
        openapi_config=OpenAPIConfig(
            title="FICCT-SCRUM API",
            version=__version__,
            path="/api/schema",
            tags=[*CORE_TAGS, *plugin_tags],
            render_plugins=[
                SwaggerRenderPlugin(path=["/", "/swagger-ui"]),
                RedocRenderPlugin(path="/redoc"),
                JsonRenderPlugin(path="/openapi.json"),
            ],
        ),
        # Leave logging alone when the host process (pytest, an embedding app) already configured it.
        logging_config=None
        if logging.getLogger().handlers
        else LoggingConfig(root={"level": settings.log_level, "handlers": ["queue_listener"]}, log_exceptions="never"),
        state=State(
            {
                "settings": settings,
                "plugin_manager": pm,
                "dispatcher": dispatcher,
                "board_realtime": boards_live,
                "realtime": realtime,
                "auth": AuthRuntime.from_settings(settings, redis),
                "redis": redis,
                "storage": LocalStorage(settings.var_dir / "media"),
                "files": build_file_store(settings),
                "jobs": jobs,
                "read_cache": ReadCache(changes, settings.read_cache_mb * 1024 * 1024),
            }
        ),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
    )
    jobs.bind(app, db_config.create_session_maker())
    return app
