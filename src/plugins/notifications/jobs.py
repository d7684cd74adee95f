"""Background jobs of the notifications plugin. Each may run more than once: all are idempotent.

* ``notifications:send_email`` and ``notifications:send_slack`` check the delivery record first and write it
  after sending (at least once: a worker killed between the two sends again).
* ``notifications:check_deadlines`` (daily cron) notifies of issues and sprints due today, tomorrow or in 3
  days, and of those overdue (for a week), once per issue or sprint and day.
* ``notifications:send_digests`` (hourly cron) mails users who chose the daily digest, at their digest hour.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

from sqlalchemy import or_, select

from core.db import models as m
from core.jobs import job_env
from plugins.notifications import email, slack
from plugins.notifications.models import Notification, Preference
from plugins.notifications.services import (
    Draft,
    Runtime,
    already_delivered,
    quiet_until,
    record_delivery,
    webhook_for,
    zone_of,
)
from plugins.notifications.settings import get_notifications_settings

__all__ = ("check_deadlines", "send_digests", "send_email", "send_slack")

logger = logging.getLogger("scrum.notifications.jobs")

_SOON = {0: "today", 1: "tomorrow", 3: "in 3 days"}
_OVERDUE_DAYS = 7
_DIGEST_LIMIT = 50


def _runtime(ctx: dict[str, Any]) -> Runtime:
    env = job_env(ctx)
    return Runtime(
        session_factory=env.session_factory, jobs=env.jobs, settings=env.settings, realtime=env.state.get("realtime")
    )


async def send_email(
    ctx: dict[str, Any],
    *,
    delivery_key: str,
    to: str,
    template: str,
    values: dict[str, Any],
    notification_id: str | None = None,
) -> dict[str, int]:
    """Render and send one email unless it already went out."""
    env = job_env(ctx)
    async with env.session_factory() as session:
        if await already_delivered(session, delivery_key, "email"):
            return {"sent": 0}
    message = email.render(template, to, **values)
    await email.send(get_notifications_settings(), message, production=env.settings.is_production)
    async with env.session_factory() as session:
        await record_delivery(
            session, delivery_key, "email", to, uuid.UUID(notification_id) if notification_id else None
        )
    return {"sent": 1}


async def send_slack(
    ctx: dict[str, Any], *, delivery_key: str, project_id: str, title: str, message: str, link: str = ""
) -> dict[str, int]:
    """Post one message to the project's Slack webhook unless it already went out (or none is configured)."""
    env = job_env(ctx)
    settings = get_notifications_settings()
    async with env.session_factory() as session:
        if await already_delivered(session, delivery_key, "slack"):
            return {"sent": 0}
        url = await webhook_for(session, uuid.UUID(project_id))
    if not url:
        return {"sent": 0}
    if problem := slack.check_webhook_url(url, settings.slack_allowed_hosts):
        logger.warning("not posting to the Slack webhook of project %s: %s", project_id, problem)
        return {"sent": 0}
    await slack.post(url, slack.message_payload(title, message, link or None), settings.slack_timeout)
    async with env.session_factory() as session:
        await record_delivery(session, delivery_key, "slack", url.split("?", 1)[0][:80])
    return {"sent": 1}


