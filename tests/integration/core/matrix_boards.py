"""Access matrix cells for the board routes (collected by ``test_access_matrix.py``).

Write cells act on a disposable board made for each call. Disposable boards are created by the workspace member,
so the "creator or project admin" rule for changing a board shows in the allowed set.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from core.db import models as m
from tests.integration.core.access_world import ALL, MANAGERS, READERS, WRITERS, Call, Cell, P, World, _static

BOARDS = f"{P}/boards"
BOARD = BOARDS + "/{board_id:uuid}"
CREATOR_OR_MANAGERS = MANAGERS | {"workspace_member"}


async def _board(world: World, session: Any, *, columns: bool = True) -> m.Board:
    board = m.Board(project_id=world.project.id, name="Disposable", created_by_id=world.users["workspace_member"].id)
    session.add(board)
    await session.flush()
    if columns:
        session.add_all(
            [
                m.BoardColumn(board_id=board.id, workflow_status_id=world.todo.id, name="To Do", order=0),
                m.BoardColumn(board_id=board.id, workflow_status_id=world.done.id, name="Done", order=1),
            ]
        )
    await session.commit()
    return board


async def _column(world: World, session: Any) -> tuple[uuid.UUID, uuid.UUID]:
    board = await _board(world, session, columns=False)
    column = m.BoardColumn(board_id=board.id, workflow_status_id=world.todo.id, name="To Do")
    session.add(column)
    await session.commit()
    return board.id, column.id


async def _shared_board(world: World, session: Any) -> uuid.UUID:
    """One board per world for the read cells (made on first use)."""
    if "board" not in world.extra:
        world.extra["board"] = (await _board(world, session)).id
    board_id: uuid.UUID = world.extra["board"]
    return board_id


def _on_board(suffix: str = "", json: Any = None) -> Any:
    async def build(world: World, session: Any) -> Call:
        return Call(f"{BOARDS}/{await _shared_board(world, session)}{suffix}", json)

    return build


def _on_disposable(suffix: str = "", json: Any = None, *, columns: bool = True) -> Any:
    async def build(world: World, session: Any) -> Call:
        board = await _board(world, session, columns=columns)
        return Call(f"{BOARDS}/{board.id}{suffix}", json)

    return build


def _on_column(json: Any = None) -> Any:
    async def build(world: World, session: Any) -> Call:
        board_id, column_id = await _column(world, session)
        return Call(f"{BOARDS}/{board_id}/columns/{column_id}", json)

    return build


async def _move(world: World, session: Any) -> Call:
    """Move a fresh issue from To Do to Done (an allowed transition of the world's workflow)."""
    board = await _board(world, session)
    project = await session.get(m.Project, world.project.id)
    project.issue_counter += 1
    issue = m.Issue(
        project_id=project.id,
        number=project.issue_counter,
        title="Movable",
        issue_type_id=world.issue_type.id,
        status_id=world.todo.id,
        reporter_id=world.users["org_owner"].id,
    )
    session.add(issue)
    await session.commit()
    done = await session.scalar(
        select(m.BoardColumn.id).where(
            m.BoardColumn.board_id == board.id, m.BoardColumn.workflow_status_id == world.done.id
        )
    )
    return Call(f"{BOARDS}/{board.id}/issues/{issue.id}/move", {"column_id": str(done)})


async def _create(world: World, session: Any) -> Call:
    return Call(BOARDS, {"project": str(world.project.id), "name": "New", "board_type": "scrum"})


ENTRIES: dict[tuple[str, str], Cell] = {
    ("GET", BOARDS): Cell(_static(BOARDS + "?project={w.project.id}"), ALL),
    ("POST", BOARDS): Cell(_create, WRITERS, ok=201),
    ("GET", BOARD): Cell(_on_board(), READERS),
    ("PATCH", BOARD): Cell(_on_disposable(json={"description": "x"}), CREATOR_OR_MANAGERS),
    ("PUT", BOARD): Cell(_on_disposable(json={"name": "Renamed"}), CREATOR_OR_MANAGERS),
    ("DELETE", BOARD): Cell(_on_disposable(), CREATOR_OR_MANAGERS, ok=204),
    ("GET", BOARD + "/columns"): Cell(_on_board("/columns"), READERS),
    ("POST", BOARD + "/columns"): Cell(
        _on_disposable("/columns", {"workflow_status_id": "done"}, columns=False), WRITERS, ok=201
    ),
    ("PATCH", BOARD + "/columns/{column_id:uuid}"): Cell(_on_column({"name": "Renamed"}), WRITERS),
    ("DELETE", BOARD + "/columns/{column_id:uuid}"): Cell(_on_column(), WRITERS, ok=204),
    ("GET", BOARD + "/issues"): Cell(_on_board("/issues"), READERS),
    ("POST", BOARD + "/issues"): Cell(_on_disposable("/issues", {"title": "From the board"}), WRITERS, ok=201),
    ("PATCH", BOARD + "/issues/{issue_id:uuid}/move"): Cell(_move, WRITERS),
}
