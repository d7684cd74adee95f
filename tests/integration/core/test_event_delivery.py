"""Lifecycle events are never lost: a crash between commit and delivery is repaired by the sweep, once per handler."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from core.db import models as m
from core.dispatch import EventDispatcher
from core.hookspecs import hookimpl
from tests.helpers import PASSWORD, ApiClient

pytestmark = pytest.mark.anyio


class Recorder:
    """Counts the events it handles by their idempotency key."""

    def __init__(self, fail_times: int = 0) -> None:
        self.seen: list[object] = []
        self.fail_times = fail_times

    @hookimpl
    async def on_user_registered(self, event):
        if self.fail_times:
            self.fail_times -= 1
            raise RuntimeError("temporarily down")
        self.seen.append(event.event_id)


async def test_event_committed_but_not_delivered_arrives_after_restart_exactly_once(app_factory, db, monkeypatch):
    """The process "dies" right after commit; on the next start every handler gets the event once, and only once."""
    first, second = Recorder(), Recorder()

    async def crash(self, event, row):
        msg = "process killed between commit and delivery"
        raise RuntimeError(msg)

    app = app_factory(available={"first": first, "second": second})
    with monkeypatch.context() as patch:
        patch.setattr(EventDispatcher, "_deliver", crash)
        async with AsyncTestClient(app=app) as raw:
            body = {
                "email": "survivor@example.com",
                "username": "survivor",
                "password": PASSWORD,
                "password_confirm": PASSWORD,
            }
            response = await raw.post("/api/v1/auth/register/", json=body)
            assert response.status_code == 500
    assert first.seen == second.seen == []
    async with db() as session:
        assert await session.scalar(select(func.count(m.User.id)).where(m.User.email == "survivor@example.com")) == 1
        pending = await session.scalar(select(func.count(m.Activity.id)).where(m.Activity.delivered_at.is_(None)))
        assert pending == 1
    # Restart: the start-up sweep delivers it.
    restarted = app_factory(available={"first": first, "second": second})
    async with AsyncTestClient(app=restarted):
        pass
    assert len(first.seen) == len(second.seen) == 1
    assert first.seen == second.seen
    # Another restart (or a periodic sweep) delivers nothing twice.
    async with AsyncTestClient(app=app_factory(available={"first": first, "second": second})):
        pass
    assert len(first.seen) == len(second.seen) == 1


async def test_a_failing_handler_is_retried_without_repeating_the_others(app_factory, db):
    """When one plugin fails, the sweep retries only that plugin; the others are not called again."""
    steady, flaky = Recorder(), Recorder(fail_times=1)
    app = app_factory(available={"steady": steady, "flaky": flaky})
    async with AsyncTestClient(app=app) as raw:
        await ApiClient(raw).register(email="retry@example.com")
        assert len(steady.seen) == 1
        assert flaky.seen == []
    # The next sweep (here: the one a restart runs) retries the failed handler only.
    async with AsyncTestClient(app=app_factory(available={"steady": steady, "flaky": flaky})):
        pass
    assert len(steady.seen) == 1
    assert len(flaky.seen) == 1
    async with db() as session:
        assert await session.scalar(select(func.count(m.Activity.id)).where(m.Activity.delivered_at.is_(None))) == 0
        deliveries = (await session.scalars(select(m.EventDelivery.plugin).order_by(m.EventDelivery.plugin))).all()
    assert deliveries == ["flaky", "steady"]


async def test_events_nobody_listens_to_are_delivered_at_commit(client, db):
    """With no plugin for a hook, the event is marked delivered in its own transaction (no extra work)."""
    await client.register()
    async with db() as session:
        rows = (await session.scalars(select(m.Activity))).all()
    assert [row.event_hook for row in rows] == ["on_user_registered"]
    assert rows[0].delivered_at is not None
