"""Who is notified of what: lifecycle hooks, the actor never, watchers and mentions, idempotent redelivery."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, select, update

from core.db import models as m
from plugins.notifications import plugin as notifications_plugin
from plugins.notifications.models import Notification
from tests.integration.plugins.notifications.conftest import create_issue, notifications_of, setup_project
from tests.integration.plugins.support import eventually, jobs_overrides

pytestmark = pytest.mark.anyio


async def _types(client):
    return sorted(n["notification_type"] for n in await notifications_of(client))


async def test_assignment_notifies_the_assignee_not_the_actor(nclient):
    """Assigning through the API notifies the new assignee once; the owner who assigned hears nothing."""
    world = await setup_project(nclient)
    owner, member = world["owner"], world["member"]
    issue = await create_issue(owner, world["project"], title="Fix login")
    assert await notifications_of(member) == []  # not reporter, not assignee: not a watcher
    member_id = world["member_login"]["user"]["id"]
    assigned = await owner.patch(f"/api/v1/projects/issues/{issue['id']}/assign/", json={"assignee": member_id})
    assert assigned.status_code == 200, assigned.text

    async def got():
        return await notifications_of(member, notification_type="assignment")

    (note,) = await eventually(got)
    assert note["title"] == "NOTE-1 assigned to you"
    assert "Fix login" in note["message"]
    assert note["data"]["issue_id"] == issue["id"]
    assert await notifications_of(owner) == []
    # Assigning yourself notifies nobody.
    await owner.patch(
        f"/api/v1/projects/issues/{issue['id']}/assign/", json={"assignee": world["owner_login"]["user"]["id"]}
    )
    assert await notifications_of(owner) == []


async def test_watchers_hear_updates_transitions_and_comments_with_mentions(nclient):
    """Reporter, assignee and commenters watch an issue; @mentions reach project members only."""
    world = await setup_project(nclient)
    owner, member = world["owner"], world["member"]
    member_login = world["member_login"]
    issue = await create_issue(member, world["project"], title="Crash", assignee=member_login["user"]["id"])
    assert await notifications_of(member) == []  # they made it themselves
    url = f"/api/v1/projects/issues/{issue['id']}"
    assert (await owner.patch(f"{url}/", json={"title": "Crash on start", "story_points": 3})).status_code == 200
    statuses = (await owner.get(f"/api/v1/projects/workflow-statuses/?project={world['project']['id']}")).json()
    doing = next(st for st in statuses["results"] if st["name"] == "In Progress")
    assert (await owner.patch(f"{url}/transition/", json={"transition": doing["id"]})).status_code == 200
    stranger, stranger_login = await nclient.signed_up()
    text = f"@{world['owner_login']['user']['username']} and @{stranger_login['user']['username']} have a look"
    assert (await member.post(f"{url}/comments/", json={"content": text})).status_code == 201

    async def member_types():
        types = await _types(member)
        return types if len(types) >= 2 else None

    assert await eventually(member_types) == ["issue_updated", "status_changed"]
    updated = await notifications_of(member, notification_type="issue_updated")
    assert "title" in updated[0]["message"]
    assert "story points" in updated[0]["message"]
    moved = await notifications_of(member, notification_type="status_changed")
    assert moved[0]["title"] == "NOTE-1 moved to In Progress"

    async def mention():
        return await notifications_of(owner, notification_type="mention")

    (mentioned,) = await eventually(mention)
    assert "have a look" in mentioned["message"]
    assert await notifications_of(stranger) == []  # not in the project: a mention does not leak it
    # The owner is now a commenter-watcher? No: they only updated. A comment by the owner reaches the member.
    assert (await owner.post(f"{url}/comments/", json={"content": "on it"})).status_code == 201

    async def commented():
        return await notifications_of(member, notification_type="issue_commented")

    assert (await eventually(commented))[0]["message"].endswith("on it")


async def test_sprint_start_notifies_project_and_workspace_members(nclient):
    """Starting a sprint notifies the workspace members except whoever started it."""
    world = await setup_project(nclient)
    owner, member = world["owner"], world["member"]
    project = world["project"]
    sprint = await owner.post(
        "/api/v1/projects/sprints/",
        json={"project": project["id"], "name": "Sprint 1", "start_date": "2030-01-01", "end_date": "2030-01-14"},
    )
    assert sprint.status_code == 201, sprint.text
    issue = await create_issue(owner, project)
    moved = await owner.patch(f"/api/v1/projects/issues/{issue['id']}/", json={"sprint": sprint.json()["id"]})
    assert moved.status_code == 200, moved.text
    started = await owner.post(f"/api/v1/projects/sprints/{sprint.json()['id']}/start/", json={})
    assert started.status_code == 200, started.text

    async def got():
        return await notifications_of(member, notification_type="sprint_started")

    (note,) = await eventually(got)
    assert note["title"] == "Sprint Sprint 1 started"
    assert await notifications_of(owner, notification_type="sprint_started") == []


async def test_project_switch_silences_a_kind(nclient):
    """A project admin turning notify_on_issue_assigned off silences assignments in that project."""
    world = await setup_project(nclient)
    owner = world["owner"]
    off = await owner.patch(
        "/api/v1/notifications/project-settings/",
        params={"project": world["project"]["id"]},
        json={"notify_on_issue_assigned": False, "notify_on_issue_created": False},
    )
    assert off.status_code == 200
    issue = await create_issue(owner, world["project"])
    await owner.patch(
        f"/api/v1/projects/issues/{issue['id']}/assign/", json={"assignee": world["member_login"]["user"]["id"]}
    )
    await create_issue(owner, world["project"], title="Other")  # a later change that is not silenced...
    assert await notifications_of(world["member"]) == []


async def test_redelivered_event_notifies_nobody_twice(app_factory, nclient, db):
    """The sweep redelivers an event the plugin already handled (a crash before the delivery mark): no duplicate."""
    world = await setup_project(nclient)
    issue = await create_issue(world["owner"], world["project"])
    await world["owner"].patch(
        f"/api/v1/projects/issues/{issue['id']}/assign/", json={"assignee": world["member_login"]["user"]["id"]}
    )

    async def got():
        return await notifications_of(world["member"], notification_type="assignment")

    await eventually(got)
    async with db() as session:
        # Pretend the process died after the handlers ran but before their deliveries were recorded.
        await session.execute(update(m.Activity).values(delivered_at=None))
        await session.execute(delete(m.EventDelivery))
        await session.commit()
    # A restart runs the start-up sweep, which hands every event to the plugin again.
    async with AsyncTestClient(app=app_factory(available={"notifications": notifications_plugin}, **jobs_overrides())):
        pass
    async with db() as session:
        pending = await session.scalar(
            select(func.count(m.Activity.id)).where(
                m.Activity.event_hook == "on_issue_assigned", m.Activity.delivered_at.is_(None)
            )
        )
        assigned = await session.scalar(
            select(func.count(Notification.id)).where(Notification.notification_type == "assignment")
        )
    assert pending == 0
    assert assigned == 1
    assert len(await notifications_of(world["member"], notification_type="assignment")) == 1
