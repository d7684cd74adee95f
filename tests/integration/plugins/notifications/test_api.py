"""The notifications API of contract section 14: lists, filters, counts, read state, deletes, preferences,
project settings, and isolation between users."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.plugins.notifications.conftest import create_issue, notifications_of, setup_project
from tests.integration.plugins.support import eventually

pytestmark = pytest.mark.anyio

BASE = "/api/v1/notifications"


async def _notified_member(nclient, count=3):
    """A project whose member was assigned ``count`` issues by the owner (so the member has notifications)."""
    world = await setup_project(nclient)
    member_id = world["member_login"]["user"]["id"]
    for n in range(count):
        await create_issue(world["owner"], world["project"], title=f"Task {n}", assignee=member_id)

    async def arrived():
        return len([n for n in await notifications_of(world["member"]) if n["notification_type"] == "assignment"])

    assert await eventually(arrived) == count
    return world


async def test_list_shape_filters_search_ordering_and_pages(nclient):
    """The member sees their notifications with the contract's shape, filtered, searched, ordered and paged."""
    world = await _notified_member(nclient)
    member = world["member"]
    page = (await member.get(f"{BASE}/notifications/", params={"page_size": 2, "ordering": "-created_at"})).json()
    assert set(page) == {"count", "next", "previous", "results"}
    first = page["results"][0]
    assert {
        "id",
        "recipient",
        "recipient_email",
        "recipient_name",
        "notification_type",
        "type_display",
        "title",
        "message",
        "link",
        "data",
        "is_read",
        "read_at",
        "email_sent",
        "slack_sent",
        "created_at",
    } <= set(first)
    assert first["recipient"] == world["member_login"]["user"]["id"]
    assert first["type_display"] == "Assignment"
    assert first["link"].startswith(f"/projects/{world['project']['id']}/issues/")
    assert page["next"] is not None
    assert len(page["results"]) == 2
    assigned = await notifications_of(member, notification_type="assignment")
    assert {n["title"].split(" ")[0] for n in assigned} == {"NOTE-1", "NOTE-2", "NOTE-3"}
    assert [n["notification_type"] for n in await notifications_of(member, notification_type="issue_assigned")]
    assert await notifications_of(member, notification_type="sprint_started") == []
    found = await notifications_of(member, search="Task 1")
    assert [n["data"]["issue_key"] for n in found] == ["NOTE-2"]
    oldest_first = await notifications_of(member, ordering="created_at", notification_type="assignment")
    assert [n["data"]["issue_key"] for n in oldest_first] == ["NOTE-1", "NOTE-2", "NOTE-3"]
    assert await notifications_of(member, created_after="2999-01-01") == []
    assert len(await notifications_of(member, created_before="2999-01-01T00:00:00Z")) >= 3
    bad = await member.get(f"{BASE}/notifications/", params={"ordering": "nope"})
    assert bad.status_code == 400
    assert (await member.get(f"{BASE}/notifications/", params={"created_after": "yesterday"})).status_code == 400


async def test_read_state_counts_and_deletes(nclient):
    """Unread count, PATCH is_read (not nested), mark-all-read, delete one, delete-read, with the contract's bodies."""
    world = await _notified_member(nclient)
    member = world["member"]
    unread = (await member.get(f"{BASE}/notifications/unread-count/")).json()["unread_count"]
    assert unread >= 3
    one = (await notifications_of(member, is_read="false"))[0]
    patched = await member.patch(f"{BASE}/{one['id']}/", json={"is_read": True})
    assert patched.status_code == 200
    assert patched.json()["is_read"] is True
    assert patched.json()["read_at"] is not None
    assert (await member.get(f"{BASE}/notifications/unread-count/")).json() == {"unread_count": unread - 1}
    assert one["id"] in {n["id"] for n in await notifications_of(member, is_read="true")}
    marked = (await member.post(f"{BASE}/notifications/mark-all-read/", json={})).json()
    assert marked["updated_count"] == unread - 1
    assert marked["message"]
    assert (await member.get(f"{BASE}/notifications/unread-count/")).json() == {"unread_count": 0}
    assert (await member.delete(f"{BASE}/{one['id']}/")).status_code == 204
    assert (await member.patch(f"{BASE}/{one['id']}/", json={"is_read": False})).status_code == 404
    deleted = (await member.delete(f"{BASE}/delete-read/")).json()
    assert deleted["deleted_count"] == unread - 1
    assert deleted["message"]
    assert await notifications_of(member) == []


