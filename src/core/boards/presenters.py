"""Result rows -> board API shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.auth.schemas import UserBasic
from core.boards import schemas as s

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ("board", "board_summary", "column")


def _creator(row: Any) -> UserBasic | None:
    if row.creator_id is None:
        return None
    first, last = row.creator_first_name, row.creator_last_name
    return UserBasic(
        id=row.creator_id,
        user_uuid=row.creator_uuid,
        email=row.creator_email,
        username=row.creator_username,
        first_name=first,
        last_name=last,
        full_name=f"{first} {last}".strip() or row.creator_username,
        avatar_url=row.creator_avatar_url,
    )


def _summary_fields(row: Any) -> dict[str, Any]:
    board = row.Board
    return {
        "id": board.id,
        "project": s.BoardProject(id=board.project_id, name=row.project_name, key=row.project_key),
        "name": board.name,
        "description": board.description,
        "board_type": board.board_type,
        "saved_filter": dict(board.saved_filter or {}),
        "column_count": row.column_count or 0,
        "issue_count": row.issue_count or 0,
        "created_by": _creator(row),
        "created_at": board.created_at,
        "updated_at": board.updated_at,
    }


def board_summary(row: Any) -> s.BoardSummary:
    """A board as lists show it (a row of ``BoardService``'s board select)."""
    return s.BoardSummary(**_summary_fields(row))


def column(row: Any) -> s.BoardColumn:
    """A column (a row of ``BoardService``'s column select)."""
    col = row.BoardColumn
    return s.BoardColumn(
        id=col.id,
        board=col.board_id,
        name=col.name,
        order=col.order,
        workflow_status=s.ColumnStatus(
            id=col.workflow_status_id,
            name=row.status_name,
            color=row.status_color,
            category=row.status_category,
            is_initial=row.status_is_initial,
            is_final=row.status_is_final,
        ),
        min_wip=col.min_wip,
        max_wip=col.max_wip,
        issue_count=row.issue_count or 0,
        created_at=col.created_at,
        updated_at=col.updated_at,
    )


def board(row: Any, columns: Sequence[Any]) -> s.Board:
    """A board with its columns (already sorted by order)."""
    return s.Board(**_summary_fields(row), columns=[column(c) for c in columns])
