"""Request and response shapes of ``/api/v1/notifications/...`` (contract sections 1 and 14)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec

__all__ = (
    "NOTIFICATION_TYPES",
    "DeletedCount",
    "Notification",
    "NotificationUpdate",
    "Preferences",
    "PreferencesSaved",
    "PreferencesUpdate",
    "ProjectSettings",
    "ProjectSettingsSaved",
    "ProjectSettingsUpdate",
    "SlackTest",
    "SlackTestResult",
    "UnreadCount",
    "UpdatedCount",
)

NOTIFICATION_TYPES: dict[str, str] = {
    "assignment": "Assignment",
    "issue_created": "Issue Created",
    "issue_updated": "Issue Updated",
    "status_changed": "Status Changed",
    "issue_commented": "New Comment",
    "mention": "Mention",
    "sprint_started": "Sprint Started",
    "sprint_completed": "Sprint Completed",
    "deadline_approaching": "Deadline Approaching",
    "deadline_overdue": "Deadline Overdue",
}
"""Every notification type, with the label the web client shows (``type_display``)."""

Clock = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")]
WebhookUrl = Annotated[str, msgspec.Meta(max_length=500)]


class Notification(msgspec.Struct):
    """One in-app notification."""

    id: uuid.UUID
    recipient: int
    recipient_email: str
    recipient_name: str
    notification_type: str
    type_display: str
    title: str
    message: str
    link: str
    data: dict[str, Any]
    is_read: bool
    read_at: datetime.datetime | None
    email_sent: bool
    slack_sent: bool
    created_at: datetime.datetime


class NotificationUpdate(msgspec.Struct):
    """``PATCH /api/v1/notifications/{id}/``: mark read or unread."""

    is_read: bool


class UnreadCount(msgspec.Struct):
    """The header badge."""

    unread_count: int


class UpdatedCount(msgspec.Struct):
    """The answer to mark-all-read."""

    message: str
    updated_count: int


class DeletedCount(msgspec.Struct):
    """The answer to delete-read."""

    message: str
    deleted_count: int


ChannelSwitches = dict[str, bool]


class Preferences(msgspec.Struct):
    """A user's notification preferences (created with the defaults on first read)."""

    id: uuid.UUID
    user: int
    user_email: str
    email_enabled: bool
    in_app_enabled: bool
    slack_enabled: bool
    notification_types: dict[str, bool | ChannelSwitches]
    digest_enabled: bool
    digest_time: str
    quiet_hours_enabled: bool
    quiet_hours_start: str
    quiet_hours_end: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PreferencesUpdate(msgspec.Struct):
    """``PATCH .../preferences/``: any subset; read-only fields the web client echoes back are ignored.

    ``notification_types`` maps a type to ``false`` (off everywhere) or to per-channel switches
    (``{"email": false}``); types not listed keep their setting.
    """

    email_enabled: bool | msgspec.UnsetType = msgspec.UNSET
    in_app_enabled: bool | msgspec.UnsetType = msgspec.UNSET
    slack_enabled: bool | msgspec.UnsetType = msgspec.UNSET
    notification_types: dict[str, bool | ChannelSwitches] | msgspec.UnsetType = msgspec.UNSET
    digest_enabled: bool | msgspec.UnsetType = msgspec.UNSET
    digest_time: Clock | msgspec.UnsetType = msgspec.UNSET
    quiet_hours_enabled: bool | msgspec.UnsetType = msgspec.UNSET
    quiet_hours_start: Clock | msgspec.UnsetType = msgspec.UNSET
    quiet_hours_end: Clock | msgspec.UnsetType = msgspec.UNSET


class PreferencesSaved(msgspec.Struct):
    """The answer to a preferences update."""

    message: str
    preferences: Preferences


class ProjectSettings(msgspec.Struct):
    """A project's notification settings."""

    project_id: uuid.UUID
    slack_webhook_url: str
    notify_on_issue_created: bool
    notify_on_issue_updated: bool
    notify_on_issue_assigned: bool
    notify_on_comment_added: bool
    notify_on_sprint_started: bool
    notify_on_sprint_completed: bool
    notify_on_deadline: bool


class ProjectSettingsUpdate(msgspec.Struct):
    """``PATCH .../project-settings/``: the project comes from ``?project=`` or ``project_id`` in the body."""

    project_id: uuid.UUID | None = None
    project: uuid.UUID | None = None
    slack_webhook_url: WebhookUrl | msgspec.UnsetType = msgspec.UNSET
    notify_on_issue_created: bool | msgspec.UnsetType = msgspec.UNSET
    notify_on_issue_updated: bool | msgspec.UnsetType = msgspec.UNSET
    notify_on_issue_assigned: bool | msgspec.UnsetType = msgspec.UNSET
    notify_on_comment_added: bool | msgspec.UnsetType = msgspec.UNSET
    notify_on_sprint_started: bool | msgspec.UnsetType = msgspec.UNSET
    notify_on_sprint_completed: bool | msgspec.UnsetType = msgspec.UNSET
    notify_on_deadline: bool | msgspec.UnsetType = msgspec.UNSET


class ProjectSettingsSaved(msgspec.Struct):
    """The answer to a project settings update (the web client reads ``success`` and ``message``)."""

    success: bool
    message: str
    settings: ProjectSettings


class SlackTest(msgspec.Struct):
    """``POST .../test-slack/``."""

    webhook_url: WebhookUrl
    message: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class SlackTestResult(msgspec.Struct):
    """Whether Slack accepted the test message."""

    success: bool
    message: str
