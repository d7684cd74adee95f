"""The notifications plugin's hook implementations (the only module of the plugin with ``@hookimpl``).

Enable it with ``SCRUM_PLUGINS`` (or leave the variable unset). Lifecycle handlers create in-app notifications
inline and enqueue email and Slack work as jobs; they find the app's database and job queue in the runtime set
up by :func:`on_startup`. Jobs get the same from their job context, so they also run in a separate worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from saq import CronJob

from core.hookspecs import hookimpl
from plugins.notifications import handlers, jobs
from plugins.notifications.controllers import ROUTES
from plugins.notifications.realtime import notifications_socket
from plugins.notifications.services import Runtime
from plugins.notifications.settings import get_notifications_settings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from litestar import Litestar

    from core.events import (
        CommentAdded,
        IssueAssigned,
        IssueCreated,
        IssueTransitioned,
        IssueUpdated,
        MemberInvited,
        PasswordResetRequested,
        SprintCompleted,
        SprintStarted,
    )

__version__ = "1.0.0"

_current: list[Runtime] = []  # the runtime of the app started in this process (set by on_startup)


def _runtime() -> Runtime:
    if not _current:
        msg = "the notifications plugin has not started (no app called on_startup in this process)"
        raise RuntimeError(msg)
    return _current[-1]


# --- contributions ----------------------------------------------------------------------------------------


@hookimpl
def register_routes() -> Sequence[Any]:
    """The REST API under ``/api/v1/notifications`` and the live socket ``/ws/notifications``."""
    return [*ROUTES, notifications_socket]


@hookimpl
def register_openapi_tags() -> Sequence[dict[str, str]]:
    """The ``notifications`` tag."""
    return [{"name": "notifications", "description": "In-app notifications, preferences, Slack settings."}]


@hookimpl
def register_jobs() -> Sequence[Any]:
    """Email and Slack delivery, the daily deadline check and the hourly digest run."""
    settings = get_notifications_settings()  # read here: only an enabled plugin reads its settings
    return [
        ("notifications:send_email", jobs.send_email),
        ("notifications:send_slack", jobs.send_slack),
        ("notifications:check_deadlines", jobs.check_deadlines),
        ("notifications:send_digests", jobs.send_digests),
        CronJob(jobs.check_deadlines, cron=settings.deadline_cron),
        CronJob(jobs.send_digests, cron=settings.digest_cron),
    ]


@hookimpl
def on_startup(app: Litestar) -> None:
    """Set up the runtime the hooks use (database, jobs and the core's realtime channels)."""
    env = app.state.jobs.env
    _current.append(
        Runtime(session_factory=env.session_factory, jobs=env.jobs, settings=env.settings, realtime=app.state.realtime)
    )


@hookimpl
def on_shutdown(app: Litestar) -> None:
    """Forget this app's runtime."""
    realtime = app.state.get("realtime")
    _current[:] = [runtime for runtime in _current if runtime.realtime is not realtime]


# --- lifecycle --------------------------------------------------------------------------------------------


@hookimpl
async def on_issue_assigned(event: IssueAssigned) -> None:
    """Tell the new assignee."""
    await handlers.issue_assigned(_runtime(), event)


@hookimpl
async def on_issue_created(event: IssueCreated) -> None:
    """Tell the reporter and the assignee."""
    await handlers.issue_created(_runtime(), event)


@hookimpl
async def on_issue_updated(event: IssueUpdated) -> None:
    """Tell the watchers what changed."""
    await handlers.issue_updated(_runtime(), event)


@hookimpl
async def on_issue_transitioned(event: IssueTransitioned) -> None:
    """Tell the watchers the issue moved."""
    await handlers.issue_transitioned(_runtime(), event)


@hookimpl
async def on_comment_added(event: CommentAdded) -> None:
    """Tell the reporter, the assignee and whoever is @mentioned."""
    await handlers.comment_added(_runtime(), event)


@hookimpl
async def on_sprint_started(event: SprintStarted) -> None:
    """Tell the project's and its workspace's members."""
    await handlers.sprint_started(_runtime(), event)


@hookimpl
async def on_sprint_completed(event: SprintCompleted) -> None:
    """Tell the project's and its workspace's members."""
    await handlers.sprint_completed(_runtime(), event)


@hookimpl
async def on_member_invited(event: MemberInvited) -> None:
    """Mail the invitation with its accept link."""
    await handlers.member_invited(_runtime(), event)


@hookimpl
async def on_password_reset_requested(event: PasswordResetRequested) -> None:
    """Mail the password reset link."""
    await handlers.password_reset_requested(_runtime(), event)
