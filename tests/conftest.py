"""Shared fixtures. The suite runs on the embedded default (SQLite, in-process backends) unless
``SCRUM_TEST_DATABASE_URL`` (PostgreSQL) and ``SCRUM_TEST_REDIS_URL`` point it at real servers.

The schema is created once per session; every test starts from empty tables.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

_VAR = Path(tempfile.mkdtemp(prefix="scrum-tests-"))
os.environ.setdefault("SCRUM_VAR_DIR", str(_VAR))

from litestar.testing import AsyncTestClient  # noqa: E402
from sqlalchemy import delete  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine  # noqa: E402

import plugins  # noqa: E402
from core.app import create_app  # noqa: E402
from core.db.base import metadata  # noqa: E402
from core.db.config import configure_sqlite  # noqa: E402
from core.settings import Settings, normalize_database_url  # noqa: E402
from tests.helpers import ApiClient  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from litestar import Litestar

# Like alembic/env.py: every plugin's tables are part of the schema, whether or not a test enables the plugin
# (a database left by a full run has them, with foreign keys into the core tables).
for _info in pkgutil.iter_modules(plugins.__path__):
    if importlib.util.find_spec(f"plugins.{_info.name}.models") is not None:
        importlib.import_module(f"plugins.{_info.name}.models")

TEST_DATABASE_URL = normalize_database_url(
    os.environ.get("SCRUM_TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{(_VAR / 'test.db').as_posix()}"
)
TEST_REDIS_URL = os.environ.get("SCRUM_TEST_REDIS_URL") or None
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


def make_settings(**overrides: Any) -> Settings:
    """Settings for a test app: the test database, fixed secrets, no plugins, generous login limits."""
    values: dict[str, Any] = {
        "mode": "embedded",
        "var_dir": _VAR,
        "database_url": TEST_DATABASE_URL,
        "redis_url": TEST_REDIS_URL,
        "secret_key": "test-secret-key-" + "x" * 32,
        "jwt_secret_key": "test-jwt-secret-" + "y" * 32,
        "plugins": (),
        "login_rate_per_ip": 10_000,
        "login_rate_per_account": 10_000,
        "database_pool_size": 5,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Run async tests on asyncio."""
    return "asyncio"


@pytest.fixture(name="engine", scope="session")
async def fx_engine(anyio_backend: str) -> AsyncIterator[AsyncEngine]:
    """One engine for the session; the schema is (re)created once."""
    engine = create_async_engine(TEST_DATABASE_URL)
    if not ON_POSTGRES:
        configure_sqlite(engine)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def _truncate(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(delete(table))


async def _flush_redis() -> None:
    if TEST_REDIS_URL:
        from redis.asyncio import Redis

        redis = Redis.from_url(TEST_REDIS_URL)
        try:
            await redis.flushdb()
        finally:
            await redis.aclose()


@pytest.fixture(name="db")
async def fx_db(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[Any]]:
    """A session factory on empty tables (cleaned again after the test)."""
    await _truncate(engine)
    await _flush_redis()
    yield async_sessionmaker(engine, expire_on_commit=False)
    await _truncate(engine)


@pytest.fixture(name="app_factory")
def fx_app_factory(db: async_sessionmaker[Any]) -> Callable[..., Litestar]:
    """Build an app on the test database.

    ``available`` are plugin objects counted as installed; ``enabled`` names those to load (default: all of them).
    """

    def build(
        available: dict[str, object] | None = None, enabled: tuple[str, ...] | None = None, **overrides: Any
    ) -> Litestar:
        overrides["plugins"] = tuple(available or ()) if enabled is None else enabled
        return create_app(make_settings(**overrides), plugins=available)

    return build


@pytest.fixture(name="app")
def fx_app(app_factory: Callable[..., Litestar]) -> Litestar:
    """The app with no plugins."""
    return app_factory()


@pytest.fixture(name="client")
async def fx_client(app: Litestar) -> AsyncIterator[ApiClient]:
    """An HTTP client for ``app`` with sign-up/sign-in helpers."""
    async with AsyncTestClient(app=app) as raw:
        yield ApiClient(raw)
