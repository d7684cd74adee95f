"""Organization rules: create (creator owns it), edit, soft delete with confirmation, members and their roles."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from core.access import ORG_ADMIN_ROLES
from core.activity import apply_changes, record_activity
from core.db import models as m
from core.dispatch import record_event
from core.events import OrganizationCreated
from core.http.errors import ApplicationError, FieldErrors, NotFound
from core.http.query import apply_ordering, apply_search
from core.text import slugify

if TYPE_CHECKING:
    from sqlalchemy import Select

    from core.context import RequestCtx
    from core.http.body import Upload
    from core.http.pagination import PageParams
    from core.organizations import schemas as s

__all__ = (
    "ORG_ROLES",
    "ORG_TYPES",
    "PLANS",
    "MemberService",
    "OrganizationRow",
    "OrganizationService",
    "unique_slug",
)

ORG_ROLES = ("owner", "admin", "manager", "member", "guest")
ORG_TYPES = ("startup", "corporation", "non_profit", "government", "educational", "other")
PLANS = ("free", "basic", "premium", "enterprise")
# The original API's spellings, accepted and stored as the web client's.
_TYPE_SYNONYMS = {"enterprise": "corporation", "agency": "other", "nonprofit": "non_profit", "education": "educational"}
_PLAN_SYNONYMS = {"professional": "premium"}
# Dashboard growth figures compare with this long ago.
CHANGE_WINDOW = datetime.timedelta(days=7)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class OrganizationRow(msgspec.Struct):
    """An organization with what its API shape needs besides its columns."""

    org: m.Organization
    owner: m.User | None
    member_count: int
    workspace_count: int
    project_count: int
    role: str | None
    team_members_change_pct: float = 0.0
    total_workspaces_change_pct: float = 0.0
    active_projects_change_pct: float = 0.0
    organizations_change_pct: float = 0.0


def _choice(value: str, choices: tuple[str, ...], synonyms: dict[str, str], field: str) -> str:
    value = synonyms.get(value.strip().lower(), value.strip().lower())
    if value not in choices:
        raise FieldErrors({field: [f"{value!r} is not a valid choice. Choose from: {', '.join(choices)}."]})
    return value


async def unique_slug(ctx: RequestCtx, base: str, taken: Select[Any]) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever ``taken`` (a select of slugs) does not hold yet."""
    base = base or "item"
    existing = set((await ctx.session.scalars(taken)).all())
    if base not in existing:
        return base
    n = 2
    while f"{base}-{n}" in existing:
        n += 1
    return f"{base}-{n}"


def _counts(
    organization: type[m.Organization] = m.Organization, before: datetime.datetime | None = None
) -> tuple[Any, Any, Any]:
    """Correlated counts of active members, workspaces and projects (those that existed ``before``, if given)."""
    members = select(func.count(m.OrgMember.id)).where(
        m.OrgMember.organization_id == organization.id, m.OrgMember.is_active.is_(True)
    )
    workspaces = select(func.count(m.Workspace.id)).where(
        m.Workspace.organization_id == organization.id, m.Workspace.is_active.is_(True)
    )
    projects = (
        select(func.count(m.Project.id))
        .join(m.Workspace, m.Workspace.id == m.Project.workspace_id)
        .where(
            m.Workspace.organization_id == organization.id,
            m.Workspace.is_active.is_(True),
            m.Project.is_active.is_(True),
        )
    )
    if before is not None:
        members = members.where(m.OrgMember.joined_at < before)
        workspaces = workspaces.where(m.Workspace.created_at < before)
        projects = projects.where(m.Project.created_at < before)
    return (
        members.correlate(organization).scalar_subquery(),
        workspaces.correlate(organization).scalar_subquery(),
        projects.correlate(organization).scalar_subquery(),
    )


def change_pct(now: int, before: int) -> float:
    """Growth over the comparison window in percent (100 when something appeared from nothing)."""
    if before == 0:
        return 100.0 if now else 0.0
    return round((now - before) * 100 / before, 1)


