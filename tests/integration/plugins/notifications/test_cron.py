"""The cron jobs: deadlines approaching/overdue once per issue and day; the daily digest at the user's hour."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import update

from core.db import models as m
from core.jobs import JobEnv
from plugins.notifications.jobs import check_deadlines, send_digests
from plugins.notifications.models import Preference
from tests.integration.plugins.notifications.conftest import create_issue, notifications_of, setup_project
from tests.integration.plugins.support import eventually

pytestmark = pytest.mark.anyio


class RecordingJobs:
    """Stands in for the job queue: records what the cron job enqueues."""

    def __init__(self) -> None:
        self.enqueued: list[tuple[str, dict[str, object]]] = []

    async def enqueue(self, name: str, /, **kwargs: object) -> str:
        self.enqueued.append((name, kwargs))
        return str(kwargs.get("key"))


def _ctx(app, db, jobs):
    # The job runs on the test's loop with the test's sessions (the app's engine lives on the app's loop).
    return {"scrum": JobEnv(state=app.state, session_factory=db, jobs=jobs), "attempt": 1}


async def test_deadline_check_notifies_once_per_issue_and_day(notif_app, nclient, db):
    """Due today, tomorrow, in 3 days or overdue: the assignee hears once a day; other dates and done issues not."""
    world = await setup_project(nclient)
    owner, member_id = world["owner"], world["member_login"]["user"]["id"]
    today = datetime.datetime.now(datetime.UTC).date()
    due = {
        "today": today,
        "later": today + datetime.timedelta(days=2),
        "overdue": today - datetime.timedelta(days=2),
    }
    for title, date in due.items():
        await create_issue(owner, world["project"], title=title, due_date=date.isoformat(), assignee=member_id)
    await eventually(lambda: notifications_of(world["member"], notification_type="assignment"))
    jobs = RecordingJobs()
    first = await check_deadlines(_ctx(notif_app, db, jobs))
    again = await check_deadlines(_ctx(notif_app, db, jobs))
    assert first == {"issues": 2, "sprints": 0}
    assert again == {"issues": 0, "sprints": 0}
    soon = await notifications_of(world["member"], notification_type="deadline_approaching")
    late = await notifications_of(world["member"], notification_type="deadline_overdue")
    assert [n["title"] for n in soon] == ["NOTE-1 is due today"]
    assert [n["title"] for n in late] == ["NOTE-3 is overdue"]
    emails = [kwargs["to"] for name, kwargs in jobs.enqueued if name == "notifications:send_email"]
    assert emails == [world["member_login"]["user"]["email"]] * 4  # queued each run; the job's key sends once


async def test_digest_goes_out_at_the_users_hour(notif_app, nclient, db):
    """A user with the daily digest gets one digest email at their digest hour instead of one per notification."""
    world = await setup_project(nclient)
    member_id = world["member_login"]["user"]["id"]
    hour = datetime.datetime.now(datetime.UTC).hour
    saved = await world["member"].patch(
        "/api/v1/notifications/preferences/", json={"digest_enabled": True, "digest_time": f"{hour:02d}:00"}
    )
    assert saved.status_code == 200
    async with db() as session:
        await session.execute(update(m.User).where(m.User.id == member_id).values(timezone="UTC"))
        await session.commit()
    await create_issue(world["owner"], world["project"], title="One", assignee=member_id)
    await eventually(lambda: notifications_of(world["member"], notification_type="assignment"))
    jobs = RecordingJobs()
    assert await send_digests(_ctx(notif_app, db, jobs)) == {"digests": 1}
    ((name, kwargs),) = jobs.enqueued
    assert name == "notifications:send_email"
    assert kwargs["template"] == "digest"
    assert kwargs["to"] == world["member_login"]["user"]["email"]
    assert kwargs["values"]["items"][0][0] == "NOTE-1 assigned to you"
    async with db() as session:
        await session.execute(update(Preference).values(digest_time=f"{(hour + 1) % 24:02d}:00"))
        await session.commit()
    assert await send_digests(_ctx(notif_app, db, RecordingJobs())) == {"digests": 0}
