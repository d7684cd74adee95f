"""Alembic environment: one history for the core and every installed plugin, async engines on both databases.

The URL comes from ``config.attributes["url"]`` (tests, the advanced-alchemy CLI) or ``DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil

from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import async_engine_from_config

import core.db.models  # noqa: F401  (registers the core tables)
from core.db.base import metadata
from core.settings import get_settings

config = context.config


def _import_plugin_models() -> None:
    """Every plugin's tables exist whether or not the plugin is enabled, so toggling needs no migration."""
    try:
        import plugins
    except ImportError:
        return
    for info in pkgutil.iter_modules(plugins.__path__):
        try:
            importlib.import_module(f"plugins.{info.name}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"plugins.{info.name}.models":
                raise


_import_plugin_models()
target_metadata = metadata


def _include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # SAQ's Postgres queue manages its own tables.
    return not (type_ == "table" and name and name.startswith("saq_"))


def _url() -> str:
    return config.attributes.get("url") or config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        await connection.run_sync(_run)
        return
    engine = async_engine_from_config({"sqlalchemy.url": _url()}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
