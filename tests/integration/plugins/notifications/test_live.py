"""Live pushes on ``/ws/notifications/``, and the issue's "done when": one assignment through the API gives an
in-app notification, a WebSocket message and an email on the loopback SMTP server; journey 8 of the contract."""

from __future__ import annotations

from queue import Empty

import pytest
from litestar.exceptions import WebSocketDisconnect

from plugins.notifications.realtime import CLOSE_BAD_TOKEN
from tests.integration.plugins.notifications.conftest import create_issue, notifications_of, setup_project
from tests.integration.plugins.support import eventually

pytestmark = pytest.mark.anyio
FRAME_TIMEOUT = 10.0


async def test_assignment_gives_in_app_live_push_and_email(mailbox, nclient):
    """The assignee's socket receives notification.created; the same notification is listed and mailed."""
    world = await setup_project(nclient)
    member_login = world["member_login"]
    issue = await create_issue(world["owner"], world["project"], title="Ship it")
    url = f"/ws/notifications/?token={member_login['access']}"
    with await nclient.raw.websocket_connect(url) as ws:
        assigned = await world["owner"].patch(
            f"/api/v1/projects/issues/{issue['id']}/assign/", json={"assignee": member_login["user"]["id"]}
        )
        assert assigned.status_code == 200
        frame = ws.receive_json(timeout=FRAME_TIMEOUT)
    assert frame["type"] == "notification.created"
    pushed = frame["data"]
    assert pushed["notification_type"] == "assignment"
    assert pushed["title"] == "NOTE-1 assigned to you"
    assert pushed["recipient"] == member_login["user"]["id"]
    listed = await notifications_of(world["member"], notification_type="assignment")
    assert [n["id"] for n in listed] == [pushed["id"]]

    async def mailed():
        return [m for m in mailbox.to(member_login["user"]["email"]) if "NOTE-1 assigned to you" in m["data"]]

    assert len(await eventually(mailed)) == 1


async def test_socket_only_gets_its_own_users_notifications(nclient):
    """A socket of another user hears nothing of the assignment; a bad token is closed with 4001."""
    world = await setup_project(nclient)
    issue = await create_issue(world["owner"], world["project"])
    with await nclient.raw.websocket_connect(f"/ws/notifications?token={world['owner_login']['access']}") as ws:
        await world["owner"].patch(
            f"/api/v1/projects/issues/{issue['id']}/assign/", json={"assignee": world["member_login"]["user"]["id"]}
        )
        await eventually(lambda: notifications_of(world["member"]))
        with pytest.raises(Empty):  # nothing for this socket
            ws.receive_json(timeout=0.5)
    for url in (
        "/ws/notifications/?token=nope",
        "/ws/notifications/",
        f"/ws/notifications/?token={world['owner_login']['refresh']}",
    ):
        with await nclient.raw.websocket_connect(url) as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json(timeout=FRAME_TIMEOUT)
            assert closed.value.code == CLOSE_BAD_TOKEN, url


async def test_journey_8_notifications_page_and_badge(nclient):
    """Journey 8: the notifications page loads (list with unread filter and type filter) and the badge counts."""
    world = await setup_project(nclient)
    member = world["member"]
    assert (await member.get("/api/v1/notifications/notifications/unread-count/")).json() == {"unread_count": 0}
    await create_issue(world["owner"], world["project"], assignee=world["member_login"]["user"]["id"])

    async def badge():
        return (await member.get("/api/v1/notifications/notifications/unread-count/")).json()["unread_count"]

    assert await eventually(badge) == 1
    page = await member.get(
        "/api/v1/notifications/notifications/", params={"page_size": 20, "ordering": "-created_at", "is_read": "false"}
    )
    assert page.status_code == 200
    assert isinstance(page.json()["results"], list)
    assert page.json()["count"] == 1
    typed = await member.get(
        "/api/v1/notifications/notifications/",
        params={"page_size": 20, "ordering": "-created_at", "notification_type": "assignment"},
    )
    assert typed.json()["count"] == 1
    prefs = await member.get("/api/v1/notifications/preferences/")
    assert prefs.status_code == 200
    marked = await member.patch(f"/api/v1/notifications/{page.json()['results'][0]['id']}/", json={"is_read": True})
    assert marked.json()["is_read"] is True
    assert await badge() == 0
