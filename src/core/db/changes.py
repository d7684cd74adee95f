"""Knowing, without asking the database, whether it changed: the generation that read caches are keyed on.

The generation is a number that moves whenever a transaction that wrote to the database commits, whoever wrote:

* this process: a SQLAlchemy session that flushed or executed DML bumps every tracker of the process right after
  its commit, so a client reads its own writes;
* SQLite: ``PRAGMA data_version`` on a dedicated connection changes when any other connection committed (another
  process, the CLI, a shell); it is read on every check and costs about 5 µs;
* PostgreSQL: a statement-level trigger on every table calls ``pg_notify('scrum_changes', <table>)``. Notifications
  are transactional (sent on commit, dropped on rollback) and every process listens on a dedicated connection, so
  a write by any client of the database reaches every process within the notification latency (well under a
  millisecond on one host). While that connection is down the generation is ``None``: nothing may be served from
  a cache, and everything cached before is dropped when it comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import weakref
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from sqlalchemy import Connection, MetaData, Table
    from sqlalchemy.orm import ORMExecuteState

__all__ = (
    "NOTIFY_CHANNEL",
    "ChangeTracker",
    "create_notify_function_sql",
    "install_change_triggers",
    "notify_trigger_sql",
)

logger = logging.getLogger("scrum.changes")

NOTIFY_CHANNEL = "scrum_changes"
TRIGGER_NAME = "scrum_notify_change"
_WROTE = "scrum_wrote"
_RECONNECT_SECONDS = 2.0
_ASYNCPG_DSN_OPTIONS = {"ssl", "sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "passfile", "options"}

_trackers: weakref.WeakSet[ChangeTracker] = weakref.WeakSet()


def create_notify_function_sql() -> str:
    """The trigger function every table's change trigger calls (PostgreSQL)."""
    return (
        f"CREATE OR REPLACE FUNCTION {TRIGGER_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$"
    )


def notify_trigger_sql(table: str) -> str:
    """The statement-level trigger that announces any write to ``table`` (PostgreSQL)."""
    return (
        f'CREATE TRIGGER {TRIGGER_NAME} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER_NAME}()"
    )


def install_change_triggers(metadata: MetaData) -> None:
    """Give tables made by ``metadata.create_all`` on PostgreSQL the same triggers the migrations create."""

    @event.listens_for(metadata, "after_create")
    def _after_create(_target: MetaData, connection: Connection, tables: list[Table] | None = None, **_: Any) -> None:
        if connection.dialect.name != "postgresql":
            return
        connection.exec_driver_sql(create_notify_function_sql())
        for table in tables or []:
            connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS {TRIGGER_NAME} ON "{table.name}"')
            connection.exec_driver_sql(notify_trigger_sql(table.name))


# --- this process's own writes --------------------------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_WROTE, False):
        for tracker in list(_trackers):
            tracker.bump()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_WROTE, None)


class ChangeTracker:
    """The database generation of one app: :meth:`current` is ``None`` when changes cannot be followed."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._generation = 0
        self._sqlite: sqlite3.Connection | None = None
        self._seen_version: int | None = None
        self._pg: Any = None
        self._watcher: asyncio.Task[None] | None = None
        self._stopping = False
        url = make_url(database_url)
        self._dialect = url.get_backend_name()
        # Without a shared file (an in-memory SQLite database lives in this process) own commits say it all.
        self._live = self._dialect == "sqlite" and not _sqlite_path(database_url)
        _trackers.add(self)

    @property
    def live(self) -> bool:
        """True while every committed change is seen."""
        return self._live

    def bump(self) -> None:
        """Something was committed: whatever was computed before is stale."""
        self._generation += 1

    def current(self) -> int | None:
        """The generation now, or ``None`` while changes by others could go unseen."""
        if not self._live:
            return None
        if self._sqlite is not None:
            try:
                version = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error:
                return None
            if version != self._seen_version:
                self._seen_version = version
                self._generation += 1
        return self._generation

    async def start(self) -> None:
        """Begin following changes made by other connections and processes."""
        self._stopping = False
        if self._dialect == "sqlite":
            path = _sqlite_path(self.database_url)
            if path:
                self._sqlite = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                self._live = True
        elif self._dialect == "postgresql":
            with contextlib.suppress(Exception):
                await self._listen()
            self._watcher = asyncio.create_task(self._keep_listening())

    async def stop(self) -> None:
        """Stop following changes; :meth:`current` is ``None`` from now on."""
        self._stopping = True
        self._live = False
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        if self._pg is not None:
            with contextlib.suppress(Exception):
                await self._pg.close(timeout=2)
            self._pg = None
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None

    # --- PostgreSQL -------------------------------------------------------------------------------------------

    async def _listen(self) -> None:
        import asyncpg  # type: ignore[import-untyped]

        url = make_url(self.database_url)
        # Only what asyncpg understands: SQLAlchemy's own query options would reach the server as settings.
        query = {key: value for key, value in url.query.items() if key in _ASYNCPG_DSN_OPTIONS}
        dsn = url.set(drivername="postgresql", query=query).render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn, timeout=10)
        await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
        conn.add_termination_listener(self._on_lost)
        self._pg = conn
        self.bump()  # whatever happened while nobody listened
        self._live = True

    def _on_notify(self, *_: Any) -> None:
        self._generation += 1

    def _on_lost(self, *_: Any) -> None:
        self._live = False
        self._pg = None
        if not self._stopping:
            logger.warning("lost the PostgreSQL change listener; read caches are off until it is back")

    async def _keep_listening(self) -> None:
        while not self._stopping:
            await asyncio.sleep(_RECONNECT_SECONDS)
            if self._pg is None or self._pg.is_closed():
                self._live = False
                try:
                    await self._listen()
                except Exception as exc:  # the server may be down for a while: keep trying
                    logger.debug("change listener reconnect failed: %s", exc)
                else:
                    logger.info("PostgreSQL change listener is back")


def _sqlite_path(database_url: str) -> str | None:
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return database
