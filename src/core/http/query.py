"""``?search=`` and ``?ordering=`` helpers shared by every list endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import QueryableAttribute

from core.http.errors import FieldErrors

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy import Select

__all__ = ("Column", "StmtT", "apply_ordering", "apply_search", "like_pattern")

StmtT = TypeVar("StmtT", bound="Select[*tuple[Any, ...]]")
Column: TypeAlias = ColumnElement[Any] | QueryableAttribute[Any]


def like_pattern(term: str) -> str:
    """A case-insensitive ``LIKE`` pattern matching ``term`` anywhere, with wildcards escaped."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def apply_search(stmt: StmtT, term: str | None, columns: Sequence[Column]) -> StmtT:
    """Keep rows where any of ``columns`` contains ``term`` (case-insensitive). Blank terms change nothing."""
    term = (term or "").strip()
    if not term:
        return stmt
    pattern = like_pattern(term[:200])
    return stmt.where(or_(*(column.ilike(pattern, escape="\\") for column in columns)))


def apply_ordering(
    stmt: StmtT,
    ordering: str | None,
    allowed: Mapping[str, Column],
    default: Sequence[Any],
    tiebreaker: Column | None = None,
) -> StmtT:
    """Order by ``ordering`` (``name`` or ``-name``, comma-separated) among ``allowed``; unknown names are a 400."""
    clauses: list[Any] = []
    for raw in (ordering or "").split(","):
        name = raw.strip()
        if not name:
            continue
        descending = name.startswith("-")
        key = name.lstrip("-+")
        column = allowed.get(key)
        if column is None:
            choices = ", ".join(sorted(allowed))
            raise FieldErrors({"ordering": [f"Unknown ordering field {key!r}. Choose from: {choices}."]})
        clauses.append(column.desc() if descending else column.asc())
    if not clauses:
        clauses = list(default)
    if tiebreaker is not None:
        clauses.append(tiebreaker)
    return stmt.order_by(*clauses)
