"""``alembic upgrade head`` on an empty database builds exactly the models' schema (no drift), on both engines."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from advanced_alchemy.types import GUID
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import core.db.models  # noqa: F401
from core.db.base import metadata
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[3]


def _include(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name in {"alembic_version"} | {n for n in [name] if n.startswith("saq_")})


def _compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    # SQLite reflects advanced-alchemy's GUID (stored as BINARY(16)) as NUMERIC(16): not drift, a reflection quirk.
    if context.dialect.name == "sqlite" and isinstance(metadata_type, GUID):
        return False
    return None  # fall back to alembic's own comparison


def _diff(connection):
    context = MigrationContext.configure(
        connection, opts={"compare_type": _compare_type, "include_object": _include, "compare_server_default": False}
    )
    return compare_metadata(context, metadata)


def _summary(differences):
    """``[("add_table", "projects"), ("add_column", "users.bio"), ...]``: short enough to read in a failure."""
    flat = [d for group in differences for d in (group if isinstance(group, list) else [group])]
    summary = []
    for op in flat:
        name = getattr(op[1], "name", None) or (f"{op[2]}.{op[3]}" if len(op) > 3 else op[2])
        summary.append((op[0], str(name)))
    return summary


async def _fresh_database(tmp_path: Path) -> tuple[str, str | None]:
    if not ON_POSTGRES:
        return f"sqlite+aiosqlite:///{(tmp_path / 'migrated.db').as_posix()}", None
    name = f"scrum_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return TEST_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}", name


async def _drop_database(name: str) -> None:
    admin = create_async_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def test_upgrade_head_matches_models_and_downgrade_empties(tmp_path):
    """Migrating an empty database gives the models' schema; downgrading to base leaves no tables of ours."""
    url, pg_name = await _fresh_database(tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "SCRUM_VAR_DIR": str(tmp_path)}
    try:
        alembic = [sys.executable, "-m", "alembic"]
        subprocess.run([*alembic, "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True)
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            differences = await conn.run_sync(_diff)
        assert differences == [], f"models and migrations differ: {_summary(differences)}"
        if ON_POSTGRES:
            # Read caches rely on every table announcing its writes (core.db.changes).
            async with engine.connect() as conn:
                announced = set(
                    (
                        await conn.execute(
                            text(
                                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                "WHERE t.tgname = 'scrum_notify_change'"
                            )
                        )
                    ).scalars()
                )
            assert set(metadata.tables) - announced == set(), "tables without the change trigger"
        subprocess.run([*alembic, "downgrade", "base"], cwd=ROOT, env=env, check=True, capture_output=True)
        async with engine.connect() as conn:
            left = await conn.run_sync(lambda c: set(c.dialect.get_table_names(c)) - {"alembic_version"})
        await engine.dispose()
        assert left == set()
    finally:
        if pg_name:
            await _drop_database(pg_name)
