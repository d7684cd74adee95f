"""Workflow rules: issue types, statuses (exactly one initial), transitions, and safe deletion of what issues use."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased

from core.access import Level
from core.activity import diff, record_project_activity
from core.db import models as m
from core.http.errors import ApplicationError, FieldErrors, NotFound
from core.http.query import StmtT, apply_ordering, apply_search

if TYPE_CHECKING:
    from sqlalchemy import Select

    from core.context import RequestCtx
    from core.http.pagination import PageParams
    from core.workflow import schemas as s

__all__ = ("ISSUE_CATEGORIES", "STATUS_CATEGORIES", "WorkflowService", "allowed_targets")

ISSUE_CATEGORIES = ("epic", "story", "task", "bug", "improvement", "sub_task")
STATUS_CATEGORIES = ("to_do", "in_progress", "done")


def _choice(value: str, choices: tuple[str, ...], field: str) -> str:
    value = value.strip().lower().replace("-", "_").replace(" ", "_")
    if value not in choices:
        raise FieldErrors({field: [f"{value!r} is not a valid choice. Choose from: {', '.join(choices)}."]})
    return value


async def allowed_targets(session: Any, project_id: uuid.UUID, from_status_id: uuid.UUID) -> list[m.WorkflowStatus]:
    """The active statuses an issue in ``from_status_id`` may move to, in workflow order."""
    return list(
        (
            await session.scalars(
                select(m.WorkflowStatus)
                .join(m.WorkflowTransition, m.WorkflowTransition.to_status_id == m.WorkflowStatus.id)
                .where(
                    m.WorkflowTransition.project_id == project_id,
                    m.WorkflowTransition.from_status_id == from_status_id,
                    m.WorkflowTransition.is_active.is_(True),
                    m.WorkflowStatus.is_active.is_(True),
                )
                .order_by(m.WorkflowStatus.order, m.WorkflowStatus.name)
            )
        ).all()
    )


class WorkflowService:
    """Issue types, statuses and transitions of the projects the caller may see (and manage)."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    async def _log(
        self, project: m.Project, action: str, object_type: str, obj: Any, changes: dict[str, Any] | None = None
    ) -> None:
        await record_project_activity(
            self.ctx,
            project,
            action,
            changes,
            object_type=object_type,
            object_id=obj.id,
            object_repr=getattr(obj, "name", ""),
        )

    def _scope(self, stmt: StmtT, column: Any, project_id: uuid.UUID | None) -> StmtT:
        stmt = stmt.where(column.in_(self.ctx.policy.visible_project_ids()))
        if project_id is not None:
            stmt = stmt.where(column == project_id)
        return stmt

    async def _page(self, stmt: Select[*tuple[Any, ...]], params: PageParams) -> tuple[int, list[Any]]:
        count = await self.ctx.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        rows = (await self.ctx.session.execute(stmt.offset(params.offset).limit(params.limit))).all()
        return count or 0, list(rows)

    # --- issue types ----------------------------------------------------------------------------------------

    async def list_types(
        self, project_id: uuid.UUID | None, params: PageParams, search: str | None, ordering: str | None
    ) -> tuple[int, list[m.IssueType]]:
        """Active issue types of visible projects (one project with ``project_id``)."""
        stmt = self._scope(select(m.IssueType), m.IssueType.project_id, project_id).where(
            m.IssueType.is_active.is_(True)
        )
        stmt = apply_search(stmt, search, [m.IssueType.name])
        stmt = apply_ordering(
            stmt,
            ordering,
            {"name": m.IssueType.name, "category": m.IssueType.category, "created_at": m.IssueType.created_at},
            default=[m.IssueType.created_at.asc()],
            tiebreaker=m.IssueType.id,
        )
        count, rows = await self._page(stmt, params)
        return count, [row[0] for row in rows]

    async def get_type(self, type_id: uuid.UUID, need: Level = Level.READ) -> tuple[m.IssueType, m.Project]:
        """One issue type of a project the caller may see (and change, with ``need``)."""
        issue_type = await self.ctx.session.get(m.IssueType, type_id)
        if issue_type is None or not issue_type.is_active:
            raise NotFound
        project, _ = await self.ctx.policy.project(issue_type.project_id, need)
        return issue_type, project

    async def _type_name_taken(self, project_id: uuid.UUID, name: str, exclude: uuid.UUID | None = None) -> bool:
        stmt = select(m.IssueType.id).where(
            m.IssueType.project_id == project_id, func.lower(m.IssueType.name) == name.lower()
        )
        if exclude is not None:
            stmt = stmt.where(m.IssueType.id != exclude)
        return (await self.ctx.session.scalar(stmt)) is not None

    async def create_type(self, data: s.IssueTypeCreate) -> m.IssueType:
        """Add an issue type to a project (project admins)."""
        project, _ = await self.ctx.policy.project(data.project, Level.MANAGE)
        name = data.name.strip()
        if await self._type_name_taken(project.id, name):
            raise FieldErrors({"name": ["This project already has an issue type with this name."]})
        issue_type = m.IssueType(
            project_id=project.id,
            name=name,
            category=_choice(data.category, ISSUE_CATEGORIES, "category"),
            description=data.description,
            icon=data.icon,
            color=data.color,
            is_default=data.is_default,
        )
        self.ctx.session.add(issue_type)
        await self.ctx.session.flush()
        await self._log(project, "created", "issue_type", issue_type)
        await self.ctx.commit()
        return issue_type

    async def update_type(self, type_id: uuid.UUID, data: s.IssueTypeUpdate) -> m.IssueType:
        """Edit an issue type (project admins)."""
        issue_type, project = await self.get_type(type_id, Level.MANAGE)
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "name" in values:
            values["name"] = values["name"].strip()
            if await self._type_name_taken(project.id, values["name"], exclude=issue_type.id):
                raise FieldErrors({"name": ["This project already has an issue type with this name."]})
        if "category" in values:
            values["category"] = _choice(values["category"], ISSUE_CATEGORIES, "category")
        changes = diff(issue_type, values)
        for key, value in values.items():
            setattr(issue_type, key, value)
        if changes:
            await self._log(project, "updated", "issue_type", issue_type, changes)
        await self.ctx.commit()
        return issue_type

    async def delete_type(self, type_id: uuid.UUID, replacement: uuid.UUID | None) -> None:
        """Delete an issue type; issues using it move to ``replacement`` (required when there are any)."""
        issue_type, project = await self.get_type(type_id, Level.MANAGE)
        others = await self.ctx.session.scalar(
            select(func.count(m.IssueType.id)).where(
                m.IssueType.project_id == project.id, m.IssueType.is_active.is_(True), m.IssueType.id != type_id
            )
        )
        if not others:
            msg = "A project needs at least one issue type."
            raise ApplicationError(msg)
        in_use = await self.ctx.session.scalar(select(func.count(m.Issue.id)).where(m.Issue.issue_type_id == type_id))
        if in_use:
            target = await self._replacement(m.IssueType, replacement, project.id, type_id, in_use, "issue type")
            await self.ctx.session.execute(
                update(m.Issue).where(m.Issue.issue_type_id == type_id).values(issue_type_id=target)
            )
        await self._log(project, "deleted", "issue_type", issue_type, {"issues_moved": in_use or 0})
        await self.ctx.session.delete(issue_type)
        await self.ctx.commit()

    async def _replacement(
        self,
        model: Any,
        replacement: uuid.UUID | None,
        project_id: uuid.UUID,
        own_id: uuid.UUID,
        in_use: int,
        what: str,
    ) -> uuid.UUID:
        if replacement is None:
            msg = f"{in_use} issue(s) use this {what}. Repeat with ?replacement=<id> of another {what} to move them."
            raise FieldErrors({"replacement": [msg]})
        target = await self.ctx.session.get(model, replacement)
        if target is None or target.project_id != project_id or target.id == own_id or not target.is_active:
            raise FieldErrors({"replacement": [f"Choose another active {what} of the same project."]})
        return target.id  # type: ignore[no-any-return]

    # --- statuses -------------------------------------------------------------------------------------------

    def _issue_counts(self) -> Any:
        return (
            select(func.count(m.Issue.id))
            .where(m.Issue.status_id == m.WorkflowStatus.id, m.Issue.is_active.is_(True))
            .correlate(m.WorkflowStatus)
            .scalar_subquery()
        )

    async def list_statuses(
        self, project_id: uuid.UUID | None, params: PageParams, search: str | None, ordering: str | None
    ) -> tuple[int, list[tuple[m.WorkflowStatus, int]]]:
        """Active statuses of visible projects in workflow order, each with its number of issues."""
        stmt = self._scope(
            select(m.WorkflowStatus, self._issue_counts()), m.WorkflowStatus.project_id, project_id
        ).where(m.WorkflowStatus.is_active.is_(True))
        stmt = apply_search(stmt, search, [m.WorkflowStatus.name])
        stmt = apply_ordering(
            stmt,
            ordering,
            {"order": m.WorkflowStatus.order, "name": m.WorkflowStatus.name, "created_at": m.WorkflowStatus.created_at},
            default=[m.WorkflowStatus.project_id, m.WorkflowStatus.order, m.WorkflowStatus.name],
            tiebreaker=m.WorkflowStatus.id,
        )
        count, rows = await self._page(stmt, params)
        return count, [(row[0], row[1] or 0) for row in rows]

    async def get_status(self, status_id: uuid.UUID, need: Level = Level.READ) -> tuple[m.WorkflowStatus, m.Project]:
        """One status of a project the caller may see (and change, with ``need``)."""
        status = await self.ctx.session.get(m.WorkflowStatus, status_id)
        if status is None or not status.is_active:
            raise NotFound
        project, _ = await self.ctx.policy.project(status.project_id, need)
        return status, project

    async def status_issue_count(self, status_id: uuid.UUID) -> int:
        """How many active issues are in a status."""
        count = await self.ctx.session.scalar(
            select(func.count(m.Issue.id)).where(m.Issue.status_id == status_id, m.Issue.is_active.is_(True))
        )
        return count or 0

    async def _statuses(self, project_id: uuid.UUID) -> list[m.WorkflowStatus]:
        return list(
            (
                await self.ctx.session.scalars(
                    select(m.WorkflowStatus)
                    .where(m.WorkflowStatus.project_id == project_id, m.WorkflowStatus.is_active.is_(True))
                    .order_by(m.WorkflowStatus.order)
                )
            ).all()
        )

    async def _make_initial(self, project_id: uuid.UUID, status_id: uuid.UUID) -> None:
        await self.ctx.session.execute(
            update(m.WorkflowStatus)
            .where(m.WorkflowStatus.project_id == project_id, m.WorkflowStatus.id != status_id)
            .values(is_initial=False)
        )

    async def create_status(self, data: s.WorkflowStatusCreate) -> m.WorkflowStatus:
        """Add a status; transitions to and from every other active status are created with it."""
        project, _ = await self.ctx.policy.project(data.project, Level.MANAGE)
        name = data.name.strip()
        existing = await self._statuses(project.id)
        if any(st.name.lower() == name.lower() for st in existing):
            raise FieldErrors({"name": ["This project already has a status with this name."]})
        order = data.order if data.order is not None else (max((st.order for st in existing), default=-1) + 1)
        status = m.WorkflowStatus(
            project_id=project.id,
            name=name,
            category=_choice(data.category, STATUS_CATEGORIES, "category"),
            description=data.description,
            color=data.color,
            order=order,
            is_initial=data.is_initial or not any(st.is_initial for st in existing),
            is_final=data.is_final,
        )
        self.ctx.session.add(status)
        await self.ctx.session.flush()
        if status.is_initial:
            await self._make_initial(project.id, status.id)
        for other in existing:
            self.ctx.session.add_all(
                [
                    m.WorkflowTransition(project_id=project.id, from_status_id=other.id, to_status_id=status.id),
                    m.WorkflowTransition(project_id=project.id, from_status_id=status.id, to_status_id=other.id),
                ]
            )
        await self._log(project, "created", "workflow_status", status)
        await self.ctx.commit()
        return status

    async def update_status(self, status_id: uuid.UUID, data: s.WorkflowStatusUpdate) -> m.WorkflowStatus:
        """Edit a status; making it initial un-makes the previous one, and the only initial stays initial."""
        status, project = await self.get_status(status_id, Level.MANAGE)
        values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "name" in values:
            values["name"] = values["name"].strip()
            clash = await self.ctx.session.scalar(
                select(m.WorkflowStatus.id).where(
                    m.WorkflowStatus.project_id == project.id,
                    func.lower(m.WorkflowStatus.name) == values["name"].lower(),
                    m.WorkflowStatus.id != status.id,
                )
            )
            if clash:
                raise FieldErrors({"name": ["This project already has a status with this name."]})
        if "category" in values:
            values["category"] = _choice(values["category"], STATUS_CATEGORIES, "category")
        if values.get("is_initial") is False and status.is_initial:
            raise FieldErrors({"is_initial": ["Make another status initial instead: a project needs exactly one."]})
        changes = diff(status, values)
        for key, value in values.items():
            setattr(status, key, value)
        if values.get("is_initial"):
            await self._make_initial(project.id, status.id)
        if changes:
            await self._log(project, "updated", "workflow_status", status, changes)
        await self.ctx.commit()
        return status

    async def delete_status(self, status_id: uuid.UUID, replacement: uuid.UUID | None) -> None:
        """Delete a status; its issues move to ``replacement`` (required when there are any)."""
        status, project = await self.get_status(status_id, Level.MANAGE)
        remaining = [st for st in await self._statuses(project.id) if st.id != status.id]
        if not remaining:
            msg = "A project needs at least one status."
            raise ApplicationError(msg)
        in_use = await self.ctx.session.scalar(select(func.count(m.Issue.id)).where(m.Issue.status_id == status.id))
        if in_use:
            target = await self._replacement(m.WorkflowStatus, replacement, project.id, status.id, in_use, "status")
            await self.ctx.session.execute(
                update(m.Issue).where(m.Issue.status_id == status.id).values(status_id=target)
            )
        if status.is_initial:
            successor = next((st for st in remaining if st.id == replacement), remaining[0])
            successor.is_initial = True
        await self.ctx.session.execute(
            delete(m.WorkflowTransition).where(
                (m.WorkflowTransition.from_status_id == status.id) | (m.WorkflowTransition.to_status_id == status.id)
            )
        )
        await self.ctx.session.execute(delete(m.BoardColumn).where(m.BoardColumn.workflow_status_id == status.id))
        await self._log(project, "deleted", "workflow_status", status, {"issues_moved": in_use or 0})
        await self.ctx.session.delete(status)
        await self.ctx.commit()

    # --- transitions ----------------------------------------------------------------------------------------

    async def list_transitions(
        self, project_id: uuid.UUID | None, params: PageParams
    ) -> tuple[int, list[tuple[m.WorkflowTransition, str, str]]]:
        """Transitions of visible projects, each with its statuses' names."""
        source = aliased(m.WorkflowStatus)
        target = aliased(m.WorkflowStatus)
        stmt = (
            select(m.WorkflowTransition, source.name, target.name)
            .join(source, source.id == m.WorkflowTransition.from_status_id)
            .join(target, target.id == m.WorkflowTransition.to_status_id)
            .where(m.WorkflowTransition.is_active.is_(True))
            .order_by(source.order, target.order, m.WorkflowTransition.id)
        )
        stmt = self._scope(stmt, m.WorkflowTransition.project_id, project_id)
        count, rows = await self._page(stmt, params)
        return count, [(row[0], row[1], row[2]) for row in rows]

    async def add_transition(self, data: s.TransitionCreate) -> tuple[m.WorkflowTransition, str, str]:
        """Allow moving from one status to another (project admins)."""
        project, _ = await self.ctx.policy.project(data.project, Level.MANAGE)
        if data.from_status == data.to_status:
            raise FieldErrors({"to_status": ["A transition goes to another status."]})
        statuses = {st.id: st for st in await self._statuses(project.id)}
        for field, value in (("from_status", data.from_status), ("to_status", data.to_status)):
            if value not in statuses:
                raise FieldErrors({field: ["Choose an active status of this project."]})
        exists = await self.ctx.session.scalar(
            select(m.WorkflowTransition.id).where(
                m.WorkflowTransition.project_id == project.id,
                m.WorkflowTransition.from_status_id == data.from_status,
                m.WorkflowTransition.to_status_id == data.to_status,
            )
        )
        if exists:
            raise FieldErrors({"to_status": ["This transition already exists."]})
        transition = m.WorkflowTransition(
            project_id=project.id, from_status_id=data.from_status, to_status_id=data.to_status, name=data.name
        )
        self.ctx.session.add(transition)
        await self.ctx.session.flush()
        await self._log(project, "created", "workflow_transition", transition)
        await self.ctx.commit()
        return transition, statuses[data.from_status].name, statuses[data.to_status].name

    async def remove_transition(self, transition_id: uuid.UUID) -> None:
        """Forbid a move again (project admins)."""
        transition = await self.ctx.session.get(m.WorkflowTransition, transition_id)
        if transition is None:
            raise NotFound
        project, _ = await self.ctx.policy.project(transition.project_id, Level.MANAGE)
        await self._log(project, "deleted", "workflow_transition", transition)
        await self.ctx.session.delete(transition)
        await self.ctx.commit()