async def check_deadlines(ctx: dict[str, Any]) -> dict[str, int]:
    """Notify assignees of issues, and members of projects with sprints, that are due soon or overdue."""
    runtime = _runtime(ctx)
    today = datetime.datetime.now(datetime.UTC).date()
    soon = [today + datetime.timedelta(days=days) for days in _SOON]
    oldest = today - datetime.timedelta(days=_OVERDUE_DAYS)
    counts = {"issues": 0, "sprints": 0}
    async with runtime.session_factory() as session:
        notifier = runtime.notifier(session)
        issues = (
            await session.execute(
                select(
                    m.Issue.id,
                    m.Issue.project_id,
                    m.Project.key,
                    m.Issue.number,
                    m.Issue.title,
                    m.Issue.due_date,
                    m.Issue.assignee_id,
                    m.Issue.reporter_id,
                )
                .join(m.Project, m.Project.id == m.Issue.project_id)
                .join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id)
                .where(
                    m.Issue.is_active.is_(True),
                    m.Project.is_active.is_(True),
                    m.WorkflowStatus.is_final.is_(False),
                    or_(m.Issue.due_date.in_(soon), (m.Issue.due_date < today) & (m.Issue.due_date >= oldest)),
                )
                .order_by(m.Issue.due_date, m.Issue.id)
            )
        ).all()
        projects: dict[uuid.UUID, Any] = {}
        for issue_id, project_id, project_key, number, title, due, assignee, reporter in issues:
            recipient = assignee or reporter
            if recipient is None or due is None:
                continue
            if project_id not in projects:
                projects[project_id] = await notifier.project(project_id)
            key = f"{project_key}-{number}"
            overdue = due < today
            when = f"was due {due.isoformat()}" if overdue else f"is due {_SOON[(due - today).days]}"
            draft = Draft(
                recipient,
                "deadline_overdue" if overdue else "deadline_approaching",
                f"{key} {'is overdue' if overdue else 'is due ' + _SOON[(due - today).days]}",
                f"{key}: {title} {when}.",
                f"/projects/{project_id}/issues/{issue_id}",
                {"issue_id": str(issue_id), "issue_key": key, "due_date": due.isoformat(), "overdue": overdue},
            )
            made = await notifier.notify(
                [draft], project=projects[project_id], kind="deadline", dedupe_key=f"deadline:issue:{issue_id}:{today}"
            )
            counts["issues"] += len(made)
        sprints = (
            await session.execute(
                select(m.Sprint.id, m.Sprint.project_id, m.Sprint.name, m.Sprint.end_date)
                .join(m.Project, m.Project.id == m.Sprint.project_id)
                .where(
                    m.Sprint.status == "active",
                    m.Project.is_active.is_(True),
                    or_(m.Sprint.end_date.in_(soon), (m.Sprint.end_date < today) & (m.Sprint.end_date >= oldest)),
                )
                .order_by(m.Sprint.end_date, m.Sprint.id)
            )
        ).all()
        for sprint_id, project_id, name, end in sprints:
            project = projects.get(project_id) or await notifier.project(project_id)
            if project is None or end is None:
                continue
            overdue = end < today
            title = f"Sprint {name} {'is past its end date' if overdue else 'ends ' + _SOON[(end - today).days]}"
            drafts = [
                Draft(
                    uid,
                    "deadline_overdue" if overdue else "deadline_approaching",
                    title,
                    f"{project.key}: sprint {name} {'ended' if overdue else 'ends'} on {end.isoformat()}.",
                    f"/projects/{project_id}",
                    {"sprint_id": str(sprint_id), "end_date": end.isoformat(), "overdue": overdue},
                )
                for uid in await notifier.members(project)
            ]
            made = await notifier.notify(
                drafts, project=project, kind="deadline", dedupe_key=f"deadline:sprint:{sprint_id}:{today}"
            )
            counts["sprints"] += len(made)
    return counts


async def send_digests(ctx: dict[str, Any]) -> dict[str, int]:
    """Mail the daily digest to users whose digest hour (in their time zone) is now; once per user and day."""
    runtime = _runtime(ctx)
    now = datetime.datetime.now(datetime.UTC)
    sent = 0
    async with runtime.session_factory() as session:
        rows = (
            await session.execute(
                select(Preference, m.User)
                .join(m.User, m.User.id == Preference.user_id)
                .where(Preference.digest_enabled.is_(True), m.User.is_active.is_(True))
            )
        ).all()
        notifier = runtime.notifier(session)
        for pref, user in rows:
            local = now.astimezone(zone_of(user.timezone))
            if local.hour != int(pref.digest_time.split(":")[0]):
                continue
            items = (
                await session.scalars(
                    select(Notification)
                    .where(
                        Notification.recipient_id == user.id,
                        Notification.is_read.is_(False),
                        Notification.created_at >= now - datetime.timedelta(days=1),
                    )
                    .order_by(Notification.created_at.desc())
                    .limit(_DIGEST_LIMIT)
                )
            ).all()
            if not items:
                continue
            await notifier.email(
                user.email,
                "digest",
                {"items": [(item.title, item.message) for item in items], "url": notifier.url("/notifications")},
                key=f"digest:{user.id}:{local.date().isoformat()}",
                scheduled=quiet_until(pref, user.timezone, now),
            )
            sent += 1
    return {"digests": sent}
