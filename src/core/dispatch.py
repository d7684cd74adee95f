"""Lifecycle events: recorded with the change, delivered to plugins only after the transaction commits.

A service calls :func:`record_event` while it changes state and :meth:`EventDispatcher.commit` to finish the
unit of work. Events recorded in a transaction that rolls back are dropped, so plugins never hear of changes
that did not happen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from core.plugins import notify

if TYPE_CHECKING:
    import pluggy
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.events import Event

__all__ = ("EventDispatcher", "record_event")

_PENDING = "scrum.pending_events"


def record_event(session: AsyncSession, event: Event) -> None:
    """Queue ``event`` for delivery once ``session``'s transaction commits."""
    session.info.setdefault(_PENDING, []).append(event)


@sa_event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


class EventDispatcher:
    """Commits a session and hands its recorded events to the plugins' lifecycle hooks."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    async def commit(self, session: AsyncSession) -> None:
        """Commit ``session``, then deliver the events recorded in it, in order."""
        await session.commit()
        events: list[Event] = session.info.pop(_PENDING, [])
        for event in events:
            await notify(self.pm, event)

    async def deliver(self, event: Event) -> None:
        """Deliver one event that needs no transaction (it records nothing)."""
        await notify(self.pm, event)
