"""``/api/v1/notifications/...`` (contract section 14). Thin: parse, call a service, present."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from core.context import Ctx
from core.http.errors import ApplicationError, FieldErrors
from core.http.pagination import Page, page_params
from core.http.params import FromPath, FromQuery, JSONBody, optional_uuid
from plugins.notifications import schemas as s
from plugins.notifications import slack
from plugins.notifications.services import (
    NotificationService,
    PreferenceService,
    ProjectSettingsService,
    present,
    present_preferences,
    present_project_settings,
)
from plugins.notifications.settings import get_notifications_settings

__all__ = ("NotificationController", "NotificationsSettingsController")

_BASE = "/api/v1/notifications"


class NotificationController(Controller):
    """The caller's own in-app notifications; anyone else's are a 404."""

    path = _BASE
    tags = ["notifications"]

    @get("/notifications", operation_id="ListNotifications")
    async def list_notifications(
        self,
        ctx: Ctx,
        request: Request[Any, Any, Any],
        is_read: FromQuery[str | None] = None,
        notification_type: FromQuery[str | None] = None,
        created_after: FromQuery[str | None] = None,
        created_before: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.Notification]:
        """The caller's notifications, newest first (filters: read state, type, dates, search; ordering)."""
        params = page_params(request)
        count, rows = await NotificationService(ctx).list(
            params,
            is_read=is_read,
            notification_type=notification_type,
            created_after=created_after,
            created_before=created_before,
            search=search,
            ordering=ordering,
        )
        return params.build(count, [present(row, ctx.user) for row in rows])

    @get("/notifications/unread-count", operation_id="CountUnreadNotifications")
    async def unread_count(self, ctx: Ctx) -> s.UnreadCount:
        """How many of the caller's notifications are unread (the header polls this every 30 s)."""
        return s.UnreadCount(unread_count=await NotificationService(ctx).unread_count())

    @post("/notifications/mark-all-read", status_code=HTTP_200_OK, operation_id="MarkAllNotificationsRead")
    async def mark_all_read(self, ctx: Ctx) -> s.UpdatedCount:
        """Mark every unread notification of the caller read."""
        updated = await NotificationService(ctx).mark_all_read()
        return s.UpdatedCount(message=f"{updated} notification(s) marked as read.", updated_count=updated)

    @delete("/delete-read", status_code=HTTP_200_OK, operation_id="DeleteReadNotifications")
    async def delete_read(self, ctx: Ctx) -> s.DeletedCount:
        """Delete every read notification of the caller."""
        deleted = await NotificationService(ctx).delete_read()
        return s.DeletedCount(message=f"{deleted} read notification(s) deleted.", deleted_count=deleted)

    @patch("/{notification_id:uuid}", operation_id="UpdateNotification")
    async def update_notification(
        self, ctx: Ctx, notification_id: FromPath[uuid.UUID], data: JSONBody[s.NotificationUpdate]
    ) -> s.Notification:
        """Mark one notification read (``{"is_read": true}``) or unread."""
        return present(await NotificationService(ctx).set_read(notification_id, data.is_read), ctx.user)

    @delete("/{notification_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteNotification")
    async def delete_notification(self, ctx: Ctx, notification_id: FromPath[uuid.UUID]) -> None:
        """Delete one notification."""
        await NotificationService(ctx).delete(notification_id)

    # The original's nested paths, kept for older clients.

    @get("/notifications/{notification_id:uuid}", operation_id="GetNotification", include_in_schema=False)
    async def get_notification(self, ctx: Ctx, notification_id: FromPath[uuid.UUID]) -> s.Notification:
        """One notification of the caller."""
        return present(await NotificationService(ctx).get(notification_id), ctx.user)

    @patch("/notifications/{notification_id:uuid}", operation_id="UpdateNotificationNested", include_in_schema=False)
    async def update_notification_nested(
        self, ctx: Ctx, notification_id: FromPath[uuid.UUID], data: JSONBody[s.NotificationUpdate]
    ) -> s.Notification:
        """Same as ``PATCH /api/v1/notifications/{id}/``."""
        return present(await NotificationService(ctx).set_read(notification_id, data.is_read), ctx.user)

    @delete(
        "/notifications/delete-read",
        status_code=HTTP_200_OK,
        operation_id="DeleteReadNotificationsNested",
        include_in_schema=False,
    )
    async def delete_read_nested(self, ctx: Ctx) -> s.DeletedCount:
        """Same as ``DELETE /api/v1/notifications/delete-read/``."""
        deleted = await NotificationService(ctx).delete_read()
        return s.DeletedCount(message=f"{deleted} read notification(s) deleted.", deleted_count=deleted)


