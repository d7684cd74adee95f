"""The plugin system: toggling, contributed routes, lifecycle events after commit, failure isolation."""

from __future__ import annotations

import importlib.metadata
import logging

import pytest
from litestar import get
from litestar.testing import AsyncTestClient

from core.hookspecs import hookimpl
from core.plugins import ENTRY_POINT_GROUP, PluginConfigError, build_plugin_manager
from tests.helpers import ApiClient

pytestmark = pytest.mark.anyio


@get("/api/v1/demo/ping", operation_id="DemoPing", tags=["demo"], opt={"exclude_from_auth": True})
async def demo_ping() -> dict[str, str]:
    """A route contributed by the throwaway plugin."""
    return {"pong": "yes"}


class RoutePlugin:
    """Contributes one route and one OpenAPI tag."""

    @hookimpl
    def register_routes(self):
        return [demo_ping]

    @hookimpl
    def register_openapi_tags(self):
        return [{"name": "demo", "description": "Throwaway plugin."}]


class RecordingPlugin:
    """Records the lifecycle events it receives (async handler) and whether the row was committed."""

    def __init__(self) -> None:
        self.events: list[object] = []

    @hookimpl
    async def on_user_registered(self, event):
        self.events.append(event)


class ExplodingPlugin:
    """Raises in every lifecycle handler, sync and async."""

    @hookimpl
    def on_user_registered(self, event):
        raise RuntimeError("boom (sync)")

    @hookimpl
    async def on_password_reset_requested(self, event):
        raise RuntimeError("boom (async)")


async def test_contributed_route_follows_the_toggle(app_factory):
    """Enabled: the plugin's route answers; disabled: 404, and its tag is gone from the schema."""
    enabled = app_factory(available={"demo": RoutePlugin()})
    async with AsyncTestClient(app=enabled) as client:
        assert (await client.get("/api/v1/demo/ping")).json() == {"pong": "yes"}
        schema = (await client.get("/api/schema/openapi.json")).json()
        assert "/api/v1/demo/ping" in schema["paths"]
    disabled = app_factory(available={"demo": RoutePlugin()}, enabled=())
    async with AsyncTestClient(app=disabled) as client:
        assert (await client.get("/api/v1/demo/ping")).status_code == 404
        schema = (await client.get("/api/schema/openapi.json")).json()
        assert "/api/v1/demo/ping" not in schema["paths"]


async def test_lifecycle_hook_receives_event_after_commit(app_factory):
    """The handler runs after the user row is committed, with a typed event carrying the new id."""
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from core.db import models as m
    from tests.conftest import TEST_DATABASE_URL

    seen_in_db: list[bool] = []
    recorder = RecordingPlugin()
    original = recorder.on_user_registered

    class CheckingPlugin:
        @hookimpl
        async def on_user_registered(self, event):
            # A separate engine (the app runs on its own event loop) sees only committed rows.
            engine = create_async_engine(TEST_DATABASE_URL, poolclass=NullPool)
            async with engine.connect() as conn:
                found = await conn.scalar(select(m.User.id).where(m.User.id == event.user_id))
            await engine.dispose()
            seen_in_db.append(found is not None)
            await original(event)

    app = app_factory(available={"checking": CheckingPlugin()})
    async with AsyncTestClient(app=app) as raw:
        created = await ApiClient(raw).register(email="evt@example.com")
    assert seen_in_db == [True]
    assert len(recorder.events) == 1
    event = recorder.events[0]
    assert event.user_id == created["id"]
    assert event.email == "evt@example.com"


async def test_failing_handler_breaks_neither_other_plugins_nor_the_request(app_factory, caplog):
    """One plugin raising is logged with its name; the others still run and the request succeeds."""
    recorder = RecordingPlugin()
    app = app_factory(available={"exploding": ExplodingPlugin(), "recorder": recorder})
    with caplog.at_level(logging.ERROR, logger="scrum.plugins"):
        async with AsyncTestClient(app=app) as raw:
            client = ApiClient(raw)
            user = await client.register()
            reset = await raw.post("/api/v1/auth/password-reset-request/", json={"email": user["email"]})
    assert reset.status_code == 200
    assert len(recorder.events) == 1
    messages = [record.getMessage() for record in caplog.records]
    assert any("'exploding' failed in on_user_registered" in msg for msg in messages)
    assert any("'exploding' failed in on_password_reset_requested" in msg for msg in messages)


async def test_events_of_a_rolled_back_change_are_never_delivered(app_factory):
    """A registration that fails validation delivers nothing."""
    recorder = RecordingPlugin()
    app = app_factory(available={"recorder": recorder})
    async with AsyncTestClient(app=app) as raw:
        response = await raw.post(
            "/api/v1/auth/register/",
            json={"email": "x@example.com", "username": "x", "password": "short", "password_confirm": "short"},
        )
    assert response.status_code == 400
    assert recorder.events == []


async def test_system_plugins_lists_enabled_plugins_with_hooks(app_factory):
    """``/api/v1/system/plugins/`` shows name, version and implemented hooks of what is enabled only."""
    app = app_factory(available={"demo": RoutePlugin(), "recorder": RecordingPlugin()})
    app_two = app_factory(available={"demo": RoutePlugin(), "recorder": RecordingPlugin()}, enabled=("recorder",))
    for application, expected in ((app, ["demo", "recorder"]), (app_two, ["recorder"])):
        async with AsyncTestClient(app=application) as raw:
            client, _ = await ApiClient(raw).signed_up()
            listed = (await client.get("/api/v1/system/plugins/")).json()
        assert [item["name"] for item in listed] == expected
    assert listed[0]["hooks"] == ["on_user_registered"]
    assert listed[0]["version"]


def test_unknown_plugin_name_is_a_startup_error():
    """``SCRUM_PLUGINS`` naming a plugin that is not installed stops start-up with a clear message."""
    with pytest.raises(PluginConfigError, match="unknown plugin\\(s\\): nope"):
        build_plugin_manager(["nope"], extra={"demo": RoutePlugin()})


def test_misspelled_hook_is_a_startup_error():
    """A hook implementation with no matching spec (a typo) is refused."""

    class Typo:
        @hookimpl
        def on_user_registred(self, event):  # typo on purpose
            return None

    with pytest.raises(Exception, match="on_user_registred"):
        build_plugin_manager(None, extra={"typo": Typo()})


def test_empty_setting_loads_nothing_and_unset_loads_all():
    """``SCRUM_PLUGINS=""`` means none; unset means every installed plugin."""
    extra = {"demo": RoutePlugin(), "recorder": RecordingPlugin()}
    # Installed entry points left out are listed as blocked (``None``): nothing is loaded.
    assert [name for name, plugin in build_plugin_manager((), extra=extra).list_name_plugin() if plugin] == []
    names = {name for name, plugin in build_plugin_manager(None, extra=extra).list_name_plugin() if plugin}
    installed = {ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert names == {"demo", "recorder"} | installed
