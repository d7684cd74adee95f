"""ORM rows -> organization API shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.auth.presenters import user_basic
from core.organizations import schemas as s
from core.organizations.invitations import acceptance_url, effective_status

if TYPE_CHECKING:
    from core.db import models as m
    from core.organizations.invitations import InvitationRow
    from core.organizations.services import OrganizationRow
    from core.settings import Settings

__all__ = ("invitation", "member", "organization", "organization_details")


def organization(row: OrganizationRow) -> s.Organization:
    """The full organization shape."""
    org = row.org
    return s.Organization(
        id=org.id,
        name=org.name,
        slug=org.slug,
        description=org.description,
        logo_url=org.logo_url,
        website_url=org.website_url,
        organization_type=org.organization_type,
        subscription_plan=org.subscription_plan,
        organization_settings=dict(org.organization_settings or {}),
        is_active=org.is_active,
        owner=user_basic(row.owner) if row.owner else None,
        member_count=row.member_count,
        workspace_count=row.workspace_count,
        project_count=row.project_count,
        current_user_role=row.role,
        team_members_change_pct=row.team_members_change_pct,
        total_workspaces_change_pct=row.total_workspaces_change_pct,
        active_projects_change_pct=row.active_projects_change_pct,
        organizations_change_pct=row.organizations_change_pct,
        created_at=org.created_at,
        updated_at=org.updated_at,
    )


def organization_details(org: m.Organization) -> s.OrganizationDetails:
    """The short shape nested in workspaces."""
    return s.OrganizationDetails(
        id=org.id,
        name=org.name,
        slug=org.slug,
        organization_type=org.organization_type,
        logo_url=org.logo_url,
        subscription_plan=org.subscription_plan,
        is_active=org.is_active,
    )


def member(row: m.OrgMember, user: m.User, inviter: m.User | None) -> s.OrgMember:
    """An organization member."""
    return s.OrgMember(
        id=row.id,
        organization=row.organization_id,
        user=user_basic(user),
        role=row.role,
        status=row.status,
        invited_by=user_basic(inviter) if inviter else None,
        invited_at=row.invited_at,
        joined_at=row.joined_at,
        is_active=row.is_active,
    )


def invitation(row: InvitationRow, settings: Settings) -> s.Invitation:
    """An invitation."""
    inv, org, inviter = row
    status = effective_status(inv)
    return s.Invitation(
        id=inv.id,
        organization=s.InvitationOrganization(
            id=org.id, name=org.name, slug=org.slug, organization_type=org.organization_type, logo_url=org.logo_url
        ),
        email=inv.email,
        role=inv.role,
        status=status,
        token=inv.token,
        message=inv.message,
        invited_by=user_basic(inviter) if inviter else None,
        invited_at=inv.created_at,
        expires_at=inv.expires_at,
        accepted_at=inv.accepted_at,
        is_expired=status == "expired",
        acceptance_url=acceptance_url(settings, inv.token),
    )
