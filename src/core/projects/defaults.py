"""What every new project is created with: configuration, issue types, workflow statuses and transitions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from core.db import models as m

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = (
    "DEFAULT_CONFIG",
    "DEFAULT_ISSUE_TYPES",
    "DEFAULT_STATUSES",
    "DEFAULT_TRANSITIONS",
    "DefaultIssueType",
    "DefaultStatus",
    "create_defaults",
)


class DefaultIssueType(msgspec.Struct, frozen=True):
    """One issue type a new project gets."""

    name: str
    category: str
    icon: str
    color: str
    is_default: bool
    description: str = ""


class DefaultStatus(msgspec.Struct, frozen=True):
    """One workflow status a new project gets."""

    name: str
    category: str
    color: str
    order: int
    is_initial: bool = False
    is_final: bool = False


DEFAULT_CONFIG: dict[str, Any] = {
    "sprint_duration": 2,
    "auto_close_sprints": False,
    "estimation_type": "story_points",
    "story_point_scale": [1, 2, 3, 5, 8, 13, 21],
    "enable_time_tracking": True,
    "require_time_logging": False,
    "enable_sub_tasks": True,
    "email_notifications": True,
    "slack_notifications": False,
    "slack_webhook_url": "",
    "restrict_issue_visibility": False,
    "require_approval_for_changes": False,
}

DEFAULT_ISSUE_TYPES = (
    DefaultIssueType("Epic", "epic", "bolt", "#8B5CF6", True, "A large body of work split into stories."),
    DefaultIssueType("Story", "story", "bookmark", "#10B981", True, "A feature told from the user's side."),
    DefaultIssueType("Task", "task", "check-square", "#3B82F6", True, "A piece of work to do."),
    DefaultIssueType("Bug", "bug", "bug", "#EF4444", True, "Something that does not work as it should."),
    DefaultIssueType("Improvement", "improvement", "trending-up", "#F59E0B", False, "A better way to do a thing."),
    DefaultIssueType("Sub-task", "sub_task", "list", "#6B7280", False, "A smaller step of another issue."),
)

DEFAULT_STATUSES = (
    DefaultStatus("To Do", "to_do", "#6B7280", 0, is_initial=True),
    DefaultStatus("In Progress", "in_progress", "#3B82F6", 1),
    DefaultStatus("Done", "done", "#10B981", 2, is_final=True),
)

# (from, to) by status category.
DEFAULT_TRANSITIONS = (
    ("to_do", "in_progress"),
    ("in_progress", "done"),
    ("in_progress", "to_do"),
    ("done", "in_progress"),
    ("done", "to_do"),
)


async def create_defaults(session: AsyncSession, project_id: uuid.UUID) -> None:
    """Add the default configuration, issue types, statuses and transitions of a project to ``session``.

    Nothing is committed: the caller's transaction creates the project and its defaults together.
    """
    session.add(m.ProjectConfig(project_id=project_id, **DEFAULT_CONFIG))
    for kind in DEFAULT_ISSUE_TYPES:
        session.add(
            m.IssueType(
                project_id=project_id,
                name=kind.name,
                category=kind.category,
                description=kind.description,
                icon=kind.icon,
                color=kind.color,
                is_default=kind.is_default,
            )
        )
    statuses = {
        status.category: m.WorkflowStatus(
            project_id=project_id,
            name=status.name,
            category=status.category,
            color=status.color,
            order=status.order,
            is_initial=status.is_initial,
            is_final=status.is_final,
        )
        for status in DEFAULT_STATUSES
    }
    session.add_all(statuses.values())
    await session.flush()
    by_name = {status.category: status.name for status in DEFAULT_STATUSES}
    for source, target in DEFAULT_TRANSITIONS:
        session.add(
            m.WorkflowTransition(
                project_id=project_id,
                from_status_id=statuses[source].id,
                to_status_id=statuses[target].id,
                name=f"{by_name[source]} -> {by_name[target]}",
            )
        )
