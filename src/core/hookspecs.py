"""Every hook a plugin may implement. Plugins import :data:`hookimpl` from here.

Two kinds of hooks:

* **Contribution hooks** (``register_*``) are called once while the app is built; they return objects the
  app factory folds into the application. Nothing else reaches into a plugin.
* **Lifecycle hooks** (``on_*``) are called after a change is committed, with one typed event from
  :mod:`core.events`. Their return value is ignored. An implementation may be ``async def``: the dispatcher
  awaits it. A handler that raises is logged with the plugin's name and breaks neither the other handlers nor
  the request. Slow work (email, embeddings, GitHub calls) belongs in a background job, not inline.

pluggy calls with keyword arguments, so an implementation may accept a subset of a hook's parameters.
New parameters may be added to a spec; existing ones are never renamed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Awaitable, Mapping, Sequence

    import click
    from litestar import Litestar
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from core.events import (
        CommentAdded,
        IssueAssigned,
        IssueCreated,
        IssueDeleted,
        IssueTransitioned,
        IssueUpdated,
        MemberInvited,
        OrganizationCreated,
        PasswordResetRequested,
        ProjectCreated,
        SprintCompleted,
        SprintStarted,
        UserRegistered,
    )

__all__ = ("PROJECT_NAME", "hookimpl", "hookspec")

PROJECT_NAME = "scrum"
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --- contribution hooks -------------------------------------------------------------------------------------


@hookspec
def register_routes() -> Sequence[ControllerRouterHandler]:
    """Route handlers, controllers or routers the plugin serves.

    Called once while the app is built. Paths are absolute (``/api/v1/...``). When the plugin is disabled the
    routes do not exist and answer 404.

    :return: a sequence of Litestar route handlers, controllers or routers.
    """


@hookspec
def register_jobs() -> Sequence[Any]:
    """Background job functions and cron jobs the plugin runs.

    Each item is ``(name, function)`` for a job, or a ``saq.CronJob`` for a scheduled one. Names are namespaced
    ``"<plugin>:<verb_noun>"`` (SAQ would otherwise key them by ``__qualname__`` and collide across plugins).
    A job is ``async def verb_noun(ctx, **kwargs)`` and must be idempotent: it may run more than once.

    :return: a sequence of ``(name, function)`` tuples and ``CronJob`` objects.
    """


@hookspec
def register_dependencies() -> Mapping[str, Provide]:
    """Extra dependencies to make available to every route handler.

    Called once while the app is built. Keys must be unique across plugins; name them after the plugin.

    :return: a mapping of dependency name to :class:`litestar.di.Provide`.
    """


@hookspec
def register_openapi_tags() -> Sequence[Mapping[str, str]]:
    """OpenAPI tags the plugin's routes use, each ``{"name": ..., "description": ...}``.

    :return: a sequence of tag mappings.
    """


@hookspec
def register_cli_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``scrum``/``litestar`` command line.

    :param cli: the root click group; call ``cli.add_command(...)``.
    """


@hookspec
def on_startup(app: Litestar) -> Awaitable[None] | None:
    """The application is starting (after the database is reachable). Open clients here.

    :param app: the Litestar application.
    """


@hookspec
def on_shutdown(app: Litestar) -> Awaitable[None] | None:
    """The application is stopping. Close what ``on_startup`` opened.

    :param app: the Litestar application.
    """


# --- lifecycle hooks ----------------------------------------------------------------------------------------


@hookspec
def on_user_registered(event: UserRegistered) -> Awaitable[None] | None:
    """A user registered. Fired after commit.

    :param event: the new user's id, email and username.
    """


@hookspec
def on_password_reset_requested(event: PasswordResetRequested) -> Awaitable[None] | None:
    """A password reset was requested for an active account. Fired after commit.

    The notifications plugin mails ``event.reset_url`` to ``event.email``. Never log the token in production.

    :param event: the user, the raw single-use token, the link and its expiry.
    """


@hookspec
def on_tenant_created(event: OrganizationCreated) -> Awaitable[None] | None:
    """An organization was created (its creator is the owner). Fired after commit.

    :param event: the organization's id and name, and the owner's user id.
    """


@hookspec
def on_member_invited(event: MemberInvited) -> Awaitable[None] | None:
    """Someone was invited to an organization (or an invitation was re-sent). Fired after commit.

    The notifications plugin mails ``event.accept_url`` to ``event.email``.

    :param event: the invitation, its organization, role, token, link and expiry.
    """


@hookspec
def on_project_created(event: ProjectCreated) -> Awaitable[None] | None:
    """A project was created together with its default issue types, workflow and configuration. Fired after commit.

    :param event: the project's id, key and name, and its workspace and organization.
    """


@hookspec
def on_issue_created(event: IssueCreated) -> Awaitable[None] | None:
    """An issue was created. Fired after commit.

    :param event: the issue's id and key, project/workspace/organization, title, reporter, assignee, status.
    """


@hookspec
def on_issue_updated(event: IssueUpdated) -> Awaitable[None] | None:
    """Fields of an issue changed (status and assignee changes have their own hooks too). Fired after commit.

    :param event: the issue and ``changes`` (field -> old/new).
    """


@hookspec
def on_issue_transitioned(event: IssueTransitioned) -> Awaitable[None] | None:
    """An issue moved to another workflow status. Fired after commit.

    :param event: the issue, the statuses it moved between, and whether the new one is final.
    """


@hookspec
def on_issue_assigned(event: IssueAssigned) -> Awaitable[None] | None:
    """An issue's assignee changed. Fired after commit.

    :param event: the issue, the previous and the new assignee (None = unassigned).
    """


@hookspec
def on_issue_deleted(event: IssueDeleted) -> Awaitable[None] | None:
    """An issue was deleted. Fired after commit.

    :param event: the issue's id and key and where it lived.
    """


@hookspec
def on_comment_added(event: CommentAdded) -> Awaitable[None] | None:
    """A comment was added to an issue. Fired after commit.

    :param event: the issue, the comment's id, author and text (for @mentions).
    """


@hookspec
def on_sprint_started(event: SprintStarted) -> Awaitable[None] | None:
    """A sprint started. Fired after commit.

    :param event: the sprint, its project/workspace/organization, dates, committed points and issue count.
    """


@hookspec
def on_sprint_completed(event: SprintCompleted) -> Awaitable[None] | None:
    """A sprint was completed. Fired after commit.

    :param event: the sprint, completed and committed points, and where unfinished issues went.
    """


def spec_names() -> list[str]:
    """Names of every hookspec in this module, in definition order."""
    return [name for name, value in globals().items() if _is_spec(value)]


def _is_spec(value: Any) -> bool:
    return callable(value) and hasattr(value, f"{PROJECT_NAME}_spec")
