"""Burndown and velocity charts: the core's own figures (``core.sprints`` and ``core.reporting``), not a copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import case, select

from core.db import models as m
from core.http.errors import FieldErrors
from core.reporting.reports import ReportService, VelocityChart
from core.sprints.schemas import SprintBurndown
from core.sprints.services import SprintService

if TYPE_CHECKING:
    import uuid

    from core.context import RequestCtx

__all__ = ("VELOCITY_SPRINTS", "SprintBurndown", "VelocityChart", "burndown", "chart_sprint", "velocity")

VELOCITY_SPRINTS = 5
"""Completed sprints in the velocity chart, as in ``GET /reporting/reports/velocity/`` by default."""


async def chart_sprint(ctx: RequestCtx, project_id: uuid.UUID) -> uuid.UUID:
    """The sprint a project's burndown shows when none is named: the active one, else the latest completed one.

    Raises:
        FieldErrors: the project has neither.
    """
    preference = case((m.Sprint.status == "active", 0), else_=1)
    sprint_id: uuid.UUID | None = await ctx.session.scalar(
        select(m.Sprint.id)
        .where(m.Sprint.project_id == project_id, m.Sprint.status.in_(("active", "completed")))
        .order_by(preference, m.Sprint.completed_at.desc().nulls_last(), m.Sprint.id.desc())
        .limit(1)
    )
    if sprint_id is None:
        raise FieldErrors({"sprint": ["Choose a sprint: this project has no active or completed sprint yet."]})
    return sprint_id


async def burndown(ctx: RequestCtx, sprint_id: uuid.UUID, project_id: uuid.UUID | None) -> SprintBurndown:
    """The sprint's burndown (ideal and actual lines) as ``GET /projects/sprints/{id}/burndown/`` computes it.

    Raises:
        NotFound: the sprint is not in a project the caller may read.
        FieldErrors: the sprint is not in ``project_id``.
        ApplicationError: the sprint has no start or end date.
    """
    service = SprintService(ctx)
    sprint, _, _ = await service.get(sprint_id)
    if project_id is not None and sprint.project_id != project_id:
        raise FieldErrors({"sprint": ["This sprint is not in the project."]})
    return await service.burndown(sprint_id)


async def velocity(ctx: RequestCtx, project_id: uuid.UUID) -> VelocityChart:
    """Committed and completed points of the project's last completed sprints, oldest first."""
    return await ReportService(ctx).velocity(project_id, VELOCITY_SPRINTS)
