"""Who hears about what: lifecycle events turned into notifications (called from the plugin's hooks).

Watchers of an issue are its reporter, its assignee and everyone who commented on it. The actor of a change is
never notified of it, and only users who may see the project are. Each event's id is its idempotency key, so a
redelivered event notifies nobody twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from core.db import models as m
from plugins.notifications.services import Draft, Runtime, mentioned_usernames

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncSession

    from core.events import (
        CommentAdded,
        Event,
        IssueAssigned,
        IssueCreated,
        IssueTransitioned,
        IssueUpdated,
        MemberInvited,
        PasswordResetRequested,
        SprintCompleted,
        SprintStarted,
    )

__all__ = (
    "comment_added",
    "issue_assigned",
    "issue_created",
    "issue_transitioned",
    "issue_updated",
    "member_invited",
    "password_reset_requested",
    "sprint_completed",
    "sprint_started",
)

_FIELD_NAMES = {"issue_type_id": "type", "parent_id": "parent", "sprint_id": "sprint", "due_date": "due date"}


def _key(event: Event) -> str | None:
    return f"event:{event.event_id}" if event.event_id else None


def issue_link(project_id: uuid.UUID, issue_id: uuid.UUID) -> str:
    """The web client's route of an issue."""
    return f"/projects/{project_id}/issues/{issue_id}"


