"""ORM rows -> project API shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth.presenters import user_basic
from core.projects import schemas as s

if TYPE_CHECKING:
    import decimal

    from core.db import models as m
    from core.projects.services import MemberRow, ProjectRow

__all__ = ("config", "member", "project")


def _number(value: decimal.Decimal | None) -> float | None:
    """Money and hours as JSON numbers (contract X9), never decimal strings."""
    return None if value is None else float(value)


def project(row: ProjectRow) -> s.Project:
    """The full project shape; ``due_date`` repeats ``end_date`` (the web client reads either)."""
    p = row.project
    ws = row.workspace
    return s.Project(
        id=p.id,
        name=p.name,
        slug=p.slug,
        key=p.key,
        description=p.description,
        methodology=p.methodology,
        status=p.status,
        priority=p.priority,
        is_active=p.is_active,
        start_date=p.start_date,
        end_date=p.end_date,
        due_date=p.end_date,
        estimated_hours=_number(p.estimated_hours),
        budget=_number(p.budget),
        progress=row.progress,
        cover_image_url=p.cover_image_url,
        team_member_count=row.team_member_count,
        lead=user_basic(row.lead) if row.lead else None,
        created_by=user_basic(row.created_by) if row.created_by else None,
        project_settings=dict(p.project_settings or {}),
        workspace=ws.id,
        workspace_details=s.WorkspaceDetails(
            id=ws.id,
            name=ws.name,
            slug=ws.slug,
            workspace_type=ws.workspace_type,
            visibility=ws.visibility,
            organization=ws.organization_id,
        ),
        current_user_role=row.role,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


def member(row: MemberRow) -> s.ProjectMember:
    """A project member."""
    return s.ProjectMember(
        id=row.member.id,
        project=row.member.project_id,
        user=user_basic(row.user),
        role=row.member.role,
        is_active=row.member.is_active,
        joined_at=row.member.joined_at,
    )


def config(row: m.ProjectConfig) -> s.ProjectConfig:
    """A project's configuration."""
    return s.ProjectConfig(
        project=row.project_id,
        sprint_duration=row.sprint_duration,
        auto_close_sprints=row.auto_close_sprints,
        estimation_type=row.estimation_type,
        story_point_scale=row.story_point_scale,
        enable_time_tracking=row.enable_time_tracking,
        require_time_logging=row.require_time_logging,
        enable_sub_tasks=row.enable_sub_tasks,
        email_notifications=row.email_notifications,
        slack_notifications=row.slack_notifications,
        slack_webhook_url=row.slack_webhook_url,
        restrict_issue_visibility=row.restrict_issue_visibility,
        require_approval_for_changes=row.require_approval_for_changes,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
