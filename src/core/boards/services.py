"""Board rules: boards and their columns, the board's issues, and moving an issue between columns.

A board belongs to a project and shows its active issues, one column per workflow status. Reading needs
``Level.READ`` on the project; creating a board, changing columns, creating and moving issues need
``Level.WRITE``; changing or deleting the board itself needs its creator (still able to write) or
``Level.MANAGE``. A move follows the project's workflow (through :meth:`IssueService.move_to`, which records
``IssueTransitioned``) and respects the target column's ``max_wip`` unless forced; the override is written into
the move's activity row.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import delete, func, select
from sqlalchemy.orm import aliased

from core.access import Level
from core.activity import diff, record_project_activity
from core.boards import presenters as p
from core.boards.realtime import actor, timestamp
from core.db import models as m
from core.http.errors import ConflictError, FieldErrors, NotFound
from core.http.query import apply_ordering, apply_search
from core.issues.presenters import issue as present_issue
from core.issues.queries import PRIORITIES, IssueRow
from core.issues.schemas import IssueCreate
from core.issues.services import IssueService
from core.workflow.services import allowed_targets

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy import Select

    from core.boards import schemas as s
    from core.boards.realtime import BoardRealtime
    from core.context import RequestCtx
    from core.http.pagination import PageParams

__all__ = ("BOARD_TYPES", "STATUS_SLUGS", "BoardService")

BOARD_TYPES = ("kanban", "scrum")
# The web client's hard-coded column choices (contract section 8), mapped to statuses by name or category.
STATUS_SLUGS = ("to-do", "in-progress", "in-review", "done")
_SAVED_FILTER_KEYS = ("priority", "assignee", "issue_type")
_MAX_FILTER_VALUES = 100
_NOT_ALLOWED = "Only the board's creator or a project admin can change this board."
_SLUG = re.compile(r"[\s_]+")

Creator = aliased(m.User, name="creator")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.strip().lower())


def _match_slug(statuses: Sequence[m.WorkflowStatus], slug: str) -> m.WorkflowStatus | None:
    """The status a slug means: same name first, then by category (``in-review`` needs a "review" status)."""
    for status in statuses:
        if _slug(status.name) == slug:
            return status
    candidates: list[m.WorkflowStatus] = []
    if slug in ("to-do", "todo"):
        candidates = sorted((st for st in statuses if st.category == "to_do"), key=lambda st: not st.is_initial)
    elif slug == "in-progress":
        candidates = [st for st in statuses if st.category == "in_progress" and "review" not in st.name.lower()]
    elif slug in ("in-review", "review"):
        candidates = [st for st in statuses if "review" in st.name.lower()]
    elif slug == "done":
        candidates = sorted((st for st in statuses if st.category == "done"), key=lambda st: not st.is_final)
    return candidates[0] if candidates else None


def _clean_name(value: str, field: str) -> str:
    name = value.strip()
    if not name:
        raise FieldErrors({field: ["This field may not be blank."]})
    return name


def _check_wip(min_wip: int | None, max_wip: int | None) -> None:
    if min_wip is not None and max_wip is not None and min_wip > max_wip:
        raise FieldErrors({"min_wip": [f"min_wip ({min_wip}) cannot be greater than max_wip ({max_wip})."]})


def _filter_values(key: str, raw: Any) -> list[Any]:
    values = raw if isinstance(raw, list) else [raw]
    if len(values) > _MAX_FILTER_VALUES:
        raise FieldErrors({"saved_filter": [f"{key}: at most {_MAX_FILTER_VALUES} values."]})
    cleaned: list[Any] = []
    for value in values:
        text = str(value).strip()
        if key == "priority":
            if text.upper() not in PRIORITIES:
                raise FieldErrors({"saved_filter": [f"priority: {text[:20]!r} is not one of {', '.join(PRIORITIES)}."]})
            cleaned.append(text.upper())
        elif key == "assignee" and (isinstance(value, int) or text.isdigit()) and len(text) < 19:
            cleaned.append(int(text))
        else:
            try:
                cleaned.append(str(uuid.UUID(text)))
            except ValueError:
                what = "a user id or user UUID" if key == "assignee" else "an issue type UUID"
                raise FieldErrors({"saved_filter": [f"{key}: {text[:40]!r} is not {what}."]}) from None
    return cleaned


def clean_saved_filter(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate a board's ``saved_filter``: ``{"priority": [...], "assignee": [...], "issue_type": [...]}``.

    Raises:
        FieldErrors: an unknown key or a value of the wrong kind.
    """
    if not value:
        return {}
    unknown = sorted(set(value) - set(_SAVED_FILTER_KEYS))
    if unknown:
        allowed = ", ".join(_SAVED_FILTER_KEYS)
        raise FieldErrors({"saved_filter": [f"Unknown filter {unknown[0][:40]!r}. Use: {allowed}."]})
    return {key: _filter_values(key, raw) for key, raw in value.items() if raw not in (None, [], "")}