async def _issue(session: AsyncSession, issue_id: uuid.UUID) -> tuple[str, int | None, int | None] | None:
    row = (
        await session.execute(
            select(m.Issue.title, m.Issue.reporter_id, m.Issue.assignee_id).where(m.Issue.id == issue_id)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


async def _watchers(
    session: AsyncSession, issue_id: uuid.UUID, reporter: int | None, assignee: int | None
) -> list[int]:
    commenters = await session.scalars(
        select(m.Comment.author_id)
        .where(m.Comment.issue_id == issue_id, m.Comment.author_id.is_not(None))
        .group_by(m.Comment.author_id)
        .order_by(func.min(m.Comment.created_at))
    )
    ordered = [uid for uid in (reporter, assignee, *commenters.all()) if uid is not None]
    return list(dict.fromkeys(ordered))


async def issue_assigned(runtime: Runtime, event: IssueAssigned) -> None:
    """The new assignee hears they were assigned."""
    if event.assignee_id is None:
        return
    async with runtime.session_factory() as session:
        notifier = runtime.notifier(session)
        project, issue = await notifier.project(event.project_id), await _issue(session, event.issue_id)
        if project is None or issue is None:
            return
        names = await notifier.user_names([event.actor_id, event.assignee_id])
        actor = names.get(event.actor_id or 0, "Someone")
        title, message = f"{event.issue_key} assigned to you", f"{actor} assigned you {event.issue_key}: {issue[0]}"
        slack_title = f"{event.issue_key} assigned to {names.get(event.assignee_id, 'someone')}"
        link = issue_link(event.project_id, event.issue_id)
        data = {"issue_id": str(event.issue_id), "issue_key": event.issue_key, "project_id": str(event.project_id)}
        await notifier.notify(
            [Draft(event.assignee_id, "assignment", title, message, link, data)],
            project=project,
            kind="issue_assigned",
            actor_id=event.actor_id,
            dedupe_key=_key(event),
            slack=(slack_title, message, link),
        )


async def _issue_change(
    runtime: Runtime,
    event: IssueCreated | IssueUpdated | IssueTransitioned,
    *,
    notification_type: str,
    kind: str,
    title: str,
    describe: str,
    everyone: bool = False,
    assigned: Draft | None = None,
) -> None:
    async with runtime.session_factory() as session:
        notifier = runtime.notifier(session)
        project, issue = await notifier.project(event.project_id), await _issue(session, event.issue_id)
        if project is None or issue is None:
            return
        issue_title, reporter, assignee = issue
        recipients = (
            await _watchers(session, event.issue_id, reporter, assignee)
            if everyone
            else [uid for uid in (reporter, assignee) if uid is not None]
        )
        actor = (await notifier.user_names([event.actor_id])).get(event.actor_id or 0, "Someone")
        message = f"{actor} {describe} {event.issue_key}: {issue_title}"
        link = issue_link(event.project_id, event.issue_id)
        data = {"issue_id": str(event.issue_id), "issue_key": event.issue_key, "project_id": str(event.project_id)}
        drafts = [Draft(uid, notification_type, title, message, link, data) for uid in recipients]
        if assigned is not None:  # an issue created with an assignee: they hear it as an assignment
            assigned.message, assigned.link, assigned.data = (
                f"{actor} assigned you {event.issue_key}: {issue_title}",
                link,
                data,
            )
            drafts.insert(0, assigned)
        await notifier.notify(
            drafts,
            project=project,
            kind=kind,
            actor_id=event.actor_id,
            dedupe_key=_key(event),
            slack=(title, message, link),
        )


async def issue_created(runtime: Runtime, event: IssueCreated) -> None:
    """The reporter and the assignee hear of a new issue (unless they created it); the assignee as an assignment."""
    assigned = None
    if event.assignee_id is not None:
        assigned = Draft(event.assignee_id, "assignment", f"{event.issue_key} assigned to you")
    await _issue_change(
        runtime,
        event,
        notification_type="issue_created",
        kind="issue_created",
        title=f"New issue {event.issue_key}",
        describe="created",
        assigned=assigned,
    )


async def issue_updated(runtime: Runtime, event: IssueUpdated) -> None:
    """The watchers hear which fields changed."""
    fields = ", ".join(_FIELD_NAMES.get(name, name.replace("_", " ")) for name in event.changes) or "fields"
    await _issue_change(
        runtime,
        event,
        notification_type="issue_updated",
        kind="issue_updated",
        title=f"{event.issue_key} updated",
        describe=f"changed {fields} on",
        everyone=True,
    )


async def issue_transitioned(runtime: Runtime, event: IssueTransitioned) -> None:
    """The watchers hear the issue moved to another status."""
    await _issue_change(
        runtime,
        event,
        notification_type="status_changed",
        kind="issue_updated",
        title=f"{event.issue_key} moved to {event.to_status_name}",
        describe=f"moved to {event.to_status_name}:",
        everyone=True,
    )


async def comment_added(runtime: Runtime, event: CommentAdded) -> None:
    """The reporter and the assignee hear of a new comment; users @mentioned in it get a mention."""
    async with runtime.session_factory() as session:
        notifier = runtime.notifier(session)
        project, issue = await notifier.project(event.project_id), await _issue(session, event.issue_id)
        if project is None or issue is None:
            return
        issue_title, reporter, assignee = issue
        names = mentioned_usernames(event.content)
        mentioned: list[int] = []
        if names:
            rows = await session.scalars(select(m.User.id).where(func.lower(m.User.username).in_(names)))
            mentioned = list(rows.all())
        actor = (await notifier.user_names([event.actor_id])).get(event.actor_id or 0, "Someone")
        excerpt = event.content.strip()
        excerpt = excerpt if len(excerpt) <= 200 else excerpt[:197] + "..."
        link = issue_link(event.project_id, event.issue_id)
        data = {
            "issue_id": str(event.issue_id),
            "issue_key": event.issue_key,
            "project_id": str(event.project_id),
            "comment_id": str(event.comment_id),
        }
        drafts = [
            Draft(uid, "mention", f"{actor} mentioned you on {event.issue_key}", excerpt, link, data)
            for uid in mentioned
        ]
        drafts += [
            Draft(uid, "issue_commented", f"New comment on {event.issue_key}", f"{actor}: {excerpt}", link, data)
            for uid in (reporter, assignee)
            if uid is not None
        ]
        await notifier.notify(
            drafts,
            project=project,
            kind="comment_added",
            actor_id=event.actor_id,
            dedupe_key=_key(event),
            slack=(f"New comment on {event.issue_key}: {issue_title}", f"{actor}: {excerpt}", link),
        )


async def _sprint(
    runtime: Runtime, event: SprintStarted | SprintCompleted, notification_type: str, message: str
) -> None:
    async with runtime.session_factory() as session:
        notifier = runtime.notifier(session)
        project = await notifier.project(event.project_id)
        if project is None:
            return
        verb = "started" if notification_type == "sprint_started" else "completed"
        title = f"Sprint {event.sprint_name} {verb}"
        link = f"/projects/{event.project_id}"
        data = {"sprint_id": str(event.sprint_id), "project_id": str(event.project_id)}
        recipients = await notifier.members(project)
        await notifier.notify(
            [Draft(uid, notification_type, title, message, link, data) for uid in recipients],
            project=project,
            kind=notification_type,
            actor_id=event.actor_id,
            dedupe_key=_key(event),
            slack=(f"{project.key}: {title}", message, link),
        )


def _points(value: float) -> str:
    return f"{value:g}"


async def sprint_started(runtime: Runtime, event: SprintStarted) -> None:
    """Project and workspace members hear that a sprint started."""
    ends = f", ends {event.end_date.isoformat()}" if event.end_date else ""
    message = f"{event.issue_count} issue(s), {_points(event.committed_points)} point(s) committed{ends}."
    await _sprint(runtime, event, "sprint_started", message)


async def sprint_completed(runtime: Runtime, event: SprintCompleted) -> None:
    """Project and workspace members hear that a sprint was completed, and where unfinished work went."""
    where = "the backlog" if event.moved_to_sprint_id is None else "the next sprint"
    message = (
        f"{event.completed_issue_count} issue(s) done, {_points(event.completed_points)} of "
        f"{_points(event.committed_points)} point(s); {event.unfinished_issue_count} unfinished moved to {where}."
    )
    await _sprint(runtime, event, "sprint_completed", message)


async def member_invited(runtime: Runtime, event: MemberInvited) -> None:
    """The invitee gets an email with the accept link (re-sent invitations mail again)."""
    async with runtime.session_factory() as session:
        await runtime.notifier(session).email(
            event.email,
            "invitation",
            {
                "organization": event.organization_name,
                "role": event.role,
                "url": event.accept_url,
                "expires": event.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
            },
            key=f"invite:{event.event_id or event.invitation_id}",
        )


async def password_reset_requested(runtime: Runtime, event: PasswordResetRequested) -> None:
    """The account's address gets the reset link (the token is never logged in production)."""
    async with runtime.session_factory() as session:
        await runtime.notifier(session).email(
            event.email,
            "password_reset",
            {"url": event.reset_url, "expires": event.expires_at.strftime("%Y-%m-%d %H:%M UTC")},
            key=f"reset:{event.event_id or event.user_id}:{event.expires_at.timestamp():.0f}",
        )
