"""The activity feed: every change the caller may see, newest first, with the contract's filters."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select

from core.db import models as m
from core.http.errors import FieldErrors
from core.http.params import optional_uuid
from core.http.query import apply_ordering
from core.reporting import schemas as s

if TYPE_CHECKING:
    from collections.abc import Mapping

    from core.context import RequestCtx
    from core.http.pagination import PageParams

__all__ = ("ActivityService", "present", "time_ago")

_ACTIONS = {
    "created": "Created",
    "updated": "Updated",
    "deleted": "Deleted",
    "transitioned": "Transitioned",
    "assigned": "Assigned",
    "commented": "Commented",
    "attached": "Attached",
    "linked": "Linked",
    "sprint_added": "Added to sprint",
    "sprint_removed": "Removed from sprint",
    "moved": "Moved",
}
_VERBS = {"sprint_added": "added to a sprint", "sprint_removed": "removed from a sprint"}


def time_ago(moment: datetime.datetime, now: datetime.datetime | None = None) -> str:
    """``"just now"``, ``"5 minutes ago"``, ``"3 days ago"``..."""
    seconds = int(((now or datetime.datetime.now(datetime.UTC)) - moment).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in (
        (31_536_000, "year"),
        (2_592_000, "month"),
        (604_800, "week"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
    ):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def present(row: m.Activity, user: m.User | None, now: datetime.datetime) -> s.ActivityEntry:
    """One feed entry."""
    name = user.full_name if user else "System"
    verb = _VERBS.get(row.action_type, row.action_type)
    target = f"{row.object_type.replace('_', ' ')} {row.object_repr}".strip()
    return s.ActivityEntry(
        id=row.id,
        user=user.id if user else None,
        user_detail=s.ActivityUser(
            id=user.id,
            user_uuid=user.user_uuid,
            username=user.username,
            email=user.email,
            full_name=user.full_name,
            avatar_url=user.avatar_url,
        )
        if user
        else None,
        user_name=name,
        user_email=user.email if user else "",
        action_type=row.action_type,
        action_display=_ACTIONS.get(row.action_type, row.action_type.replace("_", " ").capitalize()),
        formatted_action=f"{name} {verb} {target}",
        object_type=row.object_type,
        object_id=row.object_id,
        object_repr=row.object_repr,
        object_url=row.object_url,
        changes=dict(row.changes or {}),
        organization=row.organization_id,
        workspace=row.workspace_id,
        project=row.project_id,
        ip_address=row.ip_address,
        time_ago=time_ago(row.created_at, now),
        created_at=row.created_at,
    )


def _moment(value: str, field: str) -> datetime.datetime:
    try:
        # A "+" in an unencoded query string arrives as a space.
        moment = datetime.datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise FieldErrors({field: ["Use an ISO 8601 date or date-time."]}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


class ActivityService:
    """The feed as the caller may see it."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    def _visible(self) -> Any:
        policy = self.ctx.policy
        return or_(
            m.Activity.project_id.in_(policy.visible_project_ids()),
            and_(m.Activity.project_id.is_(None), m.Activity.workspace_id.in_(policy.visible_workspace_ids())),
            and_(
                m.Activity.project_id.is_(None),
                m.Activity.workspace_id.is_(None),
                m.Activity.organization_id.in_(policy.org_ids()),
            ),
        )

    async def list(
        self, params: PageParams, query: Mapping[str, str], ordering: str | None
    ) -> tuple[int, list[tuple[m.Activity, m.User | None]]]:
        """One page of the feed and the total, in two statements."""
        stmt = (
            select(m.Activity, m.User)
            .outerjoin(m.User, m.User.id == m.Activity.user_id)
            .where(self._visible(), m.Activity.object_type != "event")
        )
        stmt = self._filter(stmt, query)
        count = await self.ctx.session.scalar(
            select(func.count()).select_from(stmt.with_only_columns(m.Activity.id).order_by(None).subquery())
        )
        stmt = apply_ordering(
            stmt,
            ordering,
            {"created_at": m.Activity.created_at, "action_type": m.Activity.action_type},
            default=[m.Activity.created_at.desc()],
            tiebreaker=m.Activity.id.desc(),
        )
        rows = (await self.ctx.session.execute(stmt.offset(params.offset).limit(params.limit))).all()
        return count or 0, [(row[0], row[1]) for row in rows]

    @staticmethod
    def _filter(stmt: Any, query: Mapping[str, str]) -> Any:
        for field, column in (
            ("project", m.Activity.project_id),
            ("workspace", m.Activity.workspace_id),
            ("organization", m.Activity.organization_id),
        ):
            if scope_id := optional_uuid(query.get(field), field):
                stmt = stmt.where(column == scope_id)
        if value := query.get("project_key"):
            stmt = stmt.where(
                m.Activity.project_id.in_(
                    select(m.Project.id).where(func.upper(m.Project.key) == value.strip().upper())
                )
            )
        if value := query.get("workspace_key"):
            stmt = stmt.where(
                m.Activity.workspace_id.in_(select(m.Workspace.id).where(m.Workspace.slug == value.strip().lower()))
            )
        if user_ref := (query.get("user") or "").strip():
            if user_ref.isdigit():
                stmt = stmt.where(m.Activity.user_id == int(user_ref))
            elif user_uuid := optional_uuid(user_ref, "user"):
                stmt = stmt.where(m.Activity.user_id.in_(select(m.User.id).where(m.User.user_uuid == user_uuid)))
        if value := query.get("user_email"):
            stmt = stmt.where(func.lower(m.User.email) == value.strip().lower())
        if value := query.get("action_type"):
            stmt = stmt.where(m.Activity.action_type.in_([v.strip() for v in value.split(",") if v.strip()]))
        if value := query.get("object_type"):
            stmt = stmt.where(m.Activity.object_type.in_([v.strip() for v in value.split(",") if v.strip()]))
        if value := query.get("created_after"):
            stmt = stmt.where(m.Activity.created_at >= _moment(value, "created_after"))
        if value := query.get("created_before"):
            stmt = stmt.where(m.Activity.created_at <= _moment(value, "created_before"))
        return stmt
