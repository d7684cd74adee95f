"""The SQLAlchemy async configuration (advanced-alchemy) for SQLite (embedded) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from sqlalchemy import event
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from core.settings import Settings

__all__ = ("ALEMBIC_SCRIPT_LOCATION", "build_db_config", "configure_sqlite")

ALEMBIC_SCRIPT_LOCATION = "alembic"


def configure_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys on, WAL journal and a busy timeout, so concurrent requests wait instead of failing."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def build_db_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    """The advanced-alchemy config: sessions per request, closed (and rolled back if not committed) after it."""
    if settings.is_sqlite:
        engine_config = EngineConfig(echo=settings.database_echo, connect_args={"timeout": 30})
    else:
        engine_config = EngineConfig(
            echo=settings.database_echo,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_pool_size,
            pool_pre_ping=True,
        )
    config = SQLAlchemyAsyncConfig(
        connection_string=settings.database_url,
        engine_config=engine_config,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        alembic_config=AlembicAsyncConfig(
            script_location=ALEMBIC_SCRIPT_LOCATION, version_table_name="alembic_version"
        ),
        create_all=False,
    )
    engine = config.get_engine()
    if settings.is_sqlite:
        configure_sqlite(engine)
    return config


def null_pool_engine_kwargs() -> dict[str, Any]:
    """Engine kwargs for one-off tools (migrations): no pooled connections left behind."""
    return {"poolclass": NullPool}