def _board_select() -> Select[Any]:
    """Boards with their project's name and key, column and issue counts and creator, in one statement."""
    column_count = (
        select(func.count(m.BoardColumn.id))
        .where(m.BoardColumn.board_id == m.Board.id)
        .correlate(m.Board)
        .scalar_subquery()
    )
    issue_count = (
        select(func.count(m.Issue.id))
        .where(m.Issue.project_id == m.Board.project_id, m.Issue.is_active.is_(True))
        .correlate(m.Board)
        .scalar_subquery()
    )
    return (
        select(
            m.Board,
            m.Project.name.label("project_name"),
            m.Project.key.label("project_key"),
            column_count.label("column_count"),
            issue_count.label("issue_count"),
            Creator.id.label("creator_id"),
            Creator.user_uuid.label("creator_uuid"),
            Creator.email.label("creator_email"),
            Creator.username.label("creator_username"),
            Creator.first_name.label("creator_first_name"),
            Creator.last_name.label("creator_last_name"),
            Creator.avatar_url.label("creator_avatar_url"),
        )
        .join(m.Project, m.Project.id == m.Board.project_id)
        .outerjoin(Creator, Creator.id == m.Board.created_by_id)
    )


def _column_select(project_id: uuid.UUID) -> Select[Any]:
    """Columns with their status and how many of the project's active issues are in it."""
    issue_count = (
        select(func.count(m.Issue.id))
        .where(
            m.Issue.project_id == project_id,
            m.Issue.status_id == m.BoardColumn.workflow_status_id,
            m.Issue.is_active.is_(True),
        )
        .correlate(m.BoardColumn)
        .scalar_subquery()
    )
    return (
        select(
            m.BoardColumn,
            m.WorkflowStatus.name.label("status_name"),
            m.WorkflowStatus.color.label("status_color"),
            m.WorkflowStatus.category.label("status_category"),
            m.WorkflowStatus.is_initial.label("status_is_initial"),
            m.WorkflowStatus.is_final.label("status_is_final"),
            issue_count.label("issue_count"),
        )
        .join(m.WorkflowStatus, m.WorkflowStatus.id == m.BoardColumn.workflow_status_id)
        .order_by(m.BoardColumn.order, m.BoardColumn.created_at, m.BoardColumn.id)
    )


def _place(others: list[m.BoardColumn], column: m.BoardColumn, position: int) -> list[m.BoardColumn]:
    """Put ``column`` at index ``position`` among ``others`` and renumber; return the others whose order changed."""
    position = max(0, min(position, len(others)))
    changed: list[m.BoardColumn] = []
    for index, item in enumerate([*others[:position], column, *others[position:]]):
        if item.order != index:
            item.order = index
            if item is not column:
                changed.append(item)
    return changed


