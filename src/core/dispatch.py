"""Lifecycle events: written with the change, delivered after it, never lost.

A service calls :func:`record_event` while it changes state (optionally attaching the event to the activity row
it writes for the change) and finishes with :meth:`EventDispatcher.commit`. The activity row *is* the event's
durable record: it holds the hook name, the payload and a ``delivered_at`` mark, and is committed in the same
transaction as the change. After the commit the dispatcher hands the event to every plugin implementing the
hook, records each plugin's success in ``event_deliveries`` and then marks the row delivered.

If the process dies between commit and delivery, or a handler fails, the row stays undelivered and
:meth:`EventDispatcher.sweep` (run at start-up and periodically) delivers it again, skipping the plugins that
already handled it: each handler gets each event exactly once as long as it completes, at least once if it
crashes half-way. ``event.event_id`` (the activity row id) is the idempotency key handlers use for that case.
Events recorded in a transaction that rolls back are dropped: plugins never hear of changes that did not happen.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import models as m
from core.events import event_type_for
from core.plugins import call_impl

if TYPE_CHECKING:
    from collections.abc import Callable

    import pluggy
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.events import Event

__all__ = ("EventDispatcher", "record_event")

logger = logging.getLogger("scrum.events")
_PENDING = "scrum.pending_events"


def record_event(session: AsyncSession, event: Event, activity: m.Activity | None = None) -> None:
    """Queue ``event`` to be stored with the transaction of ``session`` and delivered after it commits.

    Args:
        session: the session making the change.
        event: the lifecycle event.
        activity: the activity row written for the change; without one a bare row is written to carry the event.
    """
    session.info.setdefault(_PENDING, []).append((event, activity))


@sa_event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class EventDispatcher:
    """Stores recorded events with their transaction and delivers them to the plugins afterwards."""

    def __init__(self, pm: pluggy.PluginManager, session_factory: Callable[[], AsyncSession] | None = None) -> None:
        self.pm = pm
        self.session_factory = session_factory
        self.after_commit: list[Callable[[Event, m.Activity], Any]] = []

    def _plugins_for(self, hook: str) -> list[pluggy.HookImpl]:
        return list(getattr(self.pm.hook, hook).get_hookimpls())

    async def commit(self, session: AsyncSession) -> None:
        """Write the recorded events into their activity rows, commit, then deliver them in order."""
        pending: list[tuple[Event, m.Activity | None]] = session.info.pop(_PENDING, [])
        stored: list[tuple[Event, m.Activity]] = []
        for event, activity in pending:
            row = activity
            if row is None:
                row = m.Activity(
                    user_id=event.actor_id,
                    action_type=event.hook.removeprefix("on_"),
                    object_type="event",
                    object_id="",
                )
                session.add(row)
            await session.flush()
            with_id = msgspec.structs.replace(event, event_id=row.id)
            row.event_hook = event.hook
            row.event_payload = msgspec.to_builtins(with_id)
            if not self._plugins_for(event.hook):
                # Nobody listens: the event is delivered by definition, at no extra cost.
                row.delivered_at = _now()
            stored.append((with_id, row))
        await session.commit()
        for event, row in stored:
            await self._after_commit(event, row)
            await self._deliver(event, row)

    async def _after_commit(self, event: Event, row: m.Activity) -> None:
        """Core reactions to a committed change (the live board channel); best effort, never redelivered."""
        for callback in self.after_commit:
            try:
                result = callback(event, row)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                logger.exception("post-commit callback failed for %s", event.hook)

    async def _deliver(self, event: Event, row: m.Activity) -> bool:
        """Hand ``event`` to every plugin that has not handled it yet; mark the row delivered when all have."""
        impls = self._plugins_for(event.hook)
        if not impls:
            return True
        if self.session_factory is None:  # no database to remember deliveries in: deliver once, best effort
            for impl in impls:
                await call_impl(impl, event)
            return True
        async with self.session_factory() as session:
            done = set(
                (
                    await session.scalars(select(m.EventDelivery.plugin).where(m.EventDelivery.activity_id == row.id))
                ).all()
            )
            all_ok = True
            for impl in impls:
                if impl.plugin_name in done:
                    continue
                if await call_impl(impl, event):
                    session.add(m.EventDelivery(activity_id=row.id, plugin=impl.plugin_name))
                    try:
                        await session.commit()
                    except IntegrityError:  # another process delivered it at the same time
                        await session.rollback()
                else:
                    all_ok = False
            if all_ok:
                await session.execute(update(m.Activity).where(m.Activity.id == row.id).values(delivered_at=_now()))
                await session.commit()
            return all_ok

    async def sweep(self, older_than: datetime.timedelta = datetime.timedelta(seconds=0), limit: int = 200) -> int:
        """Deliver events left undelivered (a crash between commit and delivery, a failing handler).

        Returns:
            How many events are now fully delivered.
        """
        if self.session_factory is None:
            return 0
        cutoff = _now() - older_than
        async with self.session_factory() as session:
            rows = (
                await session.scalars(
                    select(m.Activity)
                    .where(
                        m.Activity.event_hook.is_not(None),
                        m.Activity.delivered_at.is_(None),
                        m.Activity.created_at <= cutoff,
                    )
                    .order_by(m.Activity.created_at)
                    .limit(limit)
                )
            ).all()
        delivered = 0
        for row in rows:
            event_type = event_type_for(row.event_hook or "")
            if event_type is None or row.event_payload is None:
                logger.error("activity %s carries an unknown event %r; leaving it", row.id, row.event_hook)
                continue
            try:
                event = msgspec.convert(row.event_payload, event_type)
            except msgspec.ValidationError:
                logger.exception("activity %s carries an unreadable %s payload; leaving it", row.id, row.event_hook)
                continue
            if await self._deliver(event, row):
                delivered += 1
        return delivered

    async def run_sweeper(self, interval: float = 60.0) -> None:
        """Sweep forever (every ``interval`` seconds), never letting an error stop the loop."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.sweep(older_than=datetime.timedelta(seconds=interval / 2))
            except Exception:
                logger.exception("event sweep failed")
