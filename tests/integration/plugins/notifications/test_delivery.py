"""Email through a real SMTP server on loopback (aiosmtpd) and Slack through a local webhook receiver."""

from __future__ import annotations

import email
import email.policy

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.jobs import JobEnv
from plugins.notifications import plugin as notifications_plugin
from plugins.notifications.jobs import send_slack
from plugins.notifications.models import Delivery
from tests.helpers import ApiClient
from tests.integration.plugins.notifications.conftest import create_issue, notifications_of, setup_project
from tests.integration.plugins.support import eventually, jobs_overrides

pytestmark = pytest.mark.anyio


def _parts(raw: str) -> dict[str, str]:
    message = email.message_from_string(raw, policy=email.policy.default)
    parts = {"subject": str(message["subject"]), "from": str(message["from"])}
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            parts[part.get_content_type()] = part.get_content()
    return parts


async def test_assignment_email_goes_through_smtp_with_text_and_html(mailbox, nclient):
    """The assignee receives a multipart email (plain text and HTML) with a link to the issue; email_sent flips."""
    world = await setup_project(nclient)
    member_email = world["member_login"]["user"]["email"]
    issue = await create_issue(world["owner"], world["project"], title="Broken <build>")
    await world["owner"].patch(
        f"/api/v1/projects/issues/{issue['id']}/assign/", json={"assignee": world["member_login"]["user"]["id"]}
    )

    async def delivered():
        return [m for m in mailbox.to(member_email) if "assigned to you" in m["data"]]

    (message,) = await eventually(delivered)
    parts = _parts(message["data"])
    assert parts["subject"] == "NOTE-1 assigned to you"
    assert parts["from"] == "FICCT-SCRUM <scrum@example.test>"
    link = f"/projects/{world['project']['id']}/issues/{issue['id']}"
    assert "Broken <build>" in parts["text/plain"]
    assert link in parts["text/plain"]
    assert "Broken &lt;build&gt;" in parts["text/html"]
    assert f'href="http://localhost:4200{link}"' in parts["text/html"]

    async def flagged():
        return [n for n in await notifications_of(world["member"]) if n["email_sent"]]

    assert await eventually(flagged)
    assert not mailbox.to(world["owner_login"]["user"]["email"]) or all(
        "assigned to you" not in m["data"] for m in mailbox.to(world["owner_login"]["user"]["email"])
    )


async def test_invitation_and_password_reset_are_mailed(mailbox, nclient):
    """An invitation mails its accept link; a password reset request mails the reset link."""
    world = await setup_project(nclient)

    async def invitation():
        return mailbox.to(world["member_login"]["user"]["email"])

    (invite,) = await eventually(invitation)
    invite_parts = _parts(invite["data"])
    assert invite_parts["subject"] == "You are invited to join Org note on FICCT-SCRUM"
    assert "/invitations/" in invite_parts["text/plain"] or "accept" in invite_parts["text/plain"].lower()
    owner_email = world["owner_login"]["user"]["email"]
    reset = await nclient.raw.post("/api/v1/auth/password-reset-request/", json={"email": owner_email})
    assert reset.status_code == 200

    async def reset_mail():
        return [m for m in mailbox.to(owner_email) if "Reset your FICCT-SCRUM password" in m["data"]]

    (mail,) = await eventually(reset_mail)
    assert "reset-password" in _parts(mail["data"])["text/plain"]


async def test_preferences_stop_email_but_keep_in_app(mailbox, nclient):
    """A user who turned email off for assignments still gets the in-app notification and no email."""
    world = await setup_project(nclient)
    member = world["member"]
    await member.patch(
        "/api/v1/notifications/preferences/", json={"notification_types": {"assignment": {"email": False}}}
    )
    issue = await create_issue(world["owner"], world["project"])
    await world["owner"].patch(
        f"/api/v1/projects/issues/{issue['id']}/assign/", json={"assignee": world["member_login"]["user"]["id"]}
    )

    async def in_app():
        return await notifications_of(member, notification_type="assignment")

    await eventually(in_app)
    # A later email to someone else proves the queue moved past the assignment.
    await nclient.raw.post(
        "/api/v1/auth/password-reset-request/", json={"email": world["owner_login"]["user"]["email"]}
    )
    await eventually(lambda: _async(mailbox.to(world["owner_login"]["user"]["email"])))
    assert all("assigned to you" not in m["data"] for m in mailbox.to(world["member_login"]["user"]["email"]))


async def _async(value):
    return value


async def test_slack_webhook_receives_the_projects_notifications(slack_server, app_factory, db):
    """A project with a webhook gets one JSON post per change; a retried job does not post twice."""
    app = app_factory(available={"notifications": notifications_plugin}, **jobs_overrides())
    async with AsyncTestClient(app=app) as raw:
        client = ApiClient(raw)
        world = await setup_project(client)
        owner = world["owner"]
        saved = await owner.patch(
            "/api/v1/notifications/project-settings/",
            params={"project": world["project"]["id"]},
            json={"slack_webhook_url": slack_server.url},
        )
        assert saved.status_code == 200
        issue = await create_issue(owner, world["project"], title="Deploy")
        await owner.patch(
            f"/api/v1/projects/issues/{issue['id']}/assign/", json={"assignee": world["member_login"]["user"]["id"]}
        )

        async def posts():
            return slack_server.received if len(slack_server.received) >= 2 else None

        received = await eventually(posts)
        texts = [post["json"]["text"] for post in received]
        assert any("New issue NOTE-1" in text for text in texts)
        assert any("NOTE-1 assigned to" in text for text in texts)
        assert all(post["path"] == "/services/T000/B000/XXXX" for post in received)
        assert all(post["json"]["blocks"][0]["type"] == "section" for post in received)
        # Running the same job again (a retry) posts nothing new.
        keys = await eventually(lambda: _delivery_keys(db, "slack", 2))
        key = min(keys)
        # (Called on the test's own loop, with the test's sessions: the app's engine lives on the app's loop.)
        ctx = {"scrum": JobEnv(state=app.state, session_factory=db, jobs=app.state.jobs), "attempt": 2}
        result = await send_slack(
            ctx,
            delivery_key=key,
            project_id=world["project"]["id"],
            title="again",
            message="again",
        )
        assert result == {"sent": 0}
        assert len(slack_server.received) == 2

        async def flagged():
            return [n for n in await notifications_of(world["member"]) if n["slack_sent"]]

        assert await eventually(flagged)
        test = await owner.post(
            "/api/v1/notifications/test-slack/", json={"webhook_url": slack_server.url, "message": "ping"}
        )
        assert test.json() == {"success": True, "message": "Test message sent to Slack."}
        assert "ping" in slack_server.received[-1]["json"]["text"]
        slack_server.status = 403
        failed = await owner.post("/api/v1/notifications/test-slack/", json={"webhook_url": slack_server.url})
        assert failed.status_code == 400
        assert "403" in failed.json()["detail"]


async def _delivery_keys(db, channel, expected):
    """The delivery keys recorded on ``channel`` once there are ``expected`` of them (each recorded once)."""
    async with db() as session:
        keys = list((await session.scalars(select(Delivery.key).where(Delivery.channel == channel))).all())
    assert len(keys) == len(set(keys))
    return set(keys) if len(keys) == expected else None
