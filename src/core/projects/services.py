"""Project rules: create (with its defaults, the creator as lead and admin), edit, soft delete, members, configuration."""

from __future__ import annotations

import datetime
import decimal
import re
import unicodedata
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import aliased

from core.access import Level
from core.activity import diff, record_project_activity
from core.db import models as m
from core.dispatch import record_event
from core.events import ProjectCreated
from core.http.errors import ApplicationError, FieldErrors, NotFound
from core.http.params import optional_uuid
from core.http.query import apply_ordering, apply_search
from core.organizations.services import unique_slug
from core.projects.defaults import DEFAULT_CONFIG, create_defaults
from core.text import slugify

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Select

    from core.context import RequestCtx
    from core.http.body import Upload
    from core.http.pagination import PageParams
    from core.projects import schemas as s

__all__ = (
    "ESTIMATION_TYPES",
    "METHODOLOGIES",
    "PRIORITIES",
    "PROJECT_ROLES",
    "STATUSES",
    "ConfigService",
    "MemberRow",
    "ProjectMemberService",
    "ProjectRow",
    "ProjectService",
    "derive_key",
    "normalize_key",
)

METHODOLOGIES = ("scrum", "kanban", "waterfall", "hybrid")
STATUSES = ("planning", "active", "on_hold", "completed", "cancelled", "archived")
PRIORITIES = ("low", "medium", "high", "critical")
PROJECT_ROLES = ("admin", "member", "viewer")
ESTIMATION_TYPES = ("story_points", "hours", "t_shirt")
# The original API's team roles, accepted and stored as the web client's three.
_ROLE_SYNONYMS = {
    "lead": "admin",
    "project_manager": "admin",
    "tech_lead": "admin",
    "developer": "member",
    "designer": "member",
    "qa_engineer": "member",
    "business_analyst": "member",
    "stakeholder": "viewer",
}
_KEY_MIN, _KEY_MAX = 2, 10
_MAX_HOURS = decimal.Decimal("99999999.99")  # Numeric(10, 2)
_MAX_BUDGET = decimal.Decimal("999999999999.99")  # Numeric(14, 2)
_CENT = decimal.Decimal("0.01")
_MAX_SCALE_ITEMS = 100
_MAX_USER_ID = 2**63 - 1


def _choice(value: str, choices: tuple[str, ...], field: str, synonyms: dict[str, str] | None = None) -> str:
    value = value.strip().lower()
    value = (synonyms or {}).get(value, value)
    if value not in choices:
        raise FieldErrors({field: [f"{value!r} is not a valid choice. Choose from: {', '.join(choices)}."]})
    return value


def derive_key(raw: str) -> tuple[str, bool]:
    """The key for what the client sent, and whether it had to be shortened.

    The web client derives the key from the name (``"customer-portal-redesign"``); one too long becomes the
    initials of its words (``"CPR"``), or its first 10 characters when it is a single word.
    """
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode().upper()
    key = re.sub(r"[^A-Z0-9]", "", ascii_text)
    if len(key) <= _KEY_MAX:
        return normalize_key(raw), False
    words = [w for w in re.split(r"[^A-Z0-9]+", ascii_text) if w]
    initials = "".join(w[0] for w in words)
    shortened = initials if len(words) > 1 and len(initials) >= _KEY_MIN else key
    return normalize_key(shortened[:_KEY_MAX]), True


def normalize_key(raw: str) -> str:
    """The project key for what the client sent: upper case letters and digits only (``"my-proj"`` -> ``"MYPROJ"``).

    Raises:
        FieldErrors: fewer than 2 or more than 10 characters, or not starting with a letter.
    """
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    key = re.sub(r"[^A-Z0-9]", "", ascii_text.upper())
    if not _KEY_MIN <= len(key) <= _KEY_MAX:
        msg = f"The key needs {_KEY_MIN} to {_KEY_MAX} letters and digits (got {key or 'none'!r})."
        raise FieldErrors({"key": [msg]})
    if not key[0].isalpha():
        raise FieldErrors({"key": ["The key must start with a letter."]})
    return key


