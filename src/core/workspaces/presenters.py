"""ORM rows -> workspace API shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth.presenters import user_basic, user_detail
from core.organizations.presenters import organization_details
from core.workspaces import schemas as s

if TYPE_CHECKING:
    from core.db import models as m
    from core.workspaces.services import WorkspaceRow

__all__ = ("member", "workspace")


def workspace(row: WorkspaceRow) -> s.Workspace:
    """The full workspace shape."""
    ws = row.workspace
    return s.Workspace(
        id=ws.id,
        name=ws.name,
        slug=ws.slug,
        description=ws.description,
        workspace_type=ws.workspace_type,
        visibility=ws.visibility,
        cover_image_url=ws.cover_image_url,
        is_active=ws.is_active,
        member_count=row.member_count,
        project_count=row.project_count,
        created_at=ws.created_at,
        updated_at=ws.updated_at,
        organization=ws.organization_id,
        organization_details=organization_details(row.organization),
        created_by=user_basic(row.creator) if row.creator else None,
        workspace_settings=dict(ws.workspace_settings or {}),
        current_user_role=row.role,
    )


def member(row: m.WorkspaceMember, user: m.User) -> s.WorkspaceMember:
    """A workspace member with the full user shape."""
    return s.WorkspaceMember(
        id=row.id,
        workspace=row.workspace_id,
        user=user_detail(user),
        role=row.role,
        is_active=row.is_active,
        joined_at=row.joined_at,
        updated_at=row.updated_at,
    )
