"""The plugin follows ``SCRUM_PLUGINS``: disabled, it contributes nothing and nothing breaks."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from plugins.notifications import plugin as notifications_plugin
from tests.helpers import ApiClient
from tests.integration.plugins.notifications.conftest import create_issue, setup_project
from tests.integration.plugins.support import jobs_overrides

pytestmark = pytest.mark.anyio

ROUTES = [
    ("GET", "/api/v1/notifications/notifications/"),
    ("GET", "/api/v1/notifications/notifications/unread-count/"),
    ("POST", "/api/v1/notifications/notifications/mark-all-read/"),
    ("GET", "/api/v1/notifications/preferences/"),
    ("DELETE", "/api/v1/notifications/delete-read/"),
    ("POST", "/api/v1/notifications/test-slack/"),
]
JOBS = {
    "notifications:send_email",
    "notifications:send_slack",
    "notifications:check_deadlines",
    "notifications:send_digests",
}


async def test_disabled_plugin_has_no_routes_jobs_cron_or_handlers(app_factory, monkeypatch):
    """Left out of SCRUM_PLUGINS: its routes are 404, its jobs and cron are absent, its hooks never run."""
    calls: list[str] = []

    async def spy(runtime, event):
        calls.append(event.hook)

    for name in ("issue_created", "issue_assigned", "comment_added"):
        monkeypatch.setattr(f"plugins.notifications.handlers.{name}", spy)
    app = app_factory(available={"notifications": notifications_plugin}, enabled=(), **jobs_overrides())
    assert not JOBS & app.state.jobs.names
    assert app.state.jobs.registry.cron == []
    async with AsyncTestClient(app=app) as raw:
        world = await setup_project(ApiClient(raw))
        owner = world["owner"]
        for method, url in ROUTES:
            assert (await owner.request(method, url, json={})).status_code == 404, url
        issue = await create_issue(owner, world["project"], assignee=world["member_login"]["user"]["id"])
        assert issue["assignee"]["id"] == world["member_login"]["user"]["id"]
        schema = (await raw.get("/api/schema/openapi.json")).json()
        assert not [path for path in schema["paths"] if path.startswith("/api/v1/notifications")]
        assert "notifications" not in [p["name"] for p in (await owner.get("/api/v1/system/plugins")).json()]
    assert calls == []


async def test_enabled_plugin_registers_routes_jobs_and_cron(notif_app, nclient):
    """Enabled: routes answer, the four namespaced jobs and the two cron jobs are registered."""
    assert notif_app.state.jobs.names >= JOBS
    assert {notif_app.state.jobs.registry.cron_name(c) for c in notif_app.state.jobs.registry.cron} == {
        "notifications:check_deadlines",
        "notifications:send_digests",
    }
    user, _ = await nclient.signed_up()
    assert (await user.get("/api/v1/notifications/notifications/unread-count/")).json() == {"unread_count": 0}
    plugins = (await user.get("/api/v1/system/plugins")).json()
    assert "on_issue_assigned" in next(p for p in plugins if p["name"] == "notifications")["hooks"]