class NotificationsSettingsController(Controller):
    """Preferences of the caller, notification settings of a project, and the Slack webhook test."""

    path = _BASE
    tags = ["notifications"]

    @get("/preferences", operation_id="GetNotificationPreferences")
    async def get_preferences(self, ctx: Ctx) -> s.Preferences:
        """The caller's preferences (created with the defaults on first read)."""
        return present_preferences(await PreferenceService(ctx).get(), ctx.user)

    @patch("/preferences", operation_id="UpdateNotificationPreferences")
    async def update_preferences(self, ctx: Ctx, data: JSONBody[s.PreferencesUpdate]) -> s.PreferencesSaved:
        """Change channels, per-type (and per-channel) switches, quiet hours and the daily digest."""
        row = await PreferenceService(ctx).update(data)
        return s.PreferencesSaved(
            message="Preferences updated successfully.", preferences=present_preferences(row, ctx.user)
        )

    @put("/preferences", operation_id="ReplaceNotificationPreferences", include_in_schema=False)
    async def replace_preferences(self, ctx: Ctx, data: JSONBody[s.PreferencesUpdate]) -> s.PreferencesSaved:
        """Same as PATCH."""
        row = await PreferenceService(ctx).update(data)
        return s.PreferencesSaved(
            message="Preferences updated successfully.", preferences=present_preferences(row, ctx.user)
        )

    @get("/project-settings", operation_id="GetProjectNotificationSettings")
    async def get_project_settings(self, ctx: Ctx, project: FromQuery[str | None] = None) -> s.ProjectSettings:
        """Notification settings of ``?project=`` (project admins only; others get a 404)."""
        row = await ProjectSettingsService(ctx).get(optional_uuid(project, "project"))
        return present_project_settings(row)

    @patch("/project-settings", operation_id="UpdateProjectNotificationSettings")
    async def update_project_settings(
        self, ctx: Ctx, data: JSONBody[s.ProjectSettingsUpdate], project: FromQuery[str | None] = None
    ) -> s.ProjectSettingsSaved:
        """Change a project's Slack webhook and notification switches (project admins only)."""
        project_id = optional_uuid(project, "project") or data.project_id or data.project
        allowed = get_notifications_settings().slack_allowed_hosts
        row = await ProjectSettingsService(ctx).update(
            project_id, data, lambda url: slack.check_webhook_url(url, allowed)
        )
        return s.ProjectSettingsSaved(
            success=True, message="Notification settings saved.", settings=present_project_settings(row)
        )

    @post("/test-slack", status_code=HTTP_200_OK, operation_id="TestSlackWebhook")
    async def test_slack(self, ctx: Ctx, data: JSONBody[s.SlackTest]) -> s.SlackTestResult:
        """Post a test message to a Slack webhook; a refused URL or a failed post is a 400."""
        settings = get_notifications_settings()
        if problem := slack.check_webhook_url(data.webhook_url, settings.slack_allowed_hosts):
            raise FieldErrors({"webhook_url": [problem]})
        text = data.message or f"Test message from FICCT-SCRUM, sent by {ctx.user.full_name}."
        try:
            await slack.post(
                data.webhook_url, slack.message_payload("FICCT-SCRUM webhook test", text), settings.slack_timeout
            )
        except slack.SlackError as exc:
            raise ApplicationError(str(exc)) from None
        return s.SlackTestResult(success=True, message="Test message sent to Slack.")


ROUTES = [NotificationController, NotificationsSettingsController]
"""Everything the plugin serves under ``/api/v1/notifications``."""