def _amount(value: float | str | None, field: str, maximum: decimal.Decimal) -> decimal.Decimal | None:
    """A non-negative amount with two decimals from a number or a numeric string; blank means none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = decimal.Decimal(value.strip() if isinstance(value, str) else repr(value))
    except decimal.InvalidOperation:
        raise FieldErrors({field: ["A valid number is required."]}) from None
    if not number.is_finite() or number < 0 or number > maximum:
        raise FieldErrors({field: [f"Enter a number from 0 to {maximum}."]})
    return number.quantize(_CENT, rounding=decimal.ROUND_HALF_UP)


def _end_date(values: dict[str, Any]) -> None:
    """Fold ``due_date`` (the client's name) into ``end_date`` in ``values``."""
    if "due_date" not in values:
        return
    due = values.pop("due_date")
    if "end_date" in values and values["end_date"] != due:
        raise FieldErrors({"due_date": ["due_date and end_date are the same field; send one of them."]})
    values["end_date"] = due


def _check_dates(start: datetime.date | None, end: datetime.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise FieldErrors({"end_date": ["The end date cannot be before the start date."]})


class ProjectRow(msgspec.Struct):
    """A project with what its API shape needs besides its columns."""

    project: m.Project
    workspace: m.Workspace
    lead: m.User | None
    created_by: m.User | None
    team_member_count: int
    progress: float
    role: str | None


class MemberRow(msgspec.Struct):
    """A project membership and its user."""

    member: m.ProjectMember
    user: m.User


def _issue_counts() -> tuple[Any, Any]:
    """Correlated counts of a project's active issues, and of those in a final status (``done``)."""
    total = (
        select(func.count(m.Issue.id))
        .where(m.Issue.project_id == m.Project.id, m.Issue.is_active.is_(True))
        .correlate(m.Project)
        .scalar_subquery()
    )
    done = (
        select(func.count(m.Issue.id))
        .join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id)
        .where(m.Issue.project_id == m.Project.id, m.Issue.is_active.is_(True), m.WorkflowStatus.is_final.is_(True))
        .correlate(m.Project)
        .scalar_subquery()
    )
    return total, done


def _member_count() -> Any:
    return (
        select(func.count(m.ProjectMember.id))
        .where(m.ProjectMember.project_id == m.Project.id, m.ProjectMember.is_active.is_(True))
        .correlate(m.Project)
        .scalar_subquery()
    )


class ProjectService:
    """Projects as the signed-in user sees them."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    def _visible(self) -> list[ColumnElement[bool]]:
        return [self.ctx.policy.project_visible()]

    def _rows(self) -> Select[Any]:
        lead = aliased(m.User)
        creator = aliased(m.User)
        mine = aliased(m.ProjectMember)
        total, done = _issue_counts()
        return (
            select(m.Project, m.Workspace, lead, creator, _member_count(), mine.role, total, done)
            .join(m.Workspace, m.Workspace.id == m.Project.workspace_id)
            .outerjoin(lead, lead.id == m.Project.lead_id)
            .outerjoin(creator, creator.id == m.Project.created_by_id)
            .outerjoin(
                mine,
                (mine.project_id == m.Project.id) & (mine.user_id == self.ctx.user.id) & mine.is_active.is_(True),
            )
            .where(*self._visible())
        )

    @staticmethod
    def _row(result: Any) -> ProjectRow:
        project, workspace, lead, creator, members, role, total, done = result
        progress = round(100.0 * (done or 0) / total, 1) if total else 0.0
        return ProjectRow(project, workspace, lead, creator, members or 0, progress, role)

    async def list(
        self,
        params: PageParams,
        *,
        workspace: uuid.UUID | None,
        organization: uuid.UUID | None,
        search: str | None,
        status: str | None,
        ordering: str | None,
    ) -> tuple[int, list[ProjectRow]]:
        """The visible projects (one page) and how many there are, in two queries whatever the page size."""
        conditions: list[ColumnElement[bool]] = []
        if workspace is not None:
            conditions.append(m.Project.workspace_id == workspace)
        if organization is not None:
            conditions.append(m.Workspace.organization_id == organization)
        if status and status.strip():
            conditions.append(m.Project.status == _choice(status, STATUSES, "status"))
        columns = [m.Project.name, m.Project.key, m.Project.description]
        counted = apply_search(
            select(func.count(m.Project.id))
            .join(m.Workspace, m.Workspace.id == m.Project.workspace_id)
            .where(*self._visible(), *conditions),
            search,
            columns,
        )
        count = await self.ctx.session.scalar(counted)
        priority_rank = case({p: n for n, p in enumerate(PRIORITIES)}, value=m.Project.priority, else_=len(PRIORITIES))
        stmt = apply_ordering(
            apply_search(self._rows().where(*conditions), search, columns),
            ordering,
            {
                "name": m.Project.name,
                "key": m.Project.key,
                "status": m.Project.status,
                "priority": priority_rank,
                "created_at": m.Project.created_at,
                "updated_at": m.Project.updated_at,
                "start_date": m.Project.start_date,
                "end_date": m.Project.end_date,
                "due_date": m.Project.end_date,
                "team_member_count": _member_count(),
            },
            default=[m.Project.created_at.desc()],
            tiebreaker=m.Project.id,
        )
        rows = (await self.ctx.session.execute(stmt.offset(params.offset).limit(params.limit))).all()
        return count or 0, [self._row(row) for row in rows]

    async def get(self, project_id: uuid.UUID) -> ProjectRow:
        """One visible project; others are a 404."""
        row = (await self.ctx.session.execute(self._rows().where(m.Project.id == project_id))).first()
        if row is None:
            raise NotFound
        return self._row(row)

    async def _slug(self, workspace_id: uuid.UUID, given: str | None, name: str, own: uuid.UUID | None) -> str:
        """A slug unique in the workspace: the one given (normalised), or one derived from ``name``."""
        taken = select(m.Project.slug).where(m.Project.workspace_id == workspace_id)
        if own is not None:
            taken = taken.where(m.Project.id != own)
        if given and given.strip():
            slug = slugify(given, max_length=100)
            if not slug:
                raise FieldErrors({"slug": ["Use letters, digits and hyphens."]})
            if await self.ctx.session.scalar(taken.where(m.Project.slug == slug)):
                raise FieldErrors({"slug": ["A project with this slug already exists in this workspace."]})
            return slug
        base = slugify(name) or "project"
        return await unique_slug(self.ctx, base, taken.where(m.Project.slug.like(f"{base}%")))

    async def create(self, data: s.ProjectCreate, cover: Upload | None) -> ProjectRow:
        """Create a project with its configuration and default workflow; the caller becomes lead and admin.

        Raises:
            NotFound: the workspace is invisible, or the caller may not create projects in it.
            FieldErrors: invalid fields, or a key already used in the workspace.
        """
        workspace, _ = await self.ctx.policy.workspace(data.workspace, need=Level.WRITE)
        name = data.name.strip()
        if not name:
            raise FieldErrors({"name": ["This field may not be blank."]})
        key, shortened = derive_key(data.key)
        taken = set(
            (await self.ctx.session.scalars(select(m.Project.key).where(m.Project.workspace_id == workspace.id))).all()
        )
        if key in taken and not shortened:
            raise FieldErrors({"key": [f"A project with the key {key!r} already exists in this workspace."]})
        if key in taken:
            # A key we shortened ourselves gets a number rather than an error the user never typed.
            key = next(
                candidate for n in range(2, 10_000) if (candidate := f"{key[: _KEY_MAX - len(str(n))]}{n}") not in taken
            )
        dates: dict[str, Any] = {"end_date": data.end_date} if data.end_date is not None else {}
        if data.due_date is not None:
            dates["due_date"] = data.due_date
        _end_date(dates)
        _check_dates(data.start_date, dates.get("end_date"))
        project = m.Project(
            workspace_id=workspace.id,
            name=name,
            slug=await self._slug(workspace.id, data.slug, name, None),
            key=key,
            description=data.description or "",
            methodology=_choice(data.methodology, METHODOLOGIES, "methodology"),
            status=_choice(data.status, STATUSES, "status"),
            priority=_choice(data.priority, PRIORITIES, "priority"),
            start_date=data.start_date,
            end_date=dates.get("end_date"),
            budget=_amount(data.budget, "budget", _MAX_BUDGET),
            estimated_hours=_amount(data.estimated_hours, "estimated_hours", _MAX_HOURS),
            project_settings=data.project_settings,
            is_active=True,
            lead_id=self.ctx.user.id,
            created_by_id=self.ctx.user.id,
        )
        if cover is not None:
            project.cover_image_url = self.ctx.storage.save_image(cover, "covers", "cover_image")
        self.ctx.session.add(project)
        await self.ctx.session.flush()
        self.ctx.session.add(m.ProjectMember(project_id=project.id, user_id=self.ctx.user.id, role="admin"))
        await create_defaults(self.ctx.session, project.id)
        activity = await self._log(project, workspace.organization_id, "created")
        record_event(
            self.ctx.session,
            ProjectCreated(
                project_id=project.id,
                workspace_id=workspace.id,
                organization_id=workspace.organization_id,
                key=project.key,
                name=project.name,
                actor_id=self.ctx.user.id,
            ),
            activity,
        )
        await self.ctx.commit()
        return await self.get(project.id)

    async def update(self, project_id: uuid.UUID, data: s.ProjectUpdate, cover: Upload | None) -> ProjectRow:
        """Edit a project (project admins, the lead, workspace admins, organization owners and admins).

        Raises:
            NotFound: invisible, or visible but not the caller's to manage.
            FieldErrors: invalid fields, a different workspace, or a different key.
        """
        project, _ = await self.ctx.policy.project(project_id, need=Level.MANAGE)
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        # Deactivating is deleting (DELETE); moving between workspaces and re-keying are not supported.
        values.pop("is_active", None)
        target = optional_uuid(values.pop("workspace", None), "workspace")
        if target is not None and target != project.workspace_id:
            raise FieldErrors({"workspace": ["A project cannot be moved to another workspace."]})
        key = values.pop("key", None)
        if key and key.strip() and normalize_key(key) != project.key:
            raise FieldErrors({"key": ["The key of an existing project cannot be changed."]})
        if "name" in values:
            values["name"] = values["name"].strip()
            if not values["name"]:
                raise FieldErrors({"name": ["This field may not be blank."]})
        if "description" in values and values["description"] is None:
            values["description"] = ""
        if values.get("project_settings", ...) is None:
            values["project_settings"] = {}
        if "slug" in values:
            slug = values.pop("slug")
            if slug and slug.strip():
                values["slug"] = await self._slug(project.workspace_id, slug, project.name, project.id)
        for field, choices in (("methodology", METHODOLOGIES), ("status", STATUSES), ("priority", PRIORITIES)):
            if field in values:
                values[field] = _choice(values[field], choices, field)
        _end_date(values)
        _check_dates(values.get("start_date", project.start_date), values.get("end_date", project.end_date))
        if "budget" in values:
            values["budget"] = _amount(values["budget"], "budget", _MAX_BUDGET)
        if "estimated_hours" in values:
            values["estimated_hours"] = _amount(values["estimated_hours"], "estimated_hours", _MAX_HOURS)
        if cover is not None:
            values["cover_image_url"] = self.ctx.storage.save_image(cover, "covers", "cover_image")
        changes = diff(project, values)
        for key_name, value in values.items():
            setattr(project, key_name, value)
        if changes:
            await self._log(project, None, "updated", changes)
        await self.ctx.commit()
        return await self.get(project.id)

    async def delete(self, project_id: uuid.UUID) -> None:
        """Soft-delete a project (same people as editing): it disappears from every list and lookup."""
        project, _ = await self.ctx.policy.project(project_id, need=Level.MANAGE)
        project.is_active = False
        await self._log(project, None, "deleted")
        await self.ctx.commit()

    async def _log(
        self,
        project: m.Project,
        organization_id: uuid.UUID | None,
        action: str,
        changes: dict[str, Any] | None = None,
    ) -> m.Activity:
        return await record_project_activity(self.ctx, project, action, changes, organization_id=organization_id)


class ProjectMemberService:
    """Project members: listing, adding (from the workspace or organization), role changes and removal."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    async def list(
        self,
        project_id: uuid.UUID,
        params: PageParams,
        *,
        search: str | None,
        role: str | None,
        ordering: str | None,
    ) -> tuple[int, list[MemberRow]]:
        """Active members of a visible project."""
        await self.ctx.policy.project(project_id)
        stmt = (
            select(m.ProjectMember, m.User)
            .join(m.User, m.User.id == m.ProjectMember.user_id)
            .where(m.ProjectMember.project_id == project_id, m.ProjectMember.is_active.is_(True))
        )
        if role and role.strip():
            stmt = stmt.where(m.ProjectMember.role == _choice(role, PROJECT_ROLES, "role", _ROLE_SYNONYMS))
        stmt = apply_search(stmt, search, [m.User.username, m.User.email, m.User.first_name, m.User.last_name])
        count = await self.ctx.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        stmt = apply_ordering(
            stmt,
            ordering,
            {
                "joined_at": m.ProjectMember.joined_at,
                "role": m.ProjectMember.role,
                "email": m.User.email,
                "username": m.User.username,
                "first_name": m.User.first_name,
                "last_name": m.User.last_name,
            },
            default=[m.ProjectMember.joined_at.asc()],
            tiebreaker=m.ProjectMember.id,
        )
        rows = (await self.ctx.session.execute(stmt.offset(params.offset).limit(params.limit))).all()
        return count or 0, [MemberRow(member, user) for member, user in rows]

    async def _find_user(self, ref: int | str) -> m.User | None:
        """The active user ``ref`` names: an integer id (number or digits) or a ``user_uuid``."""
        stmt = select(m.User).where(m.User.is_active.is_(True))
        if isinstance(ref, str):
            text = ref.strip()
            if text.isascii() and text.isdigit():
                ref = int(text)
            else:
                try:
                    stmt = stmt.where(m.User.user_uuid == uuid.UUID(text))
                except ValueError:
                    raise FieldErrors({"user_id": ["Send the user's id or user_uuid."]}) from None
        if isinstance(ref, int):
            if not 0 < ref <= _MAX_USER_ID:
                return None
            stmt = stmt.where(m.User.id == ref)
        user: m.User | None = await self.ctx.session.scalar(stmt)
        return user

    async def _eligible(self, project: m.Project, user_id: int) -> bool:
        """Whether the user is an active member of the project's workspace or of its organization."""
        in_workspace = exists().where(
            m.WorkspaceMember.workspace_id == project.workspace_id,
            m.WorkspaceMember.user_id == user_id,
            m.WorkspaceMember.is_active.is_(True),
        )
        in_organization = exists().where(
            m.Workspace.id == project.workspace_id,
            m.OrgMember.organization_id == m.Workspace.organization_id,
            m.OrgMember.user_id == user_id,
            m.OrgMember.is_active.is_(True),
        )
        return bool(await self.ctx.session.scalar(select(or_(in_workspace, in_organization))))

    async def add(self, project_id: uuid.UUID, data: s.ProjectMemberCreate) -> MemberRow:
        """Add a member of the project's workspace or organization (a former member is re-activated).

        Raises:
            NotFound: invisible project, or not the caller's to manage.
            FieldErrors: bad ``user_id`` or ``role``.
            ApplicationError: no such user in the workspace or organization, or already a member.
        """
        project, _ = await self.ctx.policy.project(project_id, need=Level.MANAGE)
        role = _choice(data.role, PROJECT_ROLES, "role", _ROLE_SYNONYMS)
        user = await self._find_user(data.user_id)
        if user is None or not await self._eligible(project, user.id):
            msg = "No active user with this id belongs to this project's workspace or organization."
            raise ApplicationError(msg)
        member = await self.ctx.session.scalar(
            select(m.ProjectMember).where(m.ProjectMember.project_id == project.id, m.ProjectMember.user_id == user.id)
        )
        if member is not None and member.is_active:
            msg = f"{user.full_name} is already a member of this project."
            raise ApplicationError(msg)
        if member is None:
            member = m.ProjectMember(project_id=project.id, user_id=user.id, role=role)
            self.ctx.session.add(member)
            await self.ctx.session.flush()
        else:
            member.is_active = True
            member.role = role
            member.joined_at = datetime.datetime.now(datetime.UTC)
        await self._log(project, member, user, "created", {"role": {"old": None, "new": role}})
        await self.ctx.commit()
        return MemberRow(member, user)

    async def _member(self, project_id: uuid.UUID, member_id: uuid.UUID, *, active: bool) -> m.ProjectMember:
        member: m.ProjectMember | None = await self.ctx.session.get(m.ProjectMember, member_id)
        if member is None or member.project_id != project_id or (active and not member.is_active):
            raise NotFound
        return member

    async def _row(self, member: m.ProjectMember) -> MemberRow:
        user = await self.ctx.session.get(m.User, member.user_id)
        if user is None:
            raise NotFound
        return MemberRow(member, user)

    async def get(self, project_id: uuid.UUID, member_id: uuid.UUID) -> MemberRow:
        """One membership of a visible project."""
        await self.ctx.policy.project(project_id)
        return await self._row(await self._member(project_id, member_id, active=False))

    async def change_role(self, project_id: uuid.UUID, member_id: uuid.UUID, role: str) -> MemberRow:
        """Change a member's role (project managers)."""
        project, _ = await self.ctx.policy.project(project_id, need=Level.MANAGE)
        role = _choice(role, PROJECT_ROLES, "role", _ROLE_SYNONYMS)
        row = await self._row(await self._member(project_id, member_id, active=True))
        if row.member.role != role:
            await self._log(project, row.member, row.user, "updated", {"role": {"old": row.member.role, "new": role}})
            row.member.role = role
        await self.ctx.commit()
        return row

    async def remove(self, project_id: uuid.UUID, member_id: uuid.UUID) -> None:
        """Remove a member (project managers), or leave (your own membership). The lead stays.

        Raises:
            NotFound: invisible project or membership, or someone else's membership without the right to manage.
            ApplicationError: the member is the project's lead.
        """
        project, level = await self.ctx.policy.project(project_id)
        row = await self._row(await self._member(project_id, member_id, active=True))
        if row.member.user_id != self.ctx.user.id and level < Level.MANAGE:
            raise NotFound("Only admins of this project can do this.")
        if row.member.user_id == project.lead_id:
            msg = "The project lead cannot be removed from the project."
            raise ApplicationError(msg)
        row.member.is_active = False
        await self._log(project, row.member, row.user, "deleted")
        await self.ctx.commit()

    async def _log(
        self,
        project: m.Project,
        member: m.ProjectMember,
        user: m.User,
        action: str,
        changes: dict[str, Any] | None = None,
    ) -> None:
        await record_project_activity(
            self.ctx,
            project,
            action,
            changes,
            object_type="member",
            object_id=member.id,
            object_repr=f"{user.full_name} in {project.name}",
        )


