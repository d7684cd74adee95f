"""Fixtures for the notifications plugin: an app with the plugin enabled, a loopback SMTP server, a Slack catcher.

Jobs run in-process on the embedded default. With ``SCRUM_TEST_REDIS_URL`` they go through the real SAQ queue on
Redis and a worker inside the test server (``SCRUM_JOBS_WORKER_IN_SERVER``), so tests wait for their effects.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from aiosmtpd.controller import Controller
from litestar.testing import AsyncTestClient

import plugins.notifications.models  # noqa: F401  (the plugin's tables are part of the test schema)
from plugins.notifications import plugin as notifications_plugin
from plugins.notifications.settings import get_notifications_settings
from tests.helpers import ApiClient
from tests.integration.plugins.support import jobs_overrides

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802  (aiosmtpd's name)
        self.messages.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "data": envelope.content.decode("utf-8")}
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[dict[str, Any]]:
        """Messages delivered to ``address``."""
        return [msg for msg in self.messages if address in msg["to"]]


@pytest.fixture(name="mailbox")
def fx_mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """A real SMTP server on loopback; the plugin is configured to send through it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname=HOST, port=port)
    controller.start()
    monkeypatch.setenv("SMTP_HOST", HOST)
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_STARTTLS", "false")
    monkeypatch.setenv("NOTIFICATIONS_EMAIL_FROM", "FICCT-SCRUM <scrum@example.test>")
    get_notifications_settings.cache_clear()
    try:
        yield mailbox
    finally:
        controller.stop()
        get_notifications_settings.cache_clear()


class SlackCatcher:
    """A local HTTP server standing in for Slack's incoming webhooks; records the JSON it receives."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                catcher.received.append({"path": self.path, "json": json.loads(self.rfile.read(length) or b"null")})
                self.send_response(catcher.status)
                self.end_headers()
                self.wfile.write(b"ok" if catcher.status == 200 else b"invalid_token")

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self.server.server_address[1]}/services/T000/B000/XXXX"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture(name="slack_server")
def fx_slack_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackCatcher]:
    """A webhook receiver on loopback; webhooks to any host are allowed for the test."""
    catcher = SlackCatcher()
    catcher.thread.start()
    monkeypatch.setenv("NOTIFICATIONS_SLACK_ALLOWED_HOSTS", "*")
    get_notifications_settings.cache_clear()
    try:
        yield catcher
    finally:
        catcher.server.shutdown()
        catcher.server.server_close()
        get_notifications_settings.cache_clear()


@pytest.fixture(name="plain_settings", autouse=True)
def fx_plain_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No SMTP/Slack variables from the shell leak into a test; settings are re-read per test."""
    for name in ("SMTP_HOST", "SMTP_PORT", "NOTIFICATIONS_EMAIL_BACKEND", "NOTIFICATIONS_SLACK_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    get_notifications_settings.cache_clear()
    yield
    get_notifications_settings.cache_clear()


@pytest.fixture(name="notif_app")
def fx_notif_app(app_factory: Callable[..., Any]) -> Any:
    """The app with the notifications plugin enabled."""
    return app_factory(available={"notifications": notifications_plugin}, **jobs_overrides())


@pytest.fixture(name="nclient")
async def fx_nclient(notif_app: Any) -> AsyncIterator[ApiClient]:
    """A client of the app with the plugin."""
    async with AsyncTestClient(app=notif_app) as raw:
        yield ApiClient(raw)


async def setup_project(client: ApiClient, key: str = "note") -> dict[str, Any]:
    """An owner with an organization, workspace and project, and a second user who is a workspace member."""
    owner, owner_login = await client.signed_up()
    org = (await owner.post("/api/v1/orgs/organizations/", json={"name": f"Org {key}"})).json()
    ws = (await owner.post("/api/v1/workspaces/", json={"organization": org["id"], "name": f"WS {key}"})).json()
    created = await owner.post(
        "/api/v1/projects/projects/", json={"name": f"Project {key}", "key": key, "workspace": ws["id"]}
    )
    assert created.status_code == 201, created.text
    member, member_login = await client.signed_up()
    invited = await owner.post(
        "/api/v1/orgs/invitations/", json={"organization": org["id"], "email": member_login["user"]["email"]}
    )
    token = invited.json()["invitation"]["token"]
    assert (await member.post(f"/api/v1/orgs/invitations/{token}/accept/")).status_code == 200
    added = await owner.post(
        "/api/v1/workspaces/members/",
        json={"workspace": ws["id"], "user_id": str(member_login["user"]["id"]), "role": "member"},
    )
    assert added.status_code in (200, 201), added.text
    return {
        "owner": owner,
        "owner_login": owner_login,
        "member": member,
        "member_login": member_login,
        "org": org,
        "ws": ws,
        "project": created.json(),
    }


async def create_issue(client: ApiClient, project: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Create an issue through the API."""
    body = {"project": project["id"], "title": "Something", "issue_type": "Task", "priority": "P3"}
    body.update(fields)
    response = await client.post("/api/v1/projects/issues/", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def notifications_of(client: ApiClient, **params: Any) -> list[dict[str, Any]]:
    """The caller's notifications (first page)."""
    response = await client.get("/api/v1/notifications/notifications/", params={"page_size": 100, **params})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results
