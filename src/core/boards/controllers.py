"""``/api/v1/projects/boards/...``: thin handlers over :class:`BoardService`."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.datastructures import State
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from core.boards import presenters as p
from core.boards import schemas as s
from core.boards.services import BoardService
from core.context import Ctx, RequestCtx
from core.http.pagination import Page, page_params
from core.http.params import FromPath, FromQuery, JSONBody, optional_uuid
from core.issues import presenters as issue_presenters
from core.issues.schemas import Issue

__all__ = ("BoardController",)

# Like the issue list: the client reads only the first page of a board's issues.
BOARD_ISSUE_PAGE_SIZE = 100


def _service(ctx: RequestCtx, state: State) -> BoardService:
    return BoardService(ctx, state.get("board_realtime"))


class BoardController(Controller):
    """Boards, their columns, and their issues."""

    path = "/api/v1/projects/boards"
    tags = ["boards"]

    @get("/", operation_id="ListBoards")
    async def list_boards(
        self,
        ctx: Ctx,
        state: State,
        request: Request[Any, Any, Any],
        project: FromQuery[str | None] = None,
        board_type: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        ordering: FromQuery[str | None] = None,
    ) -> Page[s.BoardSummary]:
        """Boards of visible projects (``?project=``, ``?board_type=``, ``?search=``) with their counts."""
        params = page_params(request)
        count, rows = await _service(ctx, state).list_boards(
            params,
            project_id=optional_uuid(project, "project"),
            board_type=board_type,
            search=search,
            ordering=ordering,
        )
        return params.build(count, [p.board_summary(row) for row in rows])

    @post("/", status_code=HTTP_201_CREATED, operation_id="CreateBoard")
    async def create_board(self, ctx: Ctx, state: State, data: JSONBody[s.BoardCreate]) -> s.Board:
        """Create a board with one column per workflow status; the response has its ``id`` and ``columns``."""
        return p.board(*await _service(ctx, state).create(data))

    @get("/{board_id:uuid}", operation_id="GetBoard")
    async def get_board(self, ctx: Ctx, state: State, board_id: FromPath[uuid.UUID]) -> s.Board:
        """A board with its columns sorted by ``order``."""
        return p.board(*await _service(ctx, state).detail(board_id))

    @patch("/{board_id:uuid}", operation_id="UpdateBoard")
    async def update_board(
        self, ctx: Ctx, state: State, board_id: FromPath[uuid.UUID], data: JSONBody[s.BoardUpdate]
    ) -> s.Board:
        """Change name, description, type or saved filter (the creator or a project admin)."""
        return p.board(*await _service(ctx, state).update(board_id, data))

    @put("/{board_id:uuid}", operation_id="ReplaceBoard")
    async def replace_board(
        self, ctx: Ctx, state: State, board_id: FromPath[uuid.UUID], data: JSONBody[s.BoardUpdate]
    ) -> s.Board:
        """Same as PATCH."""
        return p.board(*await _service(ctx, state).update(board_id, data))

    @delete("/{board_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteBoard")
    async def delete_board(self, ctx: Ctx, state: State, board_id: FromPath[uuid.UUID]) -> None:
        """Delete a board and its columns (the creator or a project admin); its issues stay."""
        await _service(ctx, state).delete(board_id)

    # --- columns --------------------------------------------------------------------------------------------

    @get("/{board_id:uuid}/columns", operation_id="ListBoardColumns")
    async def list_columns(self, ctx: Ctx, state: State, board_id: FromPath[uuid.UUID]) -> list[s.BoardColumn]:
        """The board's columns sorted by ``order`` (a plain array, contract X5)."""
        return [p.column(row) for row in await _service(ctx, state).columns(board_id)]

    @post("/{board_id:uuid}/columns", status_code=HTTP_201_CREATED, operation_id="CreateBoardColumn")
    async def create_column(
        self, ctx: Ctx, state: State, board_id: FromPath[uuid.UUID], data: JSONBody[s.ColumnCreate]
    ) -> s.BoardColumn:
        """Add a column; ``workflow_status_id`` is a status id or ``to-do``/``in-progress``/``in-review``/``done``."""
        return await _service(ctx, state).create_column(board_id, data)

    @patch("/{board_id:uuid}/columns/{column_id:uuid}", operation_id="UpdateBoardColumn")
    async def update_column(
        self,
        ctx: Ctx,
        state: State,
        board_id: FromPath[uuid.UUID],
        column_id: FromPath[uuid.UUID],
        data: JSONBody[s.ColumnUpdate],
    ) -> s.BoardColumn:
        """Rename, re-point, reorder a column or change its WIP limits."""
        return await _service(ctx, state).update_column(board_id, column_id, data)

    @delete(
        "/{board_id:uuid}/columns/{column_id:uuid}", status_code=HTTP_204_NO_CONTENT, operation_id="DeleteBoardColumn"
    )
    async def delete_column(
        self, ctx: Ctx, state: State, board_id: FromPath[uuid.UUID], column_id: FromPath[uuid.UUID]
    ) -> None:
        """Remove a column; its issues keep their status."""
        await _service(ctx, state).delete_column(board_id, column_id)

    # --- issues ---------------------------------------------------------------------------------------------

    @get("/{board_id:uuid}/issues", operation_id="ListBoardIssues")
    async def list_issues(
        self,
        ctx: Ctx,
        state: State,
        request: Request[Any, Any, Any],
        board_id: FromPath[uuid.UUID],
        ordering: FromQuery[str | None] = None,
    ) -> Page[Issue]:
        """The board's issues (rank order) with the issue list's filters: assignee, priority, sprint, search..."""
        params = page_params(request, default_size=BOARD_ISSUE_PAGE_SIZE)
        query = {key: value for key, value in request.query_params.items() if key not in ("page", "page_size")}
        count, rows = await _service(ctx, state).issues(board_id, params, query, ordering)
        return params.build(count, [issue_presenters.issue(row) for row in rows])

    @post("/{board_id:uuid}/issues", status_code=HTTP_201_CREATED, operation_id="CreateBoardIssue")
    async def create_issue(
        self, ctx: Ctx, state: State, board_id: FromPath[uuid.UUID], data: JSONBody[s.BoardIssueCreate]
    ) -> Issue:
        """Create an issue in the board's project (in ``column_id``'s status when given)."""
        return issue_presenters.issue(await _service(ctx, state).create_issue(board_id, data))

    @patch("/{board_id:uuid}/issues/{issue_id:uuid}/move", operation_id="MoveBoardIssue")
    async def move_issue(
        self,
        ctx: Ctx,
        state: State,
        board_id: FromPath[uuid.UUID],
        issue_id: FromPath[uuid.UUID],
        data: JSONBody[s.MoveBody],
    ) -> Issue:
        """Move an issue to a column (its status) and ``rank``; 400 if the workflow forbids it, 409 over WIP."""
        return issue_presenters.issue(await _service(ctx, state).move(board_id, issue_id, data))