class ConfigService:
    """A project's configuration (one per project, made with it)."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    async def _config(self, project_id: uuid.UUID) -> m.ProjectConfig | None:
        config: m.ProjectConfig | None = await self.ctx.session.scalar(
            select(m.ProjectConfig).where(m.ProjectConfig.project_id == project_id)
        )
        return config

    async def get(self, project_id: uuid.UUID) -> m.ProjectConfig:
        """The configuration of a visible project; 404 when the project is invisible or has none."""
        await self.ctx.policy.project(project_id)
        config = await self._config(project_id)
        if config is None:
            raise NotFound
        return config

    async def update(
        self, project_id: uuid.UUID, data: s.ProjectConfigCreate | s.ProjectConfigUpdate
    ) -> m.ProjectConfig:
        """Change the configuration (project managers); a project without one gets one with the defaults first.

        Raises:
            NotFound: invisible project, or not the caller's to manage.
            FieldErrors: invalid values, or a body naming another project.
        """
        if data.project is not msgspec.UNSET and data.project != project_id:
            raise FieldErrors({"project": ["This is not the project in the address."]})
        project, _ = await self.ctx.policy.project(project_id, need=Level.MANAGE)
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET and k != "project"}
        if "estimation_type" in values:
            values["estimation_type"] = _choice(values["estimation_type"], ESTIMATION_TYPES, "estimation_type")
        if "slack_webhook_url" in values:
            values["slack_webhook_url"] = (values["slack_webhook_url"] or "").strip()
        scale = values.get("story_point_scale")
        if scale is not None and len(scale) > _MAX_SCALE_ITEMS:
            raise FieldErrors({"story_point_scale": [f"At most {_MAX_SCALE_ITEMS} entries."]})
        config = await self._config(project.id)
        if config is None:
            config = m.ProjectConfig(project_id=project.id, **DEFAULT_CONFIG)
            self.ctx.session.add(config)
        changes = diff(config, values)
        for key, value in values.items():
            setattr(config, key, value)
        if changes:
            await record_project_activity(
                self.ctx, project, "updated", changes, object_repr=f"{project.name} configuration"
            )
        await self.ctx.commit()
        return await self.get(project.id)
