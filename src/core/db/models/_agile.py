"""Sprints and boards."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import BigInteger, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import JSONType, UUIDv7AuditBase

__all__ = ("Board", "BoardColumn", "Sprint")


class Sprint(UUIDv7AuditBase):
    """A time box of a project. Points are frozen at start (committed) and at completion (completed)."""

    __tablename__ = "sprints"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    project_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    goal: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="planning")
    start_date: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    end_date: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    committed_points: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2), default=decimal.Decimal(0))
    completed_points: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2), default=decimal.Decimal(0))
    started_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    completed_at: Mapped[datetime.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class Board(UUIDv7AuditBase):
    """A kanban or scrum board of a project: one column per workflow status by default."""

    __tablename__ = "boards"

    project_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    board_type: Mapped[str] = mapped_column(String(16), default="kanban")
    saved_filter: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class BoardColumn(UUIDv7AuditBase):
    """A column of a board, showing the issues in one workflow status."""

    __tablename__ = "board_columns"
    # One column per status on a board: a second one would show the same issues twice.
    __table_args__ = (UniqueConstraint("board_id", "workflow_status_id", name="uq_board_columns_board_status"),)

    board_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    workflow_status_id: Mapped[uuid.UUID] = mapped_column(GUID, ForeignKey("workflow_statuses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    order: Mapped[int] = mapped_column(Integer, default=0)
    min_wip: Mapped[int | None] = mapped_column(Integer, default=None)
    max_wip: Mapped[int | None] = mapped_column(Integer, default=None)
