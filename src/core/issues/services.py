"""Issue rules: keys from an atomic per-project counter, validated workflow moves, assignment, lifecycle events."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import and_, exists, func, or_, select, update

from core.access import Level
from core.activity import jsonable, record_activity
from core.db import models as m
from core.dispatch import record_event
from core.events import IssueAssigned, IssueCreated, IssueDeleted, IssueTransitioned, IssueUpdated
from core.http.errors import FieldErrors, NotFound
from core.http.params import optional_uuid
from core.issues.queries import PRIORITIES, IssueRow, apply_issue_filters, issue_select, order_issues
from core.workflow.services import allowed_targets

if TYPE_CHECKING:
    from collections.abc import Mapping

    from core.context import RequestCtx
    from core.http.pagination import PageParams
    from core.issues import schemas as s

__all__ = ("IssueService", "assignable", "resolve_user")

_PRIORITY_WORDS = {"critical": "P1", "highest": "P0", "high": "P2", "medium": "P3", "low": "P4", "lowest": "P4"}
_TYPE_PREFERENCE = ("task", "story", "bug", "improvement", "epic", "sub_task")
_MAX_PARENT_DEPTH = 50


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def normalize_priority(value: str) -> str:
    """``P0``..``P4`` (also accepts ``p2`` and words like ``high``)."""
    value = value.strip()
    normalized = _PRIORITY_WORDS.get(value.lower(), value.upper())
    if normalized not in PRIORITIES:
        raise FieldErrors({"priority": [f"{value!r} is not a valid priority. Choose from: {', '.join(PRIORITIES)}."]})
    return normalized


def _decimal(value: float | None) -> decimal.Decimal | None:
    return None if value is None else decimal.Decimal(str(round(value, 2)))


async def resolve_user(session: Any, ref: str | int, field: str) -> m.User:
    """A user by ``user_uuid``, integer id, or integer id as a string.

    Raises:
        FieldErrors: no such active user.
    """
    user: m.User | None = None
    text = str(ref).strip()
    if isinstance(ref, int) or text.isdigit():
        if int(text) < 2**63:
            user = await session.get(m.User, int(text))
    else:
        try:
            user_uuid = uuid.UUID(text)
        except ValueError:
            raise FieldErrors({field: [f"{text[:64]!r} is neither a user id nor a user UUID."]}) from None
        user = await session.scalar(select(m.User).where(m.User.user_uuid == user_uuid))
    if user is None or not user.is_active:
        raise FieldErrors({field: ["User not found or inactive."]})
    return user


def assignable(project: m.Project, organization_id: uuid.UUID) -> Any:
    """A filter on users who may be assigned in ``project``.

    They are active members of its workspace or of the project itself, and still active in the organization.
    """
    return and_(
        m.User.is_active.is_(True),
        exists().where(
            m.OrgMember.user_id == m.User.id,
            m.OrgMember.organization_id == organization_id,
            m.OrgMember.is_active.is_(True),
        ),
        or_(
            exists().where(
                m.WorkspaceMember.user_id == m.User.id,
                m.WorkspaceMember.workspace_id == project.workspace_id,
                m.WorkspaceMember.is_active.is_(True),
            ),
            exists().where(
                m.ProjectMember.user_id == m.User.id,
                m.ProjectMember.project_id == project.id,
                m.ProjectMember.is_active.is_(True),
            ),
        ),
    )


class IssueService:
    """Issues of the projects the caller may see (and work in)."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    # --- reading --------------------------------------------------------------------------------------------

    async def list(
        self, params: PageParams, query: Mapping[str, str], ordering: str | None
    ) -> tuple[int, list[IssueRow]]:
        """Visible issues matching the contract's filters, one page, in two statements."""
        stmt = issue_select().where(m.Issue.project_id.in_(self.ctx.policy.visible_project_ids()))
        if board_ref := query.get("board"):
            stmt = await self._board_scope(stmt, board_ref)
        stmt = apply_issue_filters(stmt, query)
        ids = stmt.with_only_columns(m.Issue.id, maintain_column_froms=True)
        count = await self.ctx.session.scalar(select(func.count()).select_from(ids.order_by(None).subquery()))
        # Pick the page's ids first, then load everything (joins, counts) for those rows only: otherwise the
        # database computes the nested objects and counts of every matching issue before sorting.
        page_ids = order_issues(ids, ordering).offset(params.offset).limit(params.limit)
        page = issue_select().where(m.Issue.id.in_(page_ids))
        rows = (await self.ctx.session.execute(order_issues(page, ordering))).all()
        return count or 0, list(rows)

    async def _board_scope(self, stmt: Any, board_ref: str) -> Any:
        """``?board=``: the board's project's issues, narrowed by the board's saved filter."""
        board_id = optional_uuid(board_ref, "board")
        if board_id is None:
            return stmt
        board = await self.ctx.session.get(m.Board, board_id)
        visible = board is not None and (
            await self.ctx.session.scalar(
                select(m.Project.id).where(m.Project.id == board.project_id, self.ctx.policy.project_visible())
            )
        )
        if board is None or not visible:
            # The same answer for a board that does not exist and one the caller may not see.
            raise FieldErrors({"board": ["Board not found."]})
        stmt = stmt.where(m.Issue.project_id == board.project_id)
        saved = board.saved_filter if isinstance(board.saved_filter, dict) else {}

        def listed(key: str) -> list[Any]:
            value = saved.get(key)
            return value if isinstance(value, list) else [value] if value else []

        if priorities := listed("priority"):
            stmt = stmt.where(m.Issue.priority.in_([str(p).upper() for p in priorities]))
        if assignees := listed("assignee"):
            ids = [int(a) for a in assignees if str(a).isdigit()]
            uuids = [optional_uuid(str(a), "assignee") for a in assignees if not str(a).isdigit()]
            stmt = stmt.where(
                or_(
                    m.Issue.assignee_id.in_(ids),
                    m.Issue.assignee_id.in_(select(m.User.id).where(m.User.user_uuid.in_([u for u in uuids if u]))),
                )
            )
        if types := listed("issue_type"):
            type_ids = [optional_uuid(str(t), "issue_type") for t in types]
            stmt = stmt.where(m.Issue.issue_type_id.in_([t for t in type_ids if t]))
        return stmt

    async def row(self, issue_id: uuid.UUID) -> IssueRow:
        """One active issue with everything its shape shows (no access check: callers check first)."""
        result: IssueRow | None = (await self.ctx.session.execute(issue_select().where(m.Issue.id == issue_id))).first()
        if result is None:
            raise NotFound
        return result

    async def get(self, issue_id: uuid.UUID, need: Level = Level.READ) -> tuple[m.Issue, m.Project, Level]:
        """An active issue of a project the caller may see (and work in, with ``need``)."""
        issue = await self.ctx.session.get(m.Issue, issue_id)
        if issue is None or not issue.is_active:
            raise NotFound
        project, level = await self.ctx.policy.project(issue.project_id, need)
        return issue, project, level

    async def detail(self, issue_id: uuid.UUID) -> IssueRow:
        """A visible issue with its nested objects."""
        await self.get(issue_id)
        return await self.row(issue_id)

    # --- helpers --------------------------------------------------------------------------------------------

    async def organization_id(self, project: m.Project) -> uuid.UUID:
        """The organization a project belongs to."""
        org_id = await self.ctx.session.scalar(
            select(m.Workspace.organization_id).where(m.Workspace.id == project.workspace_id)
        )
        if org_id is None:
            raise NotFound
        return org_id

    async def _issue_type(self, project: m.Project, ref: str | None) -> m.IssueType:
        types = list(
            (
                await self.ctx.session.scalars(
                    select(m.IssueType).where(m.IssueType.project_id == project.id, m.IssueType.is_active.is_(True))
                )
            ).all()
        )
        if not types:
            raise FieldErrors({"issue_type": ["This project has no issue types."]})
        if ref is None or not str(ref).strip():
            for category in _TYPE_PREFERENCE:
                for issue_type in types:
                    if issue_type.category == category:
                        return issue_type
            return types[0]
        text = str(ref).strip()
        try:
            wanted = uuid.UUID(text)
        except ValueError:
            lowered = text.lower().replace("-", "_").replace(" ", "_")
            by_name = [t for t in types if t.name.lower() == text.lower()]
            by_category = sorted(
                (t for t in types if t.category == lowered), key=lambda t: (not t.is_default, t.created_at)
            )
            if by_name or by_category:
                return (by_name or by_category)[0]
        else:
            for issue_type in types:
                if issue_type.id == wanted:
                    return issue_type
        names = ", ".join(sorted(t.name for t in types))
        raise FieldErrors({"issue_type": [f"Not an issue type of this project. Choose from: {names}."]})

    async def _status(self, project: m.Project, status_id: uuid.UUID | None) -> m.WorkflowStatus:
        stmt = select(m.WorkflowStatus).where(
            m.WorkflowStatus.project_id == project.id, m.WorkflowStatus.is_active.is_(True)
        )
        if status_id is None:
            status = await self.ctx.session.scalar(
                stmt.order_by(m.WorkflowStatus.is_initial.desc(), m.WorkflowStatus.order).limit(1)
            )
            if status is None:
                raise FieldErrors({"status": ["This project has no workflow statuses."]})
            return status
        status = await self.ctx.session.scalar(stmt.where(m.WorkflowStatus.id == status_id))
        if status is None:
            raise FieldErrors({"status": ["Not a status of this project."]})
        return status

    async def _assignee(self, project: m.Project, org_id: uuid.UUID, ref: str | int, field: str = "assignee") -> m.User:
        user = await resolve_user(self.ctx.session, ref, field)
        allowed = await self.ctx.session.scalar(
            select(m.User.id).where(m.User.id == user.id, assignable(project, org_id))
        )
        if allowed is None:
            raise FieldErrors({field: ["Only members of this project or its workspace can be assigned."]})
        return user

    async def _parent(self, project: m.Project, parent_id: uuid.UUID, issue_id: uuid.UUID | None) -> m.Issue:
        parent = await self.ctx.session.get(m.Issue, parent_id)
        if parent is None or not parent.is_active or parent.project_id != project.id:
            raise FieldErrors({"parent_issue": ["Choose an issue of the same project."]})
        if issue_id is not None:
            cursor: m.Issue | None = parent
            for _ in range(_MAX_PARENT_DEPTH):
                if cursor is None:
                    break
                if cursor.id == issue_id:
                    raise FieldErrors({"parent_issue": ["An issue cannot be its own ancestor."]})
                cursor = await self.ctx.session.get(m.Issue, cursor.parent_id) if cursor.parent_id else None
        return parent

    async def _sprint(self, project: m.Project, sprint_id: uuid.UUID) -> m.Sprint:
        sprint = await self.ctx.session.get(m.Sprint, sprint_id)
        if sprint is None or sprint.project_id != project.id:
            raise FieldErrors({"sprint": ["Choose a sprint of the same project."]})
        if sprint.status == "completed":
            raise FieldErrors({"sprint": ["This sprint is completed."]})
        return sprint

    async def _next_number(self, project_id: uuid.UUID) -> int:
        # One UPDATE: the row lock it takes serialises concurrent creates in a project until commit, so numbers
        # are distinct and gapless, and a rollback gives the number back.
        number = await self.ctx.session.scalar(
            update(m.Project)
            .where(m.Project.id == project_id)
            .values(issue_counter=m.Project.issue_counter + 1)
            .returning(m.Project.issue_counter)
        )
        if number is None:
            raise NotFound
        return int(number)

    def event_ids(self, issue: m.Issue, project: m.Project, org_id: uuid.UUID) -> dict[str, Any]:
        """The fields every issue event carries."""
        return {
            "issue_id": issue.id,
            "issue_key": f"{project.key}-{issue.number}",
            "project_id": project.id,
            "workspace_id": project.workspace_id,
            "organization_id": org_id,
            "actor_id": self.ctx.user.id,
        }

    def log(
        self,
        issue: m.Issue,
        project: m.Project,
        org_id: uuid.UUID,
        action: str,
        changes: dict[str, Any] | None = None,
    ) -> m.Activity:
        """Add the activity row for a change to ``issue`` (committed with it)."""
        return record_activity(
            self.ctx.session,
            actor=self.ctx.user,
            action=action,
            object_type="issue",
            object_id=issue.id,
            object_repr=f"{project.key}-{issue.number}: {issue.title}",
            object_url=f"/projects/{project.id}/issues/{issue.id}",
            changes=changes,
            organization_id=org_id,
            workspace_id=project.workspace_id,
            project_id=project.id,
            ip_address=self.ctx.ip,
        )

    # --- writing --------------------------------------------------------------------------------------------

    async def create(self, data: s.IssueCreate) -> IssueRow:
        """Create an issue (project members who may write); the caller is the reporter."""
        project, _ = await self.ctx.policy.project(data.project, Level.WRITE)
        org_id = await self.organization_id(project)
        issue_type = await self._issue_type(project, data.issue_type)
        status = await self._status(project, data.status)
        assignee = await self._assignee(project, org_id, data.assignee) if data.assignee is not None else None
        if data.parent_issue is not None:
            await self._parent(project, data.parent_issue, None)
        if data.sprint is not None:
            await self._sprint(project, data.sprint)
        number = await self._next_number(project.id)
        issue = m.Issue(
            project_id=project.id,
            number=number,
            title=data.title.strip(),
            description=data.description or "",
            issue_type_id=issue_type.id,
            status_id=status.id,
            priority=normalize_priority(data.priority),
            assignee_id=assignee.id if assignee else None,
            reporter_id=self.ctx.user.id,
            parent_id=data.parent_issue,
            sprint_id=data.sprint,
            story_points=_decimal(data.story_points),
            estimated_hours=_decimal(data.estimated_hours),
            actual_hours=_decimal(data.actual_hours),
            due_date=data.due_date,
            labels=sorted(set(data.labels)),
            rank=float(number),
            resolved_at=_now() if status.is_final else None,
        )
        self.ctx.session.add(issue)
        await self.ctx.session.flush()
        row = self.log(issue, project, org_id, "created")
        record_event(
            self.ctx.session,
            IssueCreated(
                **self.event_ids(issue, project, org_id),
                title=issue.title,
                reporter_id=issue.reporter_id,
                assignee_id=issue.assignee_id,
                status_id=issue.status_id,
                sprint_id=issue.sprint_id,
            ),
            row,
        )
        await self.ctx.commit()
        return await self.row(issue.id)

    async def update(self, issue_id: uuid.UUID, data: s.IssueUpdate) -> IssueRow:
        """Apply the fields sent; a status change must be an allowed transition."""
        issue, project, _ = await self.get(issue_id, Level.WRITE)
        org_id = await self.organization_id(project)
        sent = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        changes: dict[str, dict[str, Any]] = {}

        def change(field: str, new: Any) -> None:
            old = getattr(issue, field)
            if old != new:
                changes[field] = {"old": jsonable(old), "new": jsonable(new)}
                setattr(issue, field, new)

        if "title" in sent:
            change("title", sent["title"].strip())
        if "description" in sent:
            change("description", sent["description"] or "")
        if "issue_type" in sent:
            change("issue_type_id", (await self._issue_type(project, sent["issue_type"])).id)
        if "priority" in sent:
            change("priority", normalize_priority(sent["priority"]))
        if "parent_issue" in sent:
            parent_id = sent["parent_issue"]
            if parent_id is not None:
                await self._parent(project, parent_id, issue.id)
            change("parent_id", parent_id)
        if "sprint" in sent:
            if sent["sprint"] is not None:
                await self._sprint(project, sent["sprint"])
            change("sprint_id", sent["sprint"])
        for field in ("story_points", "estimated_hours", "actual_hours"):
            if field in sent:
                change(field, _decimal(sent[field]))
        if "due_date" in sent:
            change("due_date", sent["due_date"])
        if "labels" in sent:
            change("labels", sorted(set(sent["labels"] or [])))
        if changes:
            row = self.log(issue, project, org_id, "updated", changes)
            record_event(self.ctx.session, IssueUpdated(**self.event_ids(issue, project, org_id), changes=changes), row)
        if "assignee" in sent:
            await self._set_assignee(issue, project, org_id, sent["assignee"])
        if sent.get("status") is not None:
            await self._move(issue, project, org_id, sent["status"])
        await self.ctx.commit()
        return await self.row(issue.id)

    async def _set_assignee(self, issue: m.Issue, project: m.Project, org_id: uuid.UUID, ref: str | int | None) -> None:
        user = await self._assignee(project, org_id, ref) if ref is not None and str(ref).strip() else None
        new_id = user.id if user else None
        if new_id == issue.assignee_id:
            return
        previous = issue.assignee_id
        issue.assignee_id = new_id
        row = self.log(issue, project, org_id, "assigned", {"assignee": {"old": previous, "new": new_id}})
        record_event(
            self.ctx.session,
            IssueAssigned(**self.event_ids(issue, project, org_id), previous_assignee_id=previous, assignee_id=new_id),
            row,
        )

    async def _move(self, issue: m.Issue, project: m.Project, org_id: uuid.UUID, status_id: uuid.UUID) -> bool:
        """Move ``issue`` to ``status_id`` if the workflow allows it; a move to the current status is a no-op."""
        if status_id == issue.status_id:
            return False
        targets = await allowed_targets(self.ctx.session, project.id, issue.status_id)
        target = next((st for st in targets if st.id == status_id), None)
        if target is None:
            current = await self.ctx.session.get(m.WorkflowStatus, issue.status_id)
            names = ", ".join(f"{st.name} ({st.id})" for st in targets) or "none"
            where = current.name if current else "its current status"
            raise FieldErrors({"status": [f"An issue in {where} cannot move there. Allowed: {names}."]})
        previous = issue.status_id
        issue.status_id = target.id
        issue.resolved_at = _now() if target.is_final else None
        row = self.log(
            issue, project, org_id, "transitioned", {"status": {"old": str(previous), "new": str(target.id)}}
        )
        record_event(
            self.ctx.session,
            IssueTransitioned(
                **self.event_ids(issue, project, org_id),
                from_status_id=previous,
                to_status_id=target.id,
                to_status_name=target.name,
                is_final=target.is_final,
            ),
            row,
        )
        return True

    async def transition(self, issue_id: uuid.UUID, status_id: uuid.UUID | None) -> IssueRow:
        """Move an issue along the workflow."""
        if status_id is None:
            raise FieldErrors({"transition": ["Give the target status id."]})
        issue, project, _ = await self.get(issue_id, Level.WRITE)
        org_id = await self.organization_id(project)
        await self._move(issue, project, org_id, status_id)
        await self.ctx.commit()
        return await self.row(issue.id)

    async def move_to(self, issue: m.Issue, project: m.Project, status_id: uuid.UUID) -> bool:
        """Move an already-loaded issue (boards use this); does not commit."""
        return await self._move(issue, project, await self.organization_id(project), status_id)

    async def assign(self, issue_id: uuid.UUID, data: s.AssignBody) -> IssueRow:
        """Assign to a member; ``{}`` picks the least-loaded member, ``null`` unassigns."""
        issue, project, _ = await self.get(issue_id, Level.WRITE)
        org_id = await self.organization_id(project)
        ref = data.assignee
        if ref is msgspec.UNSET:
            ref = await self._least_loaded(project, org_id)
        await self._set_assignee(issue, project, org_id, ref)
        await self.ctx.commit()
        return await self.row(issue.id)

    async def _least_loaded(self, project: m.Project, org_id: uuid.UUID) -> int:
        open_issues = (
            select(func.count(m.Issue.id))
            .join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id)
            .where(
                m.Issue.assignee_id == m.User.id,
                m.Issue.project_id == project.id,
                m.Issue.is_active.is_(True),
                m.WorkflowStatus.is_final.is_(False),
            )
            .correlate(m.User)
            .scalar_subquery()
        )
        user_id = await self.ctx.session.scalar(
            select(m.User.id).where(assignable(project, org_id)).order_by(open_issues, m.User.id).limit(1)
        )
        if user_id is None:
            raise FieldErrors({"assignee": ["This project has no members to assign."]})
        return int(user_id)

    async def set_priority(self, issue_id: uuid.UUID, priority: str) -> IssueRow:
        """Change the priority."""
        return await self.update(issue_id, _priority_update(priority))

    async def delete(self, issue_id: uuid.UUID) -> None:
        """Delete an issue: its reporter or a project admin (soft delete: its key is never reused)."""
        issue, project, level = await self.get(issue_id, Level.WRITE)
        if level < Level.MANAGE and issue.reporter_id != self.ctx.user.id:
            raise NotFound("Only the reporter or a project admin can delete this issue.")
        org_id = await self.organization_id(project)
        issue.is_active = False
        row = self.log(issue, project, org_id, "deleted")
        record_event(self.ctx.session, IssueDeleted(**self.event_ids(issue, project, org_id)), row)
        await self.ctx.commit()


def _priority_update(priority: str) -> s.IssueUpdate:
    from core.issues.schemas import IssueUpdate

    return IssueUpdate(priority=priority)