class OrganizationService:
    """Organizations as the signed-in user sees them."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    def _rows(self) -> Select[Any]:
        members, workspaces, projects = _counts()
        week_ago = datetime.datetime.now(datetime.UTC) - CHANGE_WINDOW
        before = _counts(before=week_ago)
        my_role = aliased(m.OrgMember)
        return (
            select(m.Organization, m.User, members, workspaces, projects, my_role.role, *before)
            .join(
                my_role,
                (my_role.organization_id == m.Organization.id)
                & (my_role.user_id == self.ctx.user.id)
                & my_role.is_active.is_(True),
            )
            .outerjoin(m.User, m.User.id == m.Organization.owner_id)
            .where(m.Organization.is_active.is_(True))
        )

    @staticmethod
    def _row(result: Any, organizations_change_pct: float = 0.0) -> OrganizationRow:
        org, owner, members, workspaces, projects, role, members_before, workspaces_before, projects_before = result
        return OrganizationRow(
            org,
            owner,
            members or 0,
            workspaces or 0,
            projects or 0,
            role,
            team_members_change_pct=change_pct(members or 0, members_before or 0),
            total_workspaces_change_pct=change_pct(workspaces or 0, workspaces_before or 0),
            active_projects_change_pct=change_pct(projects or 0, projects_before or 0),
            organizations_change_pct=organizations_change_pct,
        )

    async def _organizations_change_pct(self) -> float:
        """How much the caller's number of organizations grew over the comparison window."""
        week_ago = datetime.datetime.now(datetime.UTC) - CHANGE_WINDOW
        mine = (m.OrgMember.user_id == self.ctx.user.id) & m.OrgMember.is_active.is_(True)
        row = (
            await self.ctx.session.execute(
                select(
                    func.count(m.OrgMember.id),
                    func.count(m.OrgMember.id).filter(m.OrgMember.joined_at < week_ago),
                )
                .join(m.Organization, m.Organization.id == m.OrgMember.organization_id)
                .where(mine, m.Organization.is_active.is_(True))
            )
        ).one()
        return change_pct(row[0] or 0, row[1] or 0)

    async def list(
        self, params: PageParams, search: str | None, ordering: str | None
    ) -> tuple[int, list[OrganizationRow]]:
        """The caller's organizations (one page) and how many there are, in two queries."""
        stmt = apply_search(
            self._rows(), search, [m.Organization.name, m.Organization.slug, m.Organization.description]
        )
        count = await self.ctx.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        stmt = apply_ordering(
            stmt,
            ordering,
            {
                "name": m.Organization.name,
                "created_at": m.Organization.created_at,
                "updated_at": m.Organization.updated_at,
            },
            default=[m.Organization.created_at.desc()],
            tiebreaker=m.Organization.id,
        )
        rows = (await self.ctx.session.execute(stmt.offset(params.offset).limit(params.limit))).all()
        growth = await self._organizations_change_pct()
        return count or 0, [self._row(row, growth) for row in rows]

    async def get(self, org_id: uuid.UUID) -> OrganizationRow:
        """One of the caller's organizations; others are a 404."""
        row = (await self.ctx.session.execute(self._rows().where(m.Organization.id == org_id))).first()
        if row is None:
            raise NotFound
        return self._row(row)

    async def create(self, data: s.OrganizationCreate, logo: Upload | None) -> OrganizationRow:
        """Create an organization; the caller becomes its owner."""
        slug = data.slug.strip().lower()
        if slug:
            if not _SLUG.match(slug):
                raise FieldErrors({"slug": ["Use lowercase letters, digits and single hyphens."]})
            if await self.ctx.session.scalar(select(m.Organization.id).where(m.Organization.slug == slug)):
                raise FieldErrors({"slug": ["An organization with this slug already exists."]})
        else:
            base = slugify(data.name) or "organization"
            slug = await unique_slug(
                self.ctx, base, select(m.Organization.slug).where(m.Organization.slug.like(f"{base}%"))
            )
        org = m.Organization(
            name=data.name.strip(),
            slug=slug,
            description=data.description,
            website_url=data.website_url,
            organization_type=_choice(data.organization_type, ORG_TYPES, _TYPE_SYNONYMS, "organization_type"),
            subscription_plan=_choice(data.subscription_plan, PLANS, _PLAN_SYNONYMS, "subscription_plan"),
            organization_settings=data.organization_settings,
            is_active=True,
            owner_id=self.ctx.user.id,
        )
        if logo is not None:
            org.logo_url = self.ctx.storage.save_image(logo, "logos", "logo")
        self.ctx.session.add(org)
        await self.ctx.session.flush()
        self.ctx.session.add(
            m.OrgMember(organization_id=org.id, user_id=self.ctx.user.id, role="owner", status="active")
        )
        self._log(org, "created")
        record_event(
            self.ctx.session,
            OrganizationCreated(
                organization_id=org.id, name=org.name, owner_id=self.ctx.user.id, actor_id=self.ctx.user.id
            ),
        )
        await self.ctx.commit()
        return await self.get(org.id)

    def _log(self, org: m.Organization, action: str, changes: dict[str, Any] | None = None) -> None:
        record_activity(
            self.ctx.session,
            actor=self.ctx.user,
            action=action,
            object_type="organization",
            object_id=org.id,
            object_repr=org.name,
            object_url=f"/organizations/{org.id}",
            changes=changes,
            organization_id=org.id,
            ip_address=self.ctx.ip,
        )

    async def update(self, org_id: uuid.UUID, data: s.OrganizationUpdate, logo: Upload | None) -> OrganizationRow:
        """Edit an organization (owners and admins)."""
        org, _ = await self.ctx.policy.organization(org_id, admin=True)
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        for key in ("description", "website_url"):
            if key in values and values[key] is None:
                values[key] = ""
        if values.get("organization_settings", ...) is None:
            values["organization_settings"] = {}
        if "name" in values:
            values["name"] = values["name"].strip()
        if "organization_type" in values:
            values["organization_type"] = _choice(
                values["organization_type"], ORG_TYPES, _TYPE_SYNONYMS, "organization_type"
            )
        if "subscription_plan" in values:
            values["subscription_plan"] = _choice(
                values["subscription_plan"], PLANS, _PLAN_SYNONYMS, "subscription_plan"
            )
        if "slug" in values:
            slug = values["slug"].strip().lower() or org.slug
            if not _SLUG.match(slug):
                raise FieldErrors({"slug": ["Use lowercase letters, digits and single hyphens."]})
            clash = await self.ctx.session.scalar(
                select(m.Organization.id).where(m.Organization.slug == slug, m.Organization.id != org.id)
            )
            if clash:
                raise FieldErrors({"slug": ["An organization with this slug already exists."]})
            values["slug"] = slug
        if values.get("is_active") is False:
            # Deactivating is deleting: it goes through delete() and its confirmation.
            values.pop("is_active")
        if logo is not None:
            values["logo_url"] = self.ctx.storage.save_image(logo, "logos", "logo")
        changes = apply_changes(org, values)
        if changes:
            self._log(org, "updated", changes)
        await self.ctx.commit()
        return await self.get(org.id)

    async def upload_logo(self, org_id: uuid.UUID, logo: Upload | None) -> str:
        """Replace the logo (owners and admins); return its URL."""
        if logo is None:
            raise FieldErrors({"logo": ["No file was submitted."]})
        row = await self.update(org_id, _empty_update(), logo)
        return row.org.logo_url or ""

    async def delete(self, org_id: uuid.UUID, confirm: bool) -> None:
        """Soft-delete an organization (owners only). One still holding workspaces needs ``confirm``."""
        org, role = await self.ctx.policy.organization(org_id)
        if role != "owner":
            raise NotFound("Only an owner can delete this organization.")
        _, workspaces, projects = _counts()
        counts = (await self.ctx.session.execute(select(workspaces, projects).where(m.Organization.id == org.id))).one()
        if (counts[0] or counts[1]) and not confirm:
            msg = (
                f"This organization still holds {counts[0]} workspace(s) and {counts[1]} project(s). "
                "Repeat the request with ?confirm=true to delete it with everything in it."
            )
            raise FieldErrors({"confirm": [msg]})
        org.is_active = False
        self._log(org, "deleted", {"workspaces": counts[0], "projects": counts[1]})
        await self.ctx.commit()