async def test_users_only_ever_see_their_own_notifications(nclient):
    """Another user's notification ids are 404 for reading, patching and deleting; lists and counts exclude them."""
    world = await _notified_member(nclient, count=1)
    theirs = (await notifications_of(world["member"]))[0]
    stranger, _ = await nclient.signed_up()
    for owner_or_stranger in (world["owner"], stranger):
        assert (await owner_or_stranger.patch(f"{BASE}/{theirs['id']}/", json={"is_read": True})).status_code == 404
        assert (await owner_or_stranger.delete(f"{BASE}/{theirs['id']}/")).status_code == 404
        assert (await owner_or_stranger.get(f"{BASE}/notifications/{theirs['id']}/")).status_code == 404
        assert theirs["id"] not in {n["id"] for n in await notifications_of(owner_or_stranger)}
    assert (await stranger.get(f"{BASE}/notifications/unread-count/")).json() == {"unread_count": 0}
    assert (await stranger.post(f"{BASE}/notifications/mark-all-read/", json={})).json()["updated_count"] == 0
    assert (await stranger.patch(f"{BASE}/{uuid.uuid4()}/", json={"is_read": True})).status_code == 404
    assert (await world["member"].get(f"{BASE}/notifications/{theirs['id']}/")).json()["is_read"] is False
    assert (await nclient.get(f"{BASE}/notifications/unread-count/")).status_code == 401


async def test_preferences_defaults_patch_and_full_echo(nclient):
    """Preferences are created on first read; PATCH answers {message, preferences}; the client's full echo works."""
    user, login = await nclient.signed_up()
    prefs = (await user.get(f"{BASE}/preferences/")).json()
    assert prefs["user"] == login["user"]["id"]
    assert prefs["email_enabled"] is True
    assert prefs["in_app_enabled"] is True
    assert prefs["slack_enabled"] is False
    assert prefs["digest_enabled"] is False
    assert prefs["notification_types"] == {}
    echoed = {**prefs, "email_enabled": False, "quiet_hours_enabled": True, "quiet_hours_start": "21:30"}
    saved = await user.patch(f"{BASE}/preferences/", json=echoed)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["message"]
    assert body["preferences"]["email_enabled"] is False
    assert body["preferences"]["quiet_hours_start"] == "21:30"
    assert body["preferences"]["id"] == prefs["id"]
    typed = await user.patch(
        f"{BASE}/preferences/",
        json={"notification_types": {"sprint_started": False, "assignment": {"email": False, "in_app": True}}},
    )
    assert typed.json()["preferences"]["notification_types"] == {
        "sprint_started": False,
        "assignment": {"email": False, "in_app": True},
    }
    assert (await user.patch(f"{BASE}/preferences/", json={"notification_types": {"nope": True}})).status_code == 400
    assert (await user.patch(f"{BASE}/preferences/", json={"digest_time": "25:00"})).status_code == 400
    assert (await user.get(f"{BASE}/preferences/")).json()["email_enabled"] is False


async def test_project_settings_need_project_admin(nclient, slack_server):
    """Project admins read and change the project's settings; members and strangers get a 404."""
    world = await setup_project(nclient)
    owner, member = world["owner"], world["member"]
    project_id = world["project"]["id"]
    url = f"{BASE}/project-settings/"
    defaults = (await owner.get(url, params={"project": project_id})).json()
    assert defaults == {
        "project_id": project_id,
        "slack_webhook_url": "",
        "notify_on_issue_created": True,
        "notify_on_issue_updated": True,
        "notify_on_issue_assigned": True,
        "notify_on_comment_added": True,
        "notify_on_sprint_started": True,
        "notify_on_sprint_completed": True,
        "notify_on_deadline": True,
    }
    saved = await owner.patch(
        url, json={"project_id": project_id, "slack_webhook_url": slack_server.url, "notify_on_sprint_started": False}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["success"] is True
    assert saved.json()["settings"]["slack_webhook_url"] == slack_server.url
    again = (await owner.get(url, params={"project": project_id})).json()
    assert again["notify_on_sprint_started"] is False
    assert (await member.get(url, params={"project": project_id})).status_code == 404
    assert (
        await member.patch(url, params={"project": project_id}, json={"notify_on_deadline": False})
    ).status_code == 404
    stranger, _ = await nclient.signed_up()
    assert (await stranger.get(url, params={"project": project_id})).status_code == 404
    assert (await owner.get(url)).status_code == 400
    bad = await owner.patch(url, params={"project": project_id}, json={"slack_webhook_url": "ftp://x"})
    assert bad.status_code == 400
    assert "slack_webhook_url" in bad.json()


async def test_webhooks_are_limited_to_slack_by_default(nclient):
    """Without NOTIFICATIONS_SLACK_ALLOWED_HOSTS, only https://hooks.slack.com webhooks are accepted (no SSRF)."""
    user, _ = await nclient.signed_up()
    refused = await user.post(f"{BASE}/test-slack/", json={"webhook_url": "http://127.0.0.1:9/hook"})
    assert refused.status_code == 400
    assert "webhook_url" in refused.json()