class BoardService:
    """Boards of the projects the caller may see (and work in)."""

    def __init__(self, ctx: RequestCtx, realtime: BoardRealtime | None = None) -> None:
        self.ctx = ctx
        self.realtime = realtime

    # --- reading --------------------------------------------------------------------------------------------

    async def list_boards(
        self,
        params: PageParams,
        *,
        project_id: uuid.UUID | None = None,
        board_type: str | None = None,
        search: str | None = None,
        ordering: str | None = None,
    ) -> tuple[int, list[Any]]:
        """Boards of visible projects, one page, with their counts (two statements)."""
        stmt = _board_select().where(m.Board.project_id.in_(self.ctx.policy.visible_project_ids()))
        if project_id is not None:
            stmt = stmt.where(m.Board.project_id == project_id)
        if board_type := (board_type or "").strip().lower():
            if board_type not in BOARD_TYPES:
                raise FieldErrors({"board_type": [f"{board_type[:20]!r} is not one of: {', '.join(BOARD_TYPES)}."]})
            stmt = stmt.where(m.Board.board_type == board_type)
        stmt = apply_search(stmt, search, [m.Board.name, m.Board.description])
        count = await self.ctx.session.scalar(
            select(func.count()).select_from(
                stmt.with_only_columns(m.Board.id, maintain_column_froms=True).order_by(None).subquery()
            )
        )
        stmt = apply_ordering(
            stmt,
            ordering,
            {"name": m.Board.name, "created_at": m.Board.created_at, "updated_at": m.Board.updated_at},
            default=[m.Board.created_at.asc()],
            tiebreaker=m.Board.id,
        )
        rows = (await self.ctx.session.execute(stmt.offset(params.offset).limit(params.limit))).all()
        return count or 0, list(rows)

    async def get(self, board_id: uuid.UUID, need: Level = Level.READ) -> tuple[m.Board, m.Project, Level]:
        """A board of a project the caller may see (and work in, with ``need``)."""
        board = await self.ctx.session.get(m.Board, board_id)
        if board is None:
            raise NotFound
        project, level = await self.ctx.policy.project(board.project_id, need)
        return board, project, level

    async def _editable(self, board_id: uuid.UUID) -> tuple[m.Board, m.Project]:
        board, project, level = await self.get(board_id)
        is_creator = board.created_by_id == self.ctx.user.id and level >= Level.WRITE
        if level < Level.MANAGE and not is_creator:
            raise NotFound(_NOT_ALLOWED)
        return board, project

    async def _load(self, board_id: uuid.UUID) -> tuple[Any, list[Any]]:
        row = (await self.ctx.session.execute(_board_select().where(m.Board.id == board_id))).first()
        if row is None:
            raise NotFound
        columns = (
            await self.ctx.session.execute(
                _column_select(row.Board.project_id).where(m.BoardColumn.board_id == board_id)
            )
        ).all()
        return row, list(columns)

    async def detail(self, board_id: uuid.UUID) -> tuple[Any, list[Any]]:
        """A visible board with its columns (sorted by order) and counts."""
        await self.get(board_id)
        return await self._load(board_id)

    async def columns(self, board_id: uuid.UUID) -> list[Any]:
        """The columns of a visible board, sorted by order."""
        board, _, _ = await self.get(board_id)
        rows = await self.ctx.session.execute(
            _column_select(board.project_id).where(m.BoardColumn.board_id == board.id)
        )
        return list(rows.all())

    async def issues(
        self, board_id: uuid.UUID, params: PageParams, query: Mapping[str, str], ordering: str | None
    ) -> tuple[int, list[IssueRow]]:
        """The board's issues in rank order: its project's active issues, narrowed by the query and its saved filter.

        The issue list does the work (``?board=`` scopes it to the board's project and saved filter), so the
        filters and the shape are exactly the issue list's.
        """
        board, _, _ = await self.get(board_id)
        scoped = {key: value for key, value in query.items() if key not in ("project", "board", "ordering")}
        scoped["board"] = str(board.id)
        return await IssueService(self.ctx).list(params, scoped, ordering or "rank")

    # --- helpers --------------------------------------------------------------------------------------------

    async def _log(
        self, board: m.Board, project: m.Project, action: str, changes: dict[str, Any], what: str | None = None
    ) -> None:
        await record_project_activity(
            self.ctx,
            project,
            action,
            changes,
            object_type="board",
            object_id=board.id,
            object_repr=f"{board.name}: column {what}" if what else board.name,
            object_url=f"/projects/{project.id}/boards/{board.id}",
        )

    async def _statuses(self, project_id: uuid.UUID) -> list[m.WorkflowStatus]:
        return list(
            (
                await self.ctx.session.scalars(
                    select(m.WorkflowStatus)
                    .where(m.WorkflowStatus.project_id == project_id, m.WorkflowStatus.is_active.is_(True))
                    .order_by(m.WorkflowStatus.order, m.WorkflowStatus.name)
                )
            ).all()
        )

    async def _resolve_status(self, project: m.Project, ref: str) -> m.WorkflowStatus:
        """A status of the project by UUID, or by one of the client's slugs (see :data:`STATUS_SLUGS`)."""
        statuses = await self._statuses(project.id)
        text = ref.strip()
        try:
            wanted: uuid.UUID | None = uuid.UUID(text)
        except ValueError:
            wanted = None
        found = next((st for st in statuses if st.id == wanted), None) if wanted else _match_slug(statuses, _slug(text))
        if found is not None:
            return found
        ids = ", ".join(f"{st.name} ({st.id})" for st in statuses) or "none"
        slugs = ", ".join(slug for slug in STATUS_SLUGS if _match_slug(statuses, slug)) or "none"
        raise FieldErrors(
            {
                "workflow_status_id": [
                    f"Not a status of this project: {text[:64]!r}. Use a status id ({ids}) or: {slugs}."
                ]
            }
        )

    async def _board_columns(self, board_id: uuid.UUID) -> list[m.BoardColumn]:
        return list(
            (
                await self.ctx.session.scalars(
                    select(m.BoardColumn)
                    .where(m.BoardColumn.board_id == board_id)
                    .order_by(m.BoardColumn.order, m.BoardColumn.created_at, m.BoardColumn.id)
                )
            ).all()
        )

    async def _column(self, board: m.Board, column_id: uuid.UUID, field: str | None = None) -> m.BoardColumn:
        column = await self.ctx.session.get(m.BoardColumn, column_id)
        if column is None or column.board_id != board.id:
            if field:
                raise FieldErrors({field: ["Not a column of this board."]})
            raise NotFound
        return column

    async def _column_shape(self, board: m.Board, column_id: uuid.UUID) -> s.BoardColumn:
        row = (
            await self.ctx.session.execute(_column_select(board.project_id).where(m.BoardColumn.id == column_id))
        ).one()
        return p.column(row)

    async def _publish_columns(self, board: m.Board, kind: str, column_ids: Sequence[uuid.UUID]) -> None:
        if self.realtime is None:
            return
        for column_id in column_ids:
            column = await self._column_shape(board, column_id)
            data = {"column": column, "timestamp": timestamp(), "user": actor(self.ctx.user)}
            await self.realtime.publish([board.id], kind, data)

    # --- boards ---------------------------------------------------------------------------------------------

    async def create(self, data: s.BoardCreate) -> tuple[Any, list[Any]]:
        """Create a board with one column per active workflow status, in workflow order."""
        project, _ = await self.ctx.policy.project(data.project, Level.WRITE)
        board = m.Board(
            project_id=project.id,
            name=_clean_name(data.name, "name"),
            description=data.description or "",
            board_type=data.board_type,
            saved_filter=clean_saved_filter(data.saved_filter),
            created_by_id=self.ctx.user.id,
        )
        self.ctx.session.add(board)
        await self.ctx.session.flush()
        statuses = await self._statuses(project.id)
        for order, status in enumerate(statuses):
            self.ctx.session.add(
                m.BoardColumn(board_id=board.id, workflow_status_id=status.id, name=status.name, order=order)
            )
        await self._log(board, project, "created", {"columns": [status.name for status in statuses]})
        await self.ctx.commit()
        return await self._load(board.id)

    async def update(self, board_id: uuid.UUID, data: s.BoardUpdate) -> tuple[Any, list[Any]]:
        """Change the fields sent (the creator or a project admin)."""
        board, project = await self._editable(board_id)
        sent = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        if "name" in sent:
            sent["name"] = _clean_name(sent["name"], "name")
        if "description" in sent:
            sent["description"] = sent["description"] or ""
        if "saved_filter" in sent:
            sent["saved_filter"] = clean_saved_filter(sent["saved_filter"])
        changes = diff(board, sent)
        if changes:
            for field in changes:
                setattr(board, field, sent[field])
            await self._log(board, project, "updated", changes)
            await self.ctx.commit()
        return await self._load(board.id)

    async def delete(self, board_id: uuid.UUID) -> None:
        """Delete a board and its columns (the creator or a project admin); issues are not touched."""
        board, project = await self._editable(board_id)
        await self._log(board, project, "deleted", {"name": board.name})
        await self.ctx.session.execute(delete(m.BoardColumn).where(m.BoardColumn.board_id == board.id))
        await self.ctx.session.delete(board)
        await self.ctx.commit()

    # --- columns --------------------------------------------------------------------------------------------

    async def _status_free(self, board: m.Board, status: m.WorkflowStatus, exclude: uuid.UUID | None = None) -> None:
        stmt = select(m.BoardColumn.name).where(
            m.BoardColumn.board_id == board.id, m.BoardColumn.workflow_status_id == status.id
        )
        if exclude is not None:
            stmt = stmt.where(m.BoardColumn.id != exclude)
        taken = await self.ctx.session.scalar(stmt.limit(1))
        if taken is not None:
            msg = f"Column {taken!r} of this board already shows {status.name}."
            raise FieldErrors({"workflow_status_id": [msg]})

    async def create_column(self, board_id: uuid.UUID, data: s.ColumnCreate) -> s.BoardColumn:
        """Add a column for a status not yet on the board (at ``order``, or last)."""
        board, project, _ = await self.get(board_id, Level.WRITE)
        status = await self._resolve_status(project, data.workflow_status_id)
        await self._status_free(board, status)
        _check_wip(data.min_wip, data.max_wip)
        others = await self._board_columns(board.id)
        column = m.BoardColumn(
            board_id=board.id,
            workflow_status_id=status.id,
            name=_clean_name(data.name, "name") if data.name is not None else status.name,
            order=max((c.order for c in others), default=-1) + 1,
            min_wip=data.min_wip,
            max_wip=data.max_wip,
        )
        shifted = _place(others, column, data.order) if data.order is not None else []
        self.ctx.session.add(column)
        await self.ctx.session.flush()
        snapshot = {
            "id": str(column.id),
            "name": column.name,
            "workflow_status": str(status.id),
            "order": column.order,
            "min_wip": column.min_wip,
            "max_wip": column.max_wip,
        }
        await self._log(board, project, "created", {"column": snapshot}, column.name)
        await self.ctx.commit()
        await self._publish_columns(board, "column.created", [column.id])
        await self._publish_columns(board, "column.updated", [c.id for c in shifted])
        return await self._column_shape(board, column.id)

    async def update_column(self, board_id: uuid.UUID, column_id: uuid.UUID, data: s.ColumnUpdate) -> s.BoardColumn:
        """Change a column's name, status, position or WIP limits."""
        board, project, _ = await self.get(board_id, Level.WRITE)
        column = await self._column(board, column_id)
        sent = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        new: dict[str, Any] = {}
        if "name" in sent:
            new["name"] = _clean_name(sent["name"], "name")
        if "workflow_status_id" in sent:
            status = await self._resolve_status(project, sent["workflow_status_id"])
            await self._status_free(board, status, exclude=column.id)
            new["workflow_status_id"] = status.id
        for field in ("min_wip", "max_wip"):
            if field in sent:
                new[field] = sent[field]
        _check_wip(new.get("min_wip", column.min_wip), new.get("max_wip", column.max_wip))
        changes = diff(column, new)
        for field in changes:
            setattr(column, field, new[field])
        shifted: list[m.BoardColumn] = []
        if "order" in sent:
            others = [c for c in await self._board_columns(board.id) if c.id != column.id]
            old_order = column.order
            shifted = _place(others, column, sent["order"])
            if column.order != old_order:
                changes["order"] = {"old": old_order, "new": column.order}
        if changes or shifted:
            changes["column"] = {"id": str(column.id), "name": column.name}
            await self._log(board, project, "updated", changes, column.name)
            await self.ctx.commit()
            await self._publish_columns(board, "column.updated", [column.id, *(c.id for c in shifted)])
        return await self._column_shape(board, column.id)

    async def delete_column(self, board_id: uuid.UUID, column_id: uuid.UUID) -> None:
        """Remove a column (its issues keep their status)."""
        board, project, _ = await self.get(board_id, Level.WRITE)
        column = await self._column(board, column_id)
        column_id, column_name = column.id, column.name
        snapshot = {"id": str(column_id), "name": column_name, "workflow_status": str(column.workflow_status_id)}
        await self._log(board, project, "deleted", {"column": snapshot}, column_name)
        await self.ctx.session.delete(column)
        await self.ctx.commit()
        if self.realtime is not None:
            data = {
                "column_id": str(column_id),
                "column_name": column_name,
                "timestamp": timestamp(),
                "user": actor(self.ctx.user),
            }
            await self.realtime.publish([board.id], "column.deleted", data)

    # --- issues ---------------------------------------------------------------------------------------------

    async def create_issue(self, board_id: uuid.UUID, data: s.BoardIssueCreate) -> IssueRow:
        """Create an issue in the board's project, in ``column_id``'s status when given (else the initial one)."""
        board, _, _ = await self.get(board_id, Level.WRITE)
        fields = msgspec.structs.asdict(data)
        column_id = fields.pop("column_id")
        status_id = None
        if column_id is not None:
            status_id = (await self._column(board, column_id, "column_id")).workflow_status_id
        return await IssueService(self.ctx).create(IssueCreate(project=board.project_id, status=status_id, **fields))

    async def move(self, board_id: uuid.UUID, issue_id: uuid.UUID, data: s.MoveBody) -> IssueRow:
        """Move an issue to a column (its status) and a position in it.

        Raises:
            NotFound: the board or the issue is not visible, or the issue is not on this board.
            FieldErrors: not a column of this board, or a move the workflow forbids (naming the allowed columns).
            ConflictError: the column's ``max_wip`` would be exceeded and ``force`` was not sent.
        """
        board, project, _ = await self.get(board_id, Level.WRITE)
        session = self.ctx.session
        issue = await session.get(m.Issue, issue_id)
        if issue is None or not issue.is_active or issue.project_id != board.project_id:
            raise NotFound("This issue is not on this board.")
        column = await session.get(m.BoardColumn, data.column_id, with_for_update=True)
        if column is None or column.board_id != board.id:
            raise FieldErrors({"column_id": ["Not a column of this board."]})
        from_status, target = issue.status_id, column.workflow_status_id
        extra: dict[str, Any] = {"board": str(board.id), "column": {"id": str(column.id), "name": column.name}}
        if target != from_status:
            await self._check_workflow(board, project, issue, column)
            if override := await self._check_wip(project, column, issue, force=data.force):
                extra["wip_override"] = override
        rank = data.rank
        if rank is None and target != from_status:
            last = await session.scalar(
                select(func.max(m.Issue.rank)).where(
                    m.Issue.project_id == project.id,
                    m.Issue.status_id == target,
                    m.Issue.is_active.is_(True),
                    m.Issue.id != issue.id,
                )
            )
            rank = float(last or 0.0) + 1.0
        issues = IssueService(self.ctx)
        if rank is not None and rank != issue.rank:
            extra["rank"] = {"old": issue.rank, "new": rank}
            issue.rank = rank
        elif target == from_status:
            return await issues.row(issue.id)  # already there: nothing to do
        pending = {id(obj) for obj in session.new}
        moved = await issues.move_to(issue, project, target) if target != from_status else False
        log_row = next((o for o in session.new if isinstance(o, m.Activity) and id(o) not in pending), None)
        if moved and log_row is not None:
            log_row.changes = {**(log_row.changes or {}), **extra}
        else:  # a move inside the column (no lifecycle event), or the transition row was already flushed
            issues.log(issue, project, await issues.organization_id(project), "updated", extra)
        await self.ctx.commit()
        row = await issues.row(issue.id)
        if not moved:  # the lifecycle event announces status changes; a reorder is announced here
            await self._announce_reorder(project, row)
        return row

    async def _check_workflow(self, board: m.Board, project: m.Project, issue: m.Issue, column: m.BoardColumn) -> None:
        allowed = {status.id for status in await allowed_targets(self.ctx.session, project.id, issue.status_id)}
        if column.workflow_status_id in allowed:
            return
        columns = await self._board_columns(board.id)
        current = next((c.name for c in columns if c.workflow_status_id == issue.status_id), None)
        if current is None:
            status = await self.ctx.session.get(m.WorkflowStatus, issue.status_id)
            current = status.name if status else "its current status"
        names = ", ".join(c.name for c in columns if c.workflow_status_id in allowed) or "none"
        msg = f"An issue in {current} cannot move to {column.name}. Allowed columns: {names}."
        raise FieldErrors({"column_id": [msg]})

    async def _check_wip(
        self, project: m.Project, column: m.BoardColumn, issue: m.Issue, *, force: bool
    ) -> dict[str, Any] | None:
        """None when the column has room; the override record when it is full and ``force`` is set."""
        if column.max_wip is None:
            return None
        count = await self.ctx.session.scalar(
            select(func.count(m.Issue.id)).where(
                m.Issue.project_id == project.id,
                m.Issue.status_id == column.workflow_status_id,
                m.Issue.is_active.is_(True),
                m.Issue.id != issue.id,
            )
        )
        count = int(count or 0)
        if count + 1 <= column.max_wip:
            return None
        if not force:
            msg = (
                f"Column {column.name} is at its WIP limit ({count} of {column.max_wip}). "
                'Send "force": true to move the issue anyway.'
            )
            raise ConflictError(msg)
        return {"column": str(column.id), "column_name": column.name, "max_wip": column.max_wip, "count": count + 1}

    async def _announce_reorder(self, project: m.Project, row: IssueRow) -> None:
        if self.realtime is None:
            return
        board_ids = list(
            (await self.ctx.session.scalars(select(m.Board.id).where(m.Board.project_id == project.id))).all()
        )
        data = {
            "issue": present_issue(row),
            "from_status": str(row.status_id),
            "to_status": str(row.status_id),
            "timestamp": timestamp(),
            "user": actor(self.ctx.user),
        }
        await self.realtime.publish(board_ids, "issue.moved", data)
