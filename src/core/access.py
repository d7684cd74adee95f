"""The one access policy: who may see and change what, across organization -> workspace -> project.

Rules:

* Nothing is visible outside an organization you are an active member of (the tenant boundary).
* Organization owners and admins manage everything in their organization.
* Workspace admins manage their workspace and its projects; managers and members work in every project of it;
  viewers and guests read.
* Project members have their project role: ``admin`` manages, ``member`` works, ``viewer`` reads. The lead
  manages.
* A ``public`` workspace and its projects are readable by every member of its organization.

A resource the caller may not see is a 404 (existence does not leak). A visible one they may not change is
also a 404, with a message saying why (the web client logs out on 401/403, contract X2). Every list filters
with the same rules in SQL, so lists and counts only ever contain what the caller may see.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select

from core.db import models as m
from core.http.errors import NotFound

if TYPE_CHECKING:
    import uuid

    from sqlalchemy import ColumnElement, Select
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ("ORG_ADMIN_ROLES", "AccessPolicy", "Level", "project_level", "workspace_level")

ORG_ADMIN_ROLES = ("owner", "admin")


class Level(enum.IntEnum):
    """What the caller may do with a resource. Each level includes the ones below it."""

    NONE = 0
    READ = 1
    WRITE = 2
    MANAGE = 3


_DENIED = {
    Level.WRITE: "You do not have permission to change this {what}.",
    Level.MANAGE: "Only admins of this {what} can do this.",
}


def workspace_level(org_role: str | None, ws_role: str | None, visibility: str) -> Level:
    """The caller's level on a workspace from their organization role, workspace role and its visibility."""
    if org_role is None:
        return Level.NONE
    if org_role in ORG_ADMIN_ROLES or ws_role == "admin":
        return Level.MANAGE
    if ws_role in ("manager", "member"):
        return Level.WRITE
    if ws_role is not None or visibility == "public":
        return Level.READ
    return Level.NONE


def project_level(
    org_role: str | None, ws_role: str | None, visibility: str, project_role: str | None, is_lead: bool
) -> Level:
    """The caller's level on a project (see the module's rules)."""
    if org_role is None:
        return Level.NONE
    level = workspace_level(org_role, ws_role, visibility)
    if is_lead or project_role == "admin":
        return Level.MANAGE
    if project_role == "member":
        return max(level, Level.WRITE)
    if project_role == "viewer":
        return max(level, Level.READ)
    return level


def _require(level: Level, need: Level, what: str) -> None:
    if level == Level.NONE:
        raise NotFound
    if level < need:
        raise NotFound(_DENIED[need].format(what=what))


