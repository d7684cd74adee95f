"""Typed lifecycle events handed to plugins' ``on_*`` hooks after the change is committed.

Events carry ids and small values, never ORM objects: the session that made the change may be closed by the
time a handler runs, so a handler re-reads what it needs through the core's public services.
"""

from __future__ import annotations

import datetime
import uuid
from typing import ClassVar

import msgspec

__all__ = (
    "Event",
    "MemberInvited",
    "OrganizationCreated",
    "PasswordResetRequested",
    "ProjectCreated",
    "SprintCompleted",
    "SprintStarted",
    "UserRegistered",
    "event_type_for",
)


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every lifecycle event. ``hook`` names the hookspec the dispatcher calls with it."""

    hook: ClassVar[str]
    occurred_at: datetime.datetime = msgspec.field(default_factory=lambda: datetime.datetime.now(datetime.UTC))
    actor_id: int | None = None
    # The id of the activity row that records this event: stable across redeliveries (an idempotency key).
    event_id: uuid.UUID | None = None


class UserRegistered(Event, frozen=True, kw_only=True):
    """A new account was created through ``POST /api/v1/auth/register/``."""

    hook: ClassVar[str] = "on_user_registered"
    user_id: int
    email: str
    username: str


class PasswordResetRequested(Event, frozen=True, kw_only=True):
    """A password reset was requested for an existing, active account.

    ``token`` is the raw single-use token (only its hash is stored); ``reset_url`` is the web client's page.
    """

    hook: ClassVar[str] = "on_password_reset_requested"
    user_id: int
    email: str
    token: str
    reset_url: str
    expires_at: datetime.datetime


class OrganizationCreated(Event, frozen=True, kw_only=True):
    """A new organization (tenant) was created; its creator is the owner."""

    hook: ClassVar[str] = "on_tenant_created"
    organization_id: uuid.UUID
    name: str
    owner_id: int


class MemberInvited(Event, frozen=True, kw_only=True):
    """Someone was invited to an organization. ``accept_url`` carries the token; the notifications plugin mails it."""

    hook: ClassVar[str] = "on_member_invited"
    invitation_id: uuid.UUID
    organization_id: uuid.UUID
    organization_name: str
    email: str
    role: str
    token: str
    accept_url: str
    expires_at: datetime.datetime
    resent: bool = False


class ProjectCreated(Event, frozen=True, kw_only=True):
    """A project was created, with its default issue types, workflow and configuration."""

    hook: ClassVar[str] = "on_project_created"
    project_id: uuid.UUID
    workspace_id: uuid.UUID
    organization_id: uuid.UUID
    key: str
    name: str


class IssueEvent(Event, frozen=True, kw_only=True):
    """Base of the issue events: where the issue lives and what it is called."""

    issue_id: uuid.UUID
    issue_key: str
    project_id: uuid.UUID
    workspace_id: uuid.UUID
    organization_id: uuid.UUID


class IssueCreated(IssueEvent, frozen=True, kw_only=True):
    """An issue was created."""

    hook: ClassVar[str] = "on_issue_created"
    title: str
    reporter_id: int | None
    assignee_id: int | None
    status_id: uuid.UUID
    sprint_id: uuid.UUID | None = None


class IssueUpdated(IssueEvent, frozen=True, kw_only=True):
    """Fields of an issue changed: ``changes`` maps each field to ``{"old": ..., "new": ...}``."""

    hook: ClassVar[str] = "on_issue_updated"
    changes: dict[str, dict[str, object]]


class IssueTransitioned(IssueEvent, frozen=True, kw_only=True):
    """An issue moved from one workflow status to another."""

    hook: ClassVar[str] = "on_issue_transitioned"
    from_status_id: uuid.UUID
    to_status_id: uuid.UUID
    to_status_name: str
    is_final: bool


class IssueAssigned(IssueEvent, frozen=True, kw_only=True):
    """An issue's assignee changed (``assignee_id`` None = unassigned)."""

    hook: ClassVar[str] = "on_issue_assigned"
    previous_assignee_id: int | None
    assignee_id: int | None


class IssueDeleted(IssueEvent, frozen=True, kw_only=True):
    """An issue was deleted."""

    hook: ClassVar[str] = "on_issue_deleted"


class CommentAdded(IssueEvent, frozen=True, kw_only=True):
    """A comment was added to an issue."""

    hook: ClassVar[str] = "on_comment_added"
    comment_id: uuid.UUID
    author_id: int | None
    content: str


class SprintEvent(Event, frozen=True, kw_only=True):
    """Base of the sprint events."""

    sprint_id: uuid.UUID
    sprint_name: str
    project_id: uuid.UUID
    workspace_id: uuid.UUID
    organization_id: uuid.UUID


class SprintStarted(SprintEvent, frozen=True, kw_only=True):
    """A sprint started; ``committed_points`` were frozen at this moment."""

    hook: ClassVar[str] = "on_sprint_started"
    start_date: datetime.date | None
    end_date: datetime.date | None
    committed_points: float
    issue_count: int


class SprintCompleted(SprintEvent, frozen=True, kw_only=True):
    """A sprint was completed; unfinished issues moved to ``moved_to_sprint_id`` (None = the backlog)."""

    hook: ClassVar[str] = "on_sprint_completed"
    completed_points: float
    committed_points: float
    completed_issue_count: int
    unfinished_issue_count: int
    moved_to_sprint_id: uuid.UUID | None


def event_type_for(hook: str) -> type[Event] | None:
    """The event class delivered through ``hook`` (to rebuild stored events), or None."""
    pending: list[type[Event]] = [Event]
    while pending:
        cls = pending.pop()
        if cls.__dict__.get("hook") == hook:
            return cls
        pending.extend(cls.__subclasses__())
    return None
