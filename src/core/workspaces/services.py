"""Workspace rules: create (creator is admin), list what the caller may see, edit, soft delete, members and roles."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from core.access import Level
from core.activity import apply_changes, record_activity
from core.db import models as m
from core.http.errors import ApplicationError, FieldErrors, NotFound
from core.http.query import apply_ordering, apply_search
from core.organizations.services import unique_slug
from core.text import slugify

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Select

    from core.context import RequestCtx
    from core.http.body import Upload
    from core.http.pagination import PageParams
    from core.workspaces import schemas as s

__all__ = (
    "VISIBILITIES",
    "WORKSPACE_ROLES",
    "WORKSPACE_TYPES",
    "MemberRow",
    "WorkspaceMemberService",
    "WorkspaceRow",
    "WorkspaceService",
)

WORKSPACE_TYPES = ("development", "design", "marketing", "sales", "support", "hr", "finance", "general")
VISIBILITIES = ("public", "private", "restricted")
WORKSPACE_ROLES = ("admin", "manager", "member", "viewer", "guest")
# Organization roles that may create workspaces (a guest may not).
_CREATOR_ROLES = ("owner", "admin", "manager", "member")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_BLANK = ("", "undefined", "null", "None")

MemberRow = tuple[m.WorkspaceMember, m.User]


class WorkspaceRow(msgspec.Struct):
    """A workspace with what its API shape needs besides its columns."""

    workspace: m.Workspace
    organization: m.Organization
    creator: m.User | None
    member_count: int
    project_count: int
    role: str | None


def _choice(value: str, choices: tuple[str, ...], field: str) -> str:
    value = value.strip().lower()
    if value not in choices:
        raise FieldErrors({field: [f"{value!r} is not a valid choice. Choose from: {', '.join(choices)}."]})
    return value


def _filter_choice(value: str | None, choices: tuple[str, ...], field: str) -> str | None:
    """A choice query filter; blank, ``undefined`` and ``null`` (raw client interpolation) mean none."""
    if value is None or value.strip() in _BLANK:
        return None
    return _choice(value, choices, field)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _counts(workspace: type[m.Workspace] = m.Workspace) -> tuple[Any, Any]:
    """Active members and active projects of ``workspace``, as scalar subqueries correlated to it."""
    members = (
        select(func.count(m.WorkspaceMember.id))
        .where(m.WorkspaceMember.workspace_id == workspace.id, m.WorkspaceMember.is_active.is_(True))
        .correlate(workspace)
        .scalar_subquery()
    )
    projects = (
        select(func.count(m.Project.id))
        .where(m.Project.workspace_id == workspace.id, m.Project.is_active.is_(True))
        .correlate(workspace)
        .scalar_subquery()
    )
    return members, projects


def _name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise FieldErrors({"name": ["This field may not be blank."]})
    return name


def _valid_slug(raw: str) -> str:
    slug = raw.strip().lower()
    if not _SLUG.match(slug):
        raise FieldErrors({"slug": ["Use lowercase letters, digits and single hyphens."]})
    return slug


class WorkspaceService:
    """Workspaces as the signed-in user sees them."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    def _rows(self) -> Select[Any]:
        members, projects = _counts()
        my_role = aliased(m.WorkspaceMember)
        return (
            select(m.Workspace, m.Organization, m.User, members, projects, my_role.role)
            .join(m.Organization, m.Organization.id == m.Workspace.organization_id)
            .outerjoin(m.User, m.User.id == m.Workspace.created_by_id)
            .outerjoin(
                my_role,
                (my_role.workspace_id == m.Workspace.id)
                & (my_role.user_id == self.ctx.user.id)
                & my_role.is_active.is_(True),
            )
            .where(self._visible())
        )

    def _visible(self) -> ColumnElement[bool]:
        # The policy's filter does not look at the organization row itself: a deleted organization's
        # workspaces stay hidden here as they are for ``policy.workspace()``.
        return self.ctx.policy.workspace_visible() & m.Workspace.organization_id.in_(
            select(m.Organization.id).where(m.Organization.is_active.is_(True))
        )

    @staticmethod
    def _row(result: Any) -> WorkspaceRow:
        workspace, org, creator, members, projects, role = result
        return WorkspaceRow(workspace, org, creator, members or 0, projects or 0, role)

    async def list(
        self,
        params: PageParams,
        *,
        organization: uuid.UUID | None,
        search: str | None,
        workspace_type: str | None,
        visibility: str | None,
        ordering: str | None,
    ) -> tuple[int, list[WorkspaceRow]]:
        """The workspaces the caller may see (one page) and how many there are, in two queries."""
        conditions: list[ColumnElement[bool]] = [self._visible()]
        if organization is not None:
            conditions.append(m.Workspace.organization_id == organization)
        if (kind := _filter_choice(workspace_type, WORKSPACE_TYPES, "workspace_type")) is not None:
            conditions.append(m.Workspace.workspace_type == kind)
        if (seen_by := _filter_choice(visibility, VISIBILITIES, "visibility")) is not None:
            conditions.append(m.Workspace.visibility == seen_by)
        columns = [m.Workspace.name, m.Workspace.slug, m.Workspace.description]
        count_stmt = apply_search(select(func.count(m.Workspace.id)).where(*conditions), search, columns)
        count = await self.ctx.session.scalar(count_stmt)
        members, projects = _counts()
        stmt = apply_search(self._rows().where(*conditions[1:]), search, columns)
        stmt = apply_ordering(
            stmt,
            ordering,
            {
                "name": m.Workspace.name,
                "slug": m.Workspace.slug,
                "workspace_type": m.Workspace.workspace_type,
                "visibility": m.Workspace.visibility,
                "created_at": m.Workspace.created_at,
                "updated_at": m.Workspace.updated_at,
                "member_count": members,
                "project_count": projects,
            },
            default=[m.Workspace.created_at.desc()],
            tiebreaker=m.Workspace.id,
        )
        rows = (await self.ctx.session.execute(stmt.offset(params.offset).limit(params.limit))).all()
        return count or 0, [self._row(row) for row in rows]

    async def get(self, workspace_id: uuid.UUID) -> WorkspaceRow:
        """One workspace the caller may see; others are a 404."""
        row = (await self.ctx.session.execute(self._rows().where(m.Workspace.id == workspace_id))).first()
        if row is None:
            raise NotFound
        return self._row(row)

    async def create(self, data: s.WorkspaceCreate, cover: Upload | None) -> WorkspaceRow:
        """Create a workspace in one of the caller's organizations (not as a guest); the caller becomes its admin."""
        try:
            org, org_role = await self.ctx.policy.organization(data.organization)
        except NotFound:
            raise NotFound("You are not a member of this organization.") from None
        if org_role not in _CREATOR_ROLES:
            raise NotFound("Guests cannot create workspaces in this organization.")
        name = _name(data.name)
        workspace_type = _choice(data.workspace_type, WORKSPACE_TYPES, "workspace_type")
        visibility = _choice(data.visibility, VISIBILITIES, "visibility")
        slug = await self._slug(org.id, data.slug, name)
        workspace = m.Workspace(
            organization_id=org.id,
            name=name,
            slug=slug,
            description=data.description,
            workspace_type=workspace_type,
            visibility=visibility,
            workspace_settings=data.workspace_settings,
            is_active=True,
            created_by_id=self.ctx.user.id,
        )
        if cover is not None:
            workspace.cover_image_url = self.ctx.storage.save_image(cover, "covers", "cover_image")
        self.ctx.session.add(workspace)
        await self.ctx.session.flush()
        self.ctx.session.add(m.WorkspaceMember(workspace_id=workspace.id, user_id=self.ctx.user.id, role="admin"))
        self._log(workspace, "created")
        await self.ctx.commit()
        return await self.get(workspace.id)

    async def _slug(self, org_id: uuid.UUID, raw: str, name: str, current: m.Workspace | None = None) -> str:
        """A valid slug free in the organization: ``raw`` checked, or one derived from ``name`` when blank."""
        in_org = m.Workspace.organization_id == org_id
        if raw.strip():
            slug = _valid_slug(raw)
            clash = select(m.Workspace.id).where(in_org, m.Workspace.slug == slug)
            if current is not None:
                clash = clash.where(m.Workspace.id != current.id)
            if await self.ctx.session.scalar(clash):
                raise FieldErrors({"slug": ["A workspace with this slug already exists in this organization."]})
            return slug
        if current is not None:
            return current.slug
        base = slugify(name) or "workspace"
        return await unique_slug(
            self.ctx, base, select(m.Workspace.slug).where(in_org, m.Workspace.slug.like(f"{base}%"))
        )

    async def update(self, workspace_id: uuid.UUID, data: s.WorkspaceUpdate, cover: Upload | None) -> WorkspaceRow:
        """Edit a workspace (workspace admins, organization owners and admins)."""
        workspace, _ = await self.ctx.policy.workspace(workspace_id, need=Level.MANAGE)
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if values.get("description", ...) is None:
            values["description"] = ""
        if values.get("workspace_settings", ...) is None:
            values["workspace_settings"] = {}
        if "name" in values:
            values["name"] = _name(values["name"])
        if "workspace_type" in values:
            values["workspace_type"] = _choice(values["workspace_type"], WORKSPACE_TYPES, "workspace_type")
        if "visibility" in values:
            values["visibility"] = _choice(values["visibility"], VISIBILITIES, "visibility")
        if "slug" in values:
            values["slug"] = await self._slug(workspace.organization_id, values["slug"], "", current=workspace)
        # Deactivating is deleting: it goes through delete() and its confirmation.
        values.pop("is_active", None)
        if cover is not None:
            values["cover_image_url"] = self.ctx.storage.save_image(cover, "covers", "cover_image")
        changes = apply_changes(workspace, values)
        if changes:
            self._log(workspace, "updated", changes)
        await self.ctx.commit()
        return await self.get(workspace.id)

    async def upload_cover(self, workspace_id: uuid.UUID, cover: Upload | None) -> str:
        """Replace the cover image (workspace admins, organization owners and admins); return its URL."""
        if cover is None:
            raise FieldErrors({"cover_image": ["No file was submitted."]})
        row = await self.update(workspace_id, _empty_update(), cover)
        return row.workspace.cover_image_url or ""

    async def delete(self, workspace_id: uuid.UUID, confirm: bool) -> None:
        """Soft-delete a workspace. One still holding active projects needs ``confirm``."""
        workspace, _ = await self.ctx.policy.workspace(workspace_id, need=Level.MANAGE)
        projects = (
            await self.ctx.session.scalar(
                select(func.count(m.Project.id)).where(
                    m.Project.workspace_id == workspace.id, m.Project.is_active.is_(True)
                )
            )
        ) or 0
        if projects and not confirm:
            msg = (
                f"This workspace still holds {projects} project(s). "
                "Repeat the request with ?confirm=true to delete it with everything in it."
            )
            raise FieldErrors({"confirm": [msg]})
        workspace.is_active = False
        self._log(workspace, "deleted", {"projects": projects})
        await self.ctx.commit()

    def _log(self, workspace: m.Workspace, action: str, changes: dict[str, Any] | None = None) -> None:
        record_activity(
            self.ctx.session,
            actor=self.ctx.user,
            action=action,
            object_type="workspace",
            object_id=workspace.id,
            object_repr=workspace.name,
            object_url=f"/workspaces/{workspace.id}",
            changes=changes,
            organization_id=workspace.organization_id,
            workspace_id=workspace.id,
            ip_address=self.ctx.ip,
        )