def _empty_update() -> s.OrganizationUpdate:
    from core.organizations.schemas import OrganizationUpdate

    return OrganizationUpdate()


class MemberService:
    """Organization members: listing, role changes and removal, never leaving an organization without an owner."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    async def list(
        self,
        org_id: uuid.UUID,
        params: PageParams,
        *,
        search: str | None,
        role: str | None,
        ordering: str | None,
    ) -> tuple[int, list[tuple[m.OrgMember, m.User, m.User | None]]]:
        """Active members of an organization the caller belongs to."""
        await self.ctx.policy.organization(org_id)
        inviter = m.User.__table__.alias("inviter")
        stmt = (
            select(m.OrgMember, m.User, inviter.c.id)
            .join(m.User, m.User.id == m.OrgMember.user_id)
            .outerjoin(inviter, inviter.c.id == m.OrgMember.invited_by_id)
            .where(m.OrgMember.organization_id == org_id, m.OrgMember.is_active.is_(True))
        )
        if role:
            stmt = stmt.where(m.OrgMember.role == role)
        stmt = apply_search(stmt, search, [m.User.username, m.User.email, m.User.first_name, m.User.last_name])
        count = await self.ctx.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        stmt = apply_ordering(
            stmt,
            ordering,
            {
                "joined_at": m.OrgMember.joined_at,
                "role": m.OrgMember.role,
                "email": m.User.email,
                "username": m.User.username,
            },
            default=[m.OrgMember.joined_at.asc()],
            tiebreaker=m.OrgMember.id,
        )
        rows = (await self.ctx.session.execute(stmt.offset(params.offset).limit(params.limit))).all()
        inviter_ids = {row[2] for row in rows if row[2] is not None}
        inviters = {}
        if inviter_ids:
            inviters = {
                u.id: u for u in (await self.ctx.session.scalars(select(m.User).where(m.User.id.in_(inviter_ids))))
            }
        return count or 0, [(row[0], row[1], inviters.get(row[2])) for row in rows]

    async def _manageable(self, member_id: uuid.UUID) -> tuple[m.OrgMember, str]:
        member = await self.ctx.session.get(m.OrgMember, member_id)
        if member is None or not member.is_active:
            raise NotFound
        _, my_role = await self.ctx.policy.organization(member.organization_id)
        return member, my_role

    async def _other_owners(self, member: m.OrgMember) -> int:
        return (
            await self.ctx.session.scalar(
                select(func.count(m.OrgMember.id)).where(
                    m.OrgMember.organization_id == member.organization_id,
                    m.OrgMember.role == "owner",
                    m.OrgMember.is_active.is_(True),
                    m.OrgMember.id != member.id,
                )
            )
        ) or 0

    @staticmethod
    def _may_manage(my_role: str, target_role: str, new_role: str | None = None) -> bool:
        if my_role == "owner":
            return True
        if my_role == "admin":
            return target_role not in ORG_ADMIN_ROLES and new_role != "owner"
        return False

    async def get(self, member_id: uuid.UUID) -> tuple[m.OrgMember, m.User, m.User | None]:
        """One member with its user and inviter."""
        member = await self.ctx.session.get(m.OrgMember, member_id)
        if member is None:
            raise NotFound
        user = await self.ctx.session.get(m.User, member.user_id)
        inviter = await self.ctx.session.get(m.User, member.invited_by_id) if member.invited_by_id else None
        if user is None:
            raise NotFound
        return member, user, inviter

    async def change_role(self, member_id: uuid.UUID, role: str) -> m.OrgMember:
        """Change a member's role. Owners change anyone; admins change non-admins (never to owner)."""
        role = role.strip().lower()
        if role not in ORG_ROLES:
            raise FieldErrors({"role": [f"{role!r} is not a valid choice. Choose from: {', '.join(ORG_ROLES)}."]})
        member, my_role = await self._manageable(member_id)
        if not self._may_manage(my_role, member.role, role):
            raise NotFound("You do not have permission to change this member's role.")
        if member.role == "owner" and role != "owner" and not await self._other_owners(member):
            raise FieldErrors({"role": ["An organization must keep at least one owner."]})
        if member.role != role:
            self._log(member, "updated", {"role": {"old": member.role, "new": role}})
            member.role = role
        await self.ctx.commit()
        return member

    async def remove(self, member_id: uuid.UUID) -> None:
        """Remove a member (and their workspace and project memberships in this organization)."""
        member, my_role = await self._manageable(member_id)
        leaving = member.user_id == self.ctx.user.id
        if not leaving and not self._may_manage(my_role, member.role):
            raise NotFound("You do not have permission to remove this member.")
        if member.role == "owner" and not await self._other_owners(member):
            msg = "The last owner of an organization cannot be removed."
            raise ApplicationError(msg)
        member.is_active = False
        member.status = "inactive"
        workspace_ids = select(m.Workspace.id).where(m.Workspace.organization_id == member.organization_id)
        await self.ctx.session.execute(
            update(m.WorkspaceMember)
            .where(m.WorkspaceMember.user_id == member.user_id, m.WorkspaceMember.workspace_id.in_(workspace_ids))
            .values(is_active=False)
        )
        project_ids = select(m.Project.id).where(m.Project.workspace_id.in_(workspace_ids))
        await self.ctx.session.execute(
            update(m.ProjectMember)
            .where(m.ProjectMember.user_id == member.user_id, m.ProjectMember.project_id.in_(project_ids))
            .values(is_active=False)
        )
        self._log(member, "deleted")
        await self.ctx.commit()

    def _log(self, member: m.OrgMember, action: str, changes: dict[str, Any] | None = None) -> None:
        record_activity(
            self.ctx.session,
            actor=self.ctx.user,
            action=action,
            object_type="member",
            object_id=member.id,
            object_repr=f"organization member {member.user_id}",
            object_url=f"/organizations/{member.organization_id}/members",
            changes=changes,
            organization_id=member.organization_id,
            ip_address=self.ctx.ip,
        )
