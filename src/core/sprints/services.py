"""Sprint rules: one active sprint per project, points frozen at start and completion, issues in and out with history.

Every change of an issue's sprint writes an activity row on the issue (``sprint_added`` / ``sprint_removed``,
changes ``{"sprint": {"old", "new"}}``) and records an ``IssueUpdated`` event with the same change, so the live
board follows and the burndown can be rebuilt from the log.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import func, select, update

from core.access import Level
from core.activity import diff, jsonable, record_activity
from core.db import models as m
from core.dispatch import record_event
from core.events import IssueUpdated, SprintCompleted, SprintStarted
from core.http.errors import ApplicationError, FieldErrors, NotFound
from core.http.query import apply_ordering, apply_search
from core.issues.queries import IssueRow, issue_select, order_issues
from core.issues.services import IssueService
from core.sprints import schemas as s
from core.sprints.history import IssueState, end_of_day, load_history, load_statuses, today
from core.sprints.presenters import duration_days, number, percent, remaining_days
from core.sprints.queries import SPRINT_ORDERING, SprintRow, sprint_select

if TYPE_CHECKING:
    from core.context import RequestCtx
    from core.http.pagination import PageParams

__all__ = ("SPRINT_STATUSES", "SprintService", "parse_date")

SPRINT_STATUSES = ("planning", "active", "completed")
_BLANK = ("", "null", "none", "undefined")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def parse_date(value: str | None, field: str) -> datetime.date | None:
    """A date from ``"YYYY-MM-DD"`` (or the date part of an ISO date-time); blank means none.

    Raises:
        FieldErrors: anything else.
    """
    if value is None or value.strip().lower() in _BLANK:
        return None
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise FieldErrors({field: ["Use a date in the form YYYY-MM-DD."]}) from None


def _check_dates(start: datetime.date | None, end: datetime.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise FieldErrors({"end_date": ["The end date cannot be before the start date."]})


def _status_choice(value: str) -> str:
    status = value.strip().lower()
    if status not in SPRINT_STATUSES:
        raise FieldErrors(
            {"status": [f"{value[:32]!r} is not a valid status. Choose from: {', '.join(SPRINT_STATUSES)}."]}
        )
    return status


class SprintService:
    """Sprints of the projects the caller may see (and work in)."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx
        self.issues = IssueService(ctx)

    # --- reading --------------------------------------------------------------------------------------------

    async def page(
        self,
        params: PageParams,
        *,
        project: uuid.UUID | None,
        status: str | None,
        search: str | None,
        ordering: str | None,
    ) -> tuple[int, list[SprintRow]]:
        """Visible sprints (one page, with every count) and how many there are: two statements whatever the size."""
        stmt = sprint_select().where(m.Sprint.project_id.in_(self.ctx.policy.visible_project_ids()))
        if project is not None:
            stmt = stmt.where(m.Sprint.project_id == project)
        if status and status.strip():
            stmt = stmt.where(m.Sprint.status == _status_choice(status))
        stmt = apply_search(stmt, search, [m.Sprint.name, m.Sprint.goal])
        count = await self.ctx.session.scalar(
            select(func.count()).select_from(
                stmt.with_only_columns(m.Sprint.id, maintain_column_froms=True).order_by(None).subquery()
            )
        )
        stmt = apply_ordering(
            stmt, ordering, SPRINT_ORDERING, default=[m.Sprint.created_at.desc()], tiebreaker=m.Sprint.id
        )
        rows = (await self.ctx.session.execute(stmt.offset(params.offset).limit(params.limit))).all()
        return count or 0, list(rows)

    async def row(self, sprint_id: uuid.UUID) -> SprintRow:
        """One sprint with its counts (no access check: callers check first)."""
        result: SprintRow | None = (
            await self.ctx.session.execute(sprint_select().where(m.Sprint.id == sprint_id))
        ).first()
        if result is None:
            raise NotFound
        return result

    async def get(self, sprint_id: uuid.UUID, need: Level = Level.READ) -> tuple[m.Sprint, m.Project, Level]:
        """A sprint of a project the caller may see (and work in, with ``need``)."""
        sprint = await self.ctx.session.get(m.Sprint, sprint_id)
        if sprint is None:
            raise NotFound
        project, level = await self.ctx.policy.project(sprint.project_id, need)
        return sprint, project, level

    async def detail(self, sprint_id: uuid.UUID) -> SprintRow:
        """A visible sprint with its counts."""
        await self.get(sprint_id)
        return await self.row(sprint_id)

    async def issue_page(
        self, sprint_id: uuid.UUID, params: PageParams, ordering: str | None
    ) -> tuple[int, list[IssueRow]]:
        """The sprint's issues, one page, in the issue list's shape (rank order by default)."""
        await self.get(sprint_id)
        ordering = ordering or "rank"
        ids = (
            issue_select()
            .where(m.Issue.sprint_id == sprint_id)
            .with_only_columns(m.Issue.id, maintain_column_froms=True)
        )
        count = await self.ctx.session.scalar(select(func.count()).select_from(ids.order_by(None).subquery()))
        page_ids = order_issues(ids, ordering).offset(params.offset).limit(params.limit)
        rows = (
            await self.ctx.session.execute(order_issues(issue_select().where(m.Issue.id.in_(page_ids)), ordering))
        ).all()
        return count or 0, list(rows)

    async def progress(self, sprint_id: uuid.UUID) -> s.SprintProgress:
        """Issues and points done and left, now."""
        await self.get(sprint_id)
        row = await self.row(sprint_id)
        total, done = int(row.issue_count or 0), int(row.done_count or 0)
        total_points, done_points = number(row.total_points), number(row.done_points)
        return s.SprintProgress(
            sprint_id=row.id,
            sprint_name=row.name,
            status=row.status,
            total_issues=total,
            completed_issues=done,
            remaining_issues=total - done,
            total_story_points=total_points,
            completed_story_points=done_points,
            remaining_story_points=number(total_points - done_points),
            completion_percentage=percent(done, total),
            points_completion_percentage=percent(done_points, total_points),
            duration_days=duration_days(row.start_date, row.end_date),
            remaining_days=remaining_days(row.status, row.end_date),
        )

    async def burndown(self, sprint_id: uuid.UUID) -> s.SprintBurndown:
        """The ideal line, and the actual remaining points at the end of each day so far, rebuilt from the log.

        ``total_points`` is the commitment frozen at start (before the start: the points in the sprint now). A
        completed sprint's line stops at its completion, just before its unfinished issues left it.

        Raises:
            ApplicationError: the sprint has no start or end date.
        """
        sprint, project, _ = await self.get(sprint_id)
        if sprint.start_date is None or sprint.end_date is None:
            msg = "This sprint needs a start date and an end date for a burndown chart."
            raise ApplicationError(msg)
        start, end = sprint.start_date, sprint.end_date
        length = max((end - start).days, 0)
        row = await self.row(sprint.id)
        total = number(row.total_points if sprint.status == "planning" else sprint.committed_points)
        ideal = [
            s.BurndownPoint(
                day=day,
                date=start + datetime.timedelta(days=day),
                remaining_points=round(total * (1 - day / length), 2) if length else total,
            )
            for day in range(length + 1)
        ]
        now = _now()
        stop = sprint.completed_at if sprint.status == "completed" and sprint.completed_at else now
        last_day = min(end, today(), stop.date())
        days = [start + datetime.timedelta(days=day) for day in range((last_day - start).days + 1)]
        moments = [min(end_of_day(day), stop) for day in days]
        actual: list[s.BurndownPoint] = []
        if moments:
            statuses = await load_statuses(self.ctx.session, project.id)
            history = await load_history(self.ctx.session, project.id, min(moments))

            def remaining(states: list[IssueState]) -> float:
                return sum(
                    st.points
                    for st in states
                    if st.sprint_id == sprint.id and not (st.status_id in statuses and statuses[st.status_id].is_final)
                )

            values = history.at(moments, remaining)
            actual = [
                s.BurndownPoint(day=(day - start).days, date=day, remaining_points=round(value, 2))
                for day, value in zip(days, values, strict=True)
            ]
        return s.SprintBurndown(
            sprint_id=sprint.id,
            sprint_name=sprint.name,
            start_date=start,
            end_date=end,
            total_points=total,
            ideal_line=ideal,
            actual_line=actual,
        )

    # --- helpers --------------------------------------------------------------------------------------------

    def _log(
        self,
        sprint: m.Sprint,
        project: m.Project,
        org_id: uuid.UUID,
        action: str,
        changes: dict[str, Any] | None = None,
    ) -> m.Activity:
        return record_activity(
            self.ctx.session,
            actor=self.ctx.user,
            action=action,
            object_type="sprint",
            object_id=sprint.id,
            object_repr=f"{project.key}: {sprint.name}",
            object_url=f"/projects/{project.id}",
            changes=changes,
            organization_id=org_id,
            workspace_id=project.workspace_id,
            project_id=project.id,
            ip_address=self.ctx.ip,
        )

    async def _name_taken(self, project_id: uuid.UUID, name: str, own: uuid.UUID | None = None) -> bool:
        stmt = select(m.Sprint.id).where(m.Sprint.project_id == project_id, m.Sprint.name == name)
        if own is not None:
            stmt = stmt.where(m.Sprint.id != own)
        return await self.ctx.session.scalar(stmt.limit(1)) is not None

    async def _lock_project(self, project_id: uuid.UUID) -> None:
        """Serialise sprint state changes of one project until commit (PostgreSQL row lock; SQLite has one writer)."""
        await self.ctx.session.execute(select(m.Project.id).where(m.Project.id == project_id).with_for_update())

    async def _issue_of(self, project: m.Project, issue_id: uuid.UUID) -> m.Issue:
        issue = await self.ctx.session.get(m.Issue, issue_id)
        if issue is None or not issue.is_active or issue.project_id != project.id:
            raise FieldErrors({"issue_id": ["Choose an issue of this sprint's project."]})
        return issue

    def _move_issue(
        self,
        issue: m.Issue,
        project: m.Project,
        org_id: uuid.UUID,
        target: uuid.UUID | None,
        actions: tuple[str, ...],
    ) -> None:
        """Put ``issue`` in sprint ``target`` (None = the backlog), log it on the issue and tell the board."""
        changes: dict[str, dict[str, Any]] = {"sprint": {"old": jsonable(issue.sprint_id), "new": jsonable(target)}}
        issue.sprint_id = target
        row = None
        for action in actions:
            row = self.issues.log(issue, project, org_id, action, changes)
        record_event(
            self.ctx.session,
            IssueUpdated(**self.issues.event_ids(issue, project, org_id), changes=changes),
            row,
        )

    async def _points_in(self, sprint_id: uuid.UUID) -> tuple[int, decimal.Decimal]:
        count, points = (
            await self.ctx.session.execute(
                select(func.count(m.Issue.id), func.coalesce(func.sum(m.Issue.story_points), 0)).where(
                    m.Issue.sprint_id == sprint_id, m.Issue.is_active.is_(True)
                )
            )
        ).one()
        return int(count or 0), decimal.Decimal(str(points or 0))

    # --- writing --------------------------------------------------------------------------------------------

    async def create(self, data: s.SprintCreate) -> SprintRow:
        """Create a planning sprint (project members who may write).

        Raises:
            NotFound: the project is invisible, or the caller may not work in it.
            FieldErrors: a blank or taken name, bad dates, or an end before the start.
        """
        project, _ = await self.ctx.policy.project(data.project, Level.WRITE)
        name = data.name.strip()
        if not name:
            raise FieldErrors({"name": ["This field may not be blank."]})
        if await self._name_taken(project.id, name):
            raise FieldErrors({"name": [f"A sprint named {name!r} already exists in this project."]})
        start = parse_date(data.start_date, "start_date")
        end = parse_date(data.end_date, "end_date")
        _check_dates(start, end)
        sprint = m.Sprint(
            project_id=project.id,
            name=name,
            goal=data.goal or "",
            status="planning",
            start_date=start,
            end_date=end,
            committed_points=decimal.Decimal(0),
            completed_points=decimal.Decimal(0),
            created_by_id=self.ctx.user.id,
        )
        self.ctx.session.add(sprint)
        await self.ctx.session.flush()
        self._log(sprint, project, await self.issues.organization_id(project), "created")
        await self.ctx.commit()
        return await self.row(sprint.id)

    async def update(self, sprint_id: uuid.UUID, data: s.SprintUpdate) -> SprintRow:
        """Rename, change the goal or the dates (a completed sprint keeps its dates).

        Raises:
            NotFound: invisible, or the caller may not work in the project.
            FieldErrors: a blank or taken name, bad dates, or a date change on a completed sprint.
        """
        sprint, project, _ = await self.get(sprint_id, Level.WRITE)
        sent = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        values: dict[str, Any] = {}
        if "name" in sent:
            name = sent["name"].strip()
            if not name:
                raise FieldErrors({"name": ["This field may not be blank."]})
            if name != sprint.name and await self._name_taken(project.id, name, sprint.id):
                raise FieldErrors({"name": [f"A sprint named {name!r} already exists in this project."]})
            values["name"] = name
        if "goal" in sent:
            values["goal"] = sent["goal"] or ""
        for field in ("start_date", "end_date"):
            if field not in sent:
                continue
            value = parse_date(sent[field], field)
            if value != getattr(sprint, field):
                if sprint.status == "completed":
                    raise FieldErrors({field: ["The dates of a completed sprint cannot change."]})
                if value is None and sprint.status == "active":
                    raise FieldErrors({field: ["An active sprint keeps its dates; change them instead."]})
            values[field] = value
        _check_dates(values.get("start_date", sprint.start_date), values.get("end_date", sprint.end_date))
        changes = diff(sprint, values)
        if changes:
            for field, value in values.items():
                setattr(sprint, field, value)
            self._log(sprint, project, await self.issues.organization_id(project), "updated", changes)
            await self.ctx.commit()
        return await self.row(sprint.id)

    async def delete(self, sprint_id: uuid.UUID) -> None:
        """Delete a sprint that is not active (project admins); its issues go back to the backlog.

        Raises:
            NotFound: invisible, or the caller does not manage the project.
            ApplicationError: the sprint is active.
        """
        sprint, project, _ = await self.get(sprint_id, Level.MANAGE)
        if sprint.status == "active":
            msg = f"Sprint {sprint.name!r} is active: complete it before deleting it."
            raise ApplicationError(msg)
        org_id = await self.issues.organization_id(project)
        issues = (
            await self.ctx.session.scalars(
                select(m.Issue)
                .where(m.Issue.sprint_id == sprint.id, m.Issue.is_active.is_(True))
                .order_by(m.Issue.number)
            )
        ).all()
        for issue in issues:
            self._move_issue(issue, project, org_id, None, ("sprint_removed",))
        await self.ctx.session.flush()
        # Deleted issues keep no reference to the sprint either (no history needed: they are gone).
        await self.ctx.session.execute(update(m.Issue).where(m.Issue.sprint_id == sprint.id).values(sprint_id=None))
        self._log(sprint, project, org_id, "deleted", {"issues_moved_to_backlog": len(issues)})
        await self.ctx.session.delete(sprint)
        await self.ctx.commit()

    async def start(self, sprint_id: uuid.UUID) -> SprintRow:
        """Start a planning sprint: its story points are committed (frozen) now; today is the start if none was set.

        Raises:
            NotFound: invisible, or the caller may not work in the project.
            ApplicationError: already active or completed, another sprint is active, or the sprint has no issues.
        """
        sprint, project, _ = await self.get(sprint_id, Level.WRITE)
        await self._lock_project(project.id)
        await self.ctx.session.refresh(sprint)
        if sprint.status == "active":
            msg = f"Sprint {sprint.name!r} is already active."
            raise ApplicationError(msg)
        if sprint.status == "completed":
            msg = f"Sprint {sprint.name!r} is completed and cannot be started again."
            raise ApplicationError(msg)
        active = await self.ctx.session.scalar(
            select(m.Sprint.name).where(
                m.Sprint.project_id == project.id, m.Sprint.status == "active", m.Sprint.id != sprint.id
            )
        )
        if active is not None:
            msg = f"Sprint {active!r} is already active in this project: complete it before starting another."
            raise ApplicationError(msg)
        issue_count, points = await self._points_in(sprint.id)
        if issue_count == 0:
            msg = "Add at least one issue to the sprint before starting it."
            raise ApplicationError(msg)
        start = sprint.start_date or today()
        if sprint.end_date is not None and sprint.end_date < start:
            raise FieldErrors({"end_date": ["The end date is before today, the start date: change it first."]})
        sprint.status = "active"
        sprint.start_date = start
        sprint.started_at = _now()
        sprint.committed_points = points
        org_id = await self.issues.organization_id(project)
        row = self._log(
            sprint,
            project,
            org_id,
            "started",
            {"status": {"old": "planning", "new": "active"}, "committed_points": {"old": None, "new": float(points)}},
        )
        record_event(
            self.ctx.session,
            SprintStarted(
                sprint_id=sprint.id,
                sprint_name=sprint.name,
                project_id=project.id,
                workspace_id=project.workspace_id,
                organization_id=org_id,
                actor_id=self.ctx.user.id,
                start_date=sprint.start_date,
                end_date=sprint.end_date,
                committed_points=float(points),
                issue_count=issue_count,
            ),
            row,
        )
        await self.ctx.commit()
        return await self.row(sprint.id)

    async def _target(self, sprint: m.Sprint, target_id: uuid.UUID) -> m.Sprint:
        target = await self.ctx.session.get(m.Sprint, target_id)
        if (
            target is None
            or target.project_id != sprint.project_id
            or target.id == sprint.id
            or target.status not in ("planning", "active")
        ):
            raise FieldErrors({"move_incomplete_to": ["Choose another planning or active sprint of this project."]})
        return target

    async def complete(self, sprint_id: uuid.UUID, data: s.SprintComplete) -> SprintRow:
        """Complete the active sprint: freeze the points done; unfinished issues go to the backlog or another sprint.

        Raises:
            NotFound: invisible, or the caller may not work in the project.
            ApplicationError: the sprint is not active.
            FieldErrors: ``move_incomplete_to`` is not another open sprint of the project.
        """
        sprint, project, _ = await self.get(sprint_id, Level.WRITE)
        await self._lock_project(project.id)
        await self.ctx.session.refresh(sprint)
        if sprint.status != "active":
            what = "already completed" if sprint.status == "completed" else "not started"
            msg = f"Sprint {sprint.name!r} is {what}: only an active sprint can be completed."
            raise ApplicationError(msg)
        target = await self._target(sprint, data.move_incomplete_to) if data.move_incomplete_to else None
        move = target is not None or data.move_incomplete_to_backlog is not False
        rows = (
            await self.ctx.session.execute(
                select(m.Issue, m.WorkflowStatus.is_final)
                .join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id)
                .where(m.Issue.sprint_id == sprint.id, m.Issue.is_active.is_(True))
                .order_by(m.Issue.number)
            )
        ).all()
        finished = [issue for issue, is_final in rows if is_final]
        unfinished = [issue for issue, is_final in rows if not is_final]
        done_points = sum((issue.story_points or decimal.Decimal(0) for issue in finished), decimal.Decimal(0))
        now = _now()
        sprint.status = "completed"
        sprint.completed_at = now
        sprint.completed_points = done_points
        if sprint.end_date is None:
            sprint.end_date = now.date()
        org_id = await self.issues.organization_id(project)
        row = self._log(
            sprint,
            project,
            org_id,
            "completed",
            {
                "status": {"old": "active", "new": "completed"},
                "completed_points": {"old": None, "new": float(done_points)},
            },
        )
        record_event(
            self.ctx.session,
            SprintCompleted(
                sprint_id=sprint.id,
                sprint_name=sprint.name,
                project_id=project.id,
                workspace_id=project.workspace_id,
                organization_id=org_id,
                actor_id=self.ctx.user.id,
                completed_points=float(done_points),
                committed_points=float(sprint.committed_points or 0),
                completed_issue_count=len(finished),
                unfinished_issue_count=len(unfinished),
                moved_to_sprint_id=target.id if target is not None and move else None,
            ),
            row,
        )
        if move:
            actions = ("sprint_removed", "sprint_added") if target is not None else ("sprint_removed",)
            for issue in unfinished:
                self._move_issue(issue, project, org_id, target.id if target else None, actions)
        await self.ctx.commit()
        return await self.row(sprint.id)

    async def add_issue(self, sprint_id: uuid.UUID, issue_id: uuid.UUID) -> IssueRow:
        """Put an issue of the same project in the sprint (from the backlog or another sprint).

        Raises:
            NotFound: invisible, or the caller may not work in the project.
            ApplicationError: the sprint is completed.
            FieldErrors: the issue is not an issue of the sprint's project.
        """
        sprint, project, _ = await self.get(sprint_id, Level.WRITE)
        if sprint.status == "completed":
            msg = f"Sprint {sprint.name!r} is completed: issues cannot be added to it."
            raise ApplicationError(msg)
        issue = await self._issue_of(project, issue_id)
        if issue.sprint_id != sprint.id:
            self._move_issue(issue, project, await self.issues.organization_id(project), sprint.id, ("sprint_added",))
            await self.ctx.commit()
        return await self.issues.row(issue.id)

    async def remove_issue(self, sprint_id: uuid.UUID, issue_id: uuid.UUID) -> IssueRow:
        """Send an issue of the sprint back to the backlog.

        Raises:
            NotFound: invisible, the caller may not work in the project, or the issue is not in this sprint.
            ApplicationError: the sprint is completed (its issues are its history).
        """
        sprint, project, _ = await self.get(sprint_id, Level.WRITE)
        issue = await self.ctx.session.get(m.Issue, issue_id)
        if issue is None or not issue.is_active or issue.sprint_id != sprint.id:
            msg = "This issue is not in this sprint."
            raise NotFound(msg)
        if sprint.status == "completed":
            msg = f"Sprint {sprint.name!r} is completed: its issues stay as they were."
            raise ApplicationError(msg)
        self._move_issue(issue, project, await self.issues.organization_id(project), None, ("sprint_removed",))
        await self.ctx.commit()
        return await self.issues.row(issue.id)