class AccessPolicy:
    """The access rules for one signed-in user, as checks (one query each) and as SQL filters for lists."""

    def __init__(self, session: AsyncSession, user: m.User) -> None:
        self.session = session
        self.user = user

    # --- SQL building blocks --------------------------------------------------------------------------------

    def org_ids(self) -> Select[Any]:
        """Ids of the active organizations the user is an active member of."""
        return (
            select(m.OrgMember.organization_id)
            .join(m.Organization, m.Organization.id == m.OrgMember.organization_id)
            .where(
                m.OrgMember.user_id == self.user.id, m.OrgMember.is_active.is_(True), m.Organization.is_active.is_(True)
            )
        )

    def admin_org_ids(self) -> Select[Any]:
        """Ids of the organizations the user owns or administers."""
        return self.org_ids().where(m.OrgMember.role.in_(ORG_ADMIN_ROLES))

    def member_workspace_ids(self) -> Select[Any]:
        """Ids of the workspaces the user is an active member of."""
        return select(m.WorkspaceMember.workspace_id).where(
            m.WorkspaceMember.user_id == self.user.id, m.WorkspaceMember.is_active.is_(True)
        )

    def workspace_visible(self) -> ColumnElement[bool]:
        """A filter on :class:`m.Workspace` rows the user may see."""
        return and_(
            m.Workspace.is_active.is_(True),
            m.Workspace.organization_id.in_(self.org_ids()),
            or_(
                m.Workspace.id.in_(self.member_workspace_ids()),
                m.Workspace.organization_id.in_(self.admin_org_ids()),
                m.Workspace.visibility == "public",
            ),
        )

    def visible_workspace_ids(self) -> Select[Any]:
        """Ids of the workspaces the user may see."""
        return select(m.Workspace.id).where(self.workspace_visible())

    def project_visible(self) -> ColumnElement[bool]:
        """A filter on :class:`m.Project` rows the user may see."""
        member_of = select(m.ProjectMember.project_id).where(
            m.ProjectMember.user_id == self.user.id, m.ProjectMember.is_active.is_(True)
        )
        active_in_my_orgs = select(m.Workspace.id).where(
            m.Workspace.is_active.is_(True), m.Workspace.organization_id.in_(self.org_ids())
        )
        return and_(
            m.Project.is_active.is_(True),
            or_(
                m.Project.workspace_id.in_(self.visible_workspace_ids()),
                and_(
                    or_(m.Project.id.in_(member_of), m.Project.lead_id == self.user.id),
                    m.Project.workspace_id.in_(active_in_my_orgs),
                ),
            ),
        )

    def visible_project_ids(self) -> Select[Any]:
        """Ids of the projects the user may see."""
        return select(m.Project.id).where(self.project_visible())

    # --- checks ---------------------------------------------------------------------------------------------

    async def org_role(self, org_id: uuid.UUID) -> str | None:
        """The user's active role in an organization, or None."""
        role: str | None = await self.session.scalar(
            select(m.OrgMember.role).where(
                m.OrgMember.organization_id == org_id,
                m.OrgMember.user_id == self.user.id,
                m.OrgMember.is_active.is_(True),
            )
        )
        return role

    async def organization(self, org_id: uuid.UUID, *, admin: bool = False) -> tuple[m.Organization, str]:
        """An active organization the user belongs to, and their role.

        Args:
            org_id: the organization.
            admin: require owner or admin.

        Raises:
            NotFound: not a member, no such organization, or not an admin when ``admin`` is set.
        """
        row = (
            await self.session.execute(
                select(m.Organization, m.OrgMember.role)
                .join(m.OrgMember, m.OrgMember.organization_id == m.Organization.id)
                .where(
                    m.Organization.id == org_id,
                    m.Organization.is_active.is_(True),
                    m.OrgMember.user_id == self.user.id,
                    m.OrgMember.is_active.is_(True),
                )
            )
        ).first()
        if row is None:
            raise NotFound
        org, role = row
        if admin and role not in ORG_ADMIN_ROLES:
            raise NotFound(_DENIED[Level.MANAGE].format(what="organization"))
        return org, role

    async def workspace(self, workspace_id: uuid.UUID, need: Level = Level.READ) -> tuple[m.Workspace, Level]:
        """A workspace the user may see, their level on it; 404 when below ``need``."""
        om = m.OrgMember
        wm = m.WorkspaceMember
        row = (
            await self.session.execute(
                select(m.Workspace, om.role, wm.role)
                .join(m.Organization, m.Organization.id == m.Workspace.organization_id)
                .outerjoin(
                    om,
                    and_(
                        om.organization_id == m.Workspace.organization_id,
                        om.user_id == self.user.id,
                        om.is_active.is_(True),
                    ),
                )
                .outerjoin(
                    wm, and_(wm.workspace_id == m.Workspace.id, wm.user_id == self.user.id, wm.is_active.is_(True))
                )
                .where(
                    m.Workspace.id == workspace_id,
                    m.Workspace.is_active.is_(True),
                    m.Organization.is_active.is_(True),
                )
            )
        ).first()
        if row is None:
            raise NotFound
        workspace, org_role, ws_role = row
        level = workspace_level(org_role, ws_role, workspace.visibility)
        _require(level, need, "workspace")
        return workspace, level

    async def project(self, project_id: uuid.UUID, need: Level = Level.READ) -> tuple[m.Project, Level]:
        """A project the user may see, their level on it; 404 when below ``need``."""
        om, wm, pm = m.OrgMember, m.WorkspaceMember, m.ProjectMember
        row = (
            await self.session.execute(
                select(m.Project, m.Workspace.visibility, om.role, wm.role, pm.role)
                .join(m.Workspace, m.Workspace.id == m.Project.workspace_id)
                .join(
                    m.Organization,
                    (m.Organization.id == m.Workspace.organization_id) & m.Organization.is_active.is_(True),
                )
                .outerjoin(
                    om,
                    and_(
                        om.organization_id == m.Workspace.organization_id,
                        om.user_id == self.user.id,
                        om.is_active.is_(True),
                    ),
                )
                .outerjoin(
                    wm, and_(wm.workspace_id == m.Workspace.id, wm.user_id == self.user.id, wm.is_active.is_(True))
                )
                .outerjoin(pm, and_(pm.project_id == m.Project.id, pm.user_id == self.user.id, pm.is_active.is_(True)))
                .where(m.Project.id == project_id, m.Project.is_active.is_(True), m.Workspace.is_active.is_(True))
            )
        ).first()
        if row is None:
            raise NotFound
        project, visibility, org_role, ws_role, project_role = row
        level = project_level(org_role, ws_role, visibility, project_role, project.lead_id == self.user.id)
        _require(level, need, "project")
        return project, level
