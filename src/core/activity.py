"""Writing the activity log: one row per change, in the same transaction as the change."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core.db import models as m

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from sqlalchemy.ext.asyncio import AsyncSession

    from core.context import RequestCtx

__all__ = ("apply_changes", "diff", "jsonable", "record_activity", "record_project_activity")


def jsonable(value: Any) -> Any:
    """A JSON-friendly form of a column value (for the ``changes`` of a log row)."""
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def diff(obj: Any, new_values: Mapping[str, Any], fields: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """``{field: {"old": ..., "new": ...}}`` for the values of ``new_values`` that differ from ``obj``'s."""
    changes: dict[str, dict[str, Any]] = {}
    for key in fields or new_values:
        if key not in new_values:
            continue
        old = getattr(obj, key, None)
        new = new_values[key]
        if old != new:
            changes[key] = {"old": jsonable(old), "new": jsonable(new)}
    return changes


def apply_changes(obj: Any, new_values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Set ``new_values`` on ``obj``; return what changed as :func:`diff` describes it."""
    changes = diff(obj, new_values)
    for key, value in new_values.items():
        setattr(obj, key, value)
    return changes


def record_activity(
    session: AsyncSession,
    *,
    actor: m.User | None,
    action: str,
    object_type: str,
    object_id: Any,
    object_repr: str = "",
    object_url: str = "",
    changes: Mapping[str, Any] | None = None,
    organization_id: uuid.UUID | None = None,
    workspace_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    ip_address: str | None = None,
) -> m.Activity:
    """Add an activity row to ``session`` (committed with the change it describes)."""
    row = m.Activity(
        user_id=actor.id if actor else None,
        action_type=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr[:300],
        object_url=object_url[:300],
        changes=dict(changes or {}),
        organization_id=organization_id,
        workspace_id=workspace_id,
        project_id=project_id,
        ip_address=ip_address,
    )
    session.add(row)
    return row


async def record_project_activity(
    ctx: RequestCtx,
    project: m.Project,
    action: str,
    changes: Mapping[str, Any] | None = None,
    *,
    object_type: str = "project",
    object_id: Any = None,
    object_repr: str | None = None,
    object_url: str | None = None,
    organization_id: uuid.UUID | None = None,
) -> m.Activity:
    """An activity row about ``project`` or something in it, by the caller, in the current transaction."""
    if organization_id is None:
        organization_id = await ctx.session.scalar(
            select(m.Workspace.organization_id).where(m.Workspace.id == project.workspace_id)
        )
    return record_activity(
        ctx.session,
        actor=ctx.user,
        action=action,
        object_type=object_type,
        object_id=object_id if object_id is not None else project.id,
        object_repr=object_repr if object_repr is not None else project.name,
        object_url=object_url or f"/projects/{project.id}",
        changes=changes,
        organization_id=organization_id,
        workspace_id=project.workspace_id,
        project_id=project.id,
        ip_address=ctx.ip,
    )