def _empty_update() -> s.WorkspaceUpdate:
    from core.workspaces.schemas import WorkspaceUpdate

    return WorkspaceUpdate()


class WorkspaceMemberService:
    """Workspace members: listing, adding organization members, role changes and removal (never the last admin)."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    async def list(
        self,
        workspace_id: uuid.UUID | None,
        params: PageParams,
        *,
        search: str | None,
        role: str | None,
        ordering: str | None,
    ) -> tuple[int, list[MemberRow]]:
        """Active members of a workspace the caller may see; without one, of every workspace they may see."""
        if workspace_id is not None:
            await self.ctx.policy.workspace(workspace_id)
            scope = m.WorkspaceMember.workspace_id == workspace_id
        else:
            scope = m.WorkspaceMember.workspace_id.in_(self.ctx.policy.visible_workspace_ids())
        stmt = (
            select(m.WorkspaceMember, m.User)
            .join(m.User, m.User.id == m.WorkspaceMember.user_id)
            .where(scope, m.WorkspaceMember.is_active.is_(True))
        )
        if (wanted := _filter_choice(role, WORKSPACE_ROLES, "role")) is not None:
            stmt = stmt.where(m.WorkspaceMember.role == wanted)
        stmt = apply_search(stmt, search, [m.User.username, m.User.email, m.User.first_name, m.User.last_name])
        count = await self.ctx.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        stmt = apply_ordering(
            stmt,
            ordering,
            {
                "joined_at": m.WorkspaceMember.joined_at,
                "role": m.WorkspaceMember.role,
                "email": m.User.email,
                "username": m.User.username,
                "first_name": m.User.first_name,
                "last_name": m.User.last_name,
            },
            default=[m.WorkspaceMember.joined_at.asc()],
            tiebreaker=m.WorkspaceMember.id,
        )
        rows = (await self.ctx.session.execute(stmt.offset(params.offset).limit(params.limit))).all()
        return count or 0, [(row[0], row[1]) for row in rows]

    async def _row(self, member_id: uuid.UUID) -> MemberRow:
        row = (
            await self.ctx.session.execute(
                select(m.WorkspaceMember, m.User)
                .join(m.User, m.User.id == m.WorkspaceMember.user_id)
                .where(m.WorkspaceMember.id == member_id)
            )
        ).first()
        if row is None:
            raise NotFound
        return row[0], row[1]

    async def get(self, member_id: uuid.UUID) -> MemberRow:
        """One membership of a workspace the caller may see."""
        member, user = await self._row(member_id)
        await self.ctx.policy.workspace(member.workspace_id)
        return member, user

    async def _manageable(self, member_id: uuid.UUID) -> tuple[m.WorkspaceMember, m.Workspace]:
        member = await self.ctx.session.get(m.WorkspaceMember, member_id)
        if member is None or not member.is_active:
            raise NotFound
        workspace, _ = await self.ctx.policy.workspace(member.workspace_id, need=Level.MANAGE)
        return member, workspace

    async def _other_admins(self, member: m.WorkspaceMember) -> int:
        return (
            await self.ctx.session.scalar(
                select(func.count(m.WorkspaceMember.id)).where(
                    m.WorkspaceMember.workspace_id == member.workspace_id,
                    m.WorkspaceMember.role == "admin",
                    m.WorkspaceMember.is_active.is_(True),
                    m.WorkspaceMember.id != member.id,
                )
            )
        ) or 0

    async def _target_user(self, ref: str | int, org_id: uuid.UUID) -> m.User:
        """The user ``ref`` names (integer id, as a number or a string, or ``user_uuid``), an active org member."""
        stmt = select(m.User).join(m.OrgMember, m.OrgMember.user_id == m.User.id)
        text = str(ref).strip()
        if isinstance(ref, int) or (text.isascii() and text.isdigit()):
            stmt = stmt.where(m.User.id == int(text))
        else:
            try:
                stmt = stmt.where(m.User.user_uuid == uuid.UUID(text))
            except ValueError:
                raise FieldErrors({"user_id": ["Give the user's integer id or their user_uuid."]}) from None
        user: m.User | None = await self.ctx.session.scalar(
            stmt.where(
                m.User.is_active.is_(True),
                m.OrgMember.organization_id == org_id,
                m.OrgMember.is_active.is_(True),
            )
        )
        if user is None:
            msg = "This user is not an active member of the workspace's organization. Invite them to it first."
            raise FieldErrors({"user_id": [msg]})
        return user

    async def add(self, data: s.WorkspaceMemberCreate) -> MemberRow:
        """Add an organization member to a workspace (a former member is reactivated)."""
        role = _choice(data.role, WORKSPACE_ROLES, "role")
        workspace, _ = await self.ctx.policy.workspace(data.workspace, need=Level.MANAGE)
        user = await self._target_user(data.user_id, workspace.organization_id)
        member = await self.ctx.session.scalar(
            select(m.WorkspaceMember).where(
                m.WorkspaceMember.workspace_id == workspace.id, m.WorkspaceMember.user_id == user.id
            )
        )
        if member is not None and member.is_active:
            raise FieldErrors({"user_id": ["This user is already a member of this workspace."]})
        if member is None:
            member = m.WorkspaceMember(workspace_id=workspace.id, user_id=user.id, role=role)
            self.ctx.session.add(member)
            await self.ctx.session.flush()
            changes: dict[str, Any] = {"role": {"old": None, "new": role}}
        else:
            changes = {"role": {"old": member.role, "new": role}, "is_active": {"old": False, "new": True}}
            member.role, member.is_active, member.joined_at = role, True, _now()
        self._log(member, workspace, "created", user, changes)
        await self.ctx.commit()
        return await self._row(member.id)

    async def change_role(self, member_id: uuid.UUID, role: str) -> MemberRow:
        """Change a member's role (workspace admins, organization owners and admins); the last admin stays admin."""
        role = _choice(role, WORKSPACE_ROLES, "role")
        member, workspace = await self._manageable(member_id)
        if member.role == "admin" and role != "admin" and not await self._other_admins(member):
            raise FieldErrors({"role": ["A workspace must keep at least one admin."]})
        if member.role != role:
            self._log(member, workspace, "updated", None, {"role": {"old": member.role, "new": role}})
            member.role = role
        await self.ctx.commit()
        return await self._row(member.id)

    async def update(self, member_id: uuid.UUID, data: s.WorkspaceMemberUpdate) -> MemberRow:
        """Edit a membership; only its role can change."""
        if data.role is msgspec.UNSET:
            await self._manageable(member_id)
            return await self._row(member_id)
        return await self.change_role(member_id, data.role)

    async def remove(self, member_id: uuid.UUID) -> None:
        """Remove a member (or leave) and end their memberships of the workspace's projects; never the last admin."""
        member = await self.ctx.session.get(m.WorkspaceMember, member_id)
        if member is None or not member.is_active:
            raise NotFound
        leaving = member.user_id == self.ctx.user.id
        workspace, _ = await self.ctx.policy.workspace(
            member.workspace_id, need=Level.READ if leaving else Level.MANAGE
        )
        if member.role == "admin" and not await self._other_admins(member):
            msg = "The last admin of a workspace cannot be removed. Make another member admin first."
            raise ApplicationError(msg)
        member.is_active = False
        project_ids = select(m.Project.id).where(m.Project.workspace_id == workspace.id)
        await self.ctx.session.execute(
            update(m.ProjectMember)
            .where(m.ProjectMember.user_id == member.user_id, m.ProjectMember.project_id.in_(project_ids))
            .values(is_active=False)
        )
        self._log(member, workspace, "deleted")
        await self.ctx.commit()

    def _log(
        self,
        member: m.WorkspaceMember,
        workspace: m.Workspace,
        action: str,
        user: m.User | None = None,
        changes: dict[str, Any] | None = None,
    ) -> None:
        who = user.username if user is not None else f"user {member.user_id}"
        record_activity(
            self.ctx.session,
            actor=self.ctx.user,
            action=action,
            object_type="member",
            object_id=member.id,
            object_repr=f"{who} in workspace {workspace.name}",
            object_url=f"/workspaces/{workspace.id}/members",
            changes=changes,
            organization_id=workspace.organization_id,
            workspace_id=workspace.id,
            ip_address=self.ctx.ip,
        )
