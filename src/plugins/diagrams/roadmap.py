"""The roadmap: a project's sprints on a timeline with their progress, and its milestones.

Sprint status maps to ``planned`` (planning), ``active`` and ``completed``. Progress is the share of committed
points done (frozen at completion for a completed sprint), or of issues when nothing is estimated; for a completed
sprint the issue counts are the issues finished in it, since its unfinished ones left it. A sprint without dates is
placed where it would run (after the last known sprint, one configured sprint length long) and flagged
``dates_estimated``. Milestones are epics with a due date (achieved once resolved) and sprint ends (achieved once
the sprint is completed). Three statements whatever the size of the project.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core.db import models as m
from core.sprints.history import today
from core.sprints.presenters import percent, sprint
from core.sprints.queries import sprint_select
from plugins.diagrams import schemas as s
from plugins.diagrams.palette import CRITICAL_COLOR, MILESTONE_COLORS, SPRINT_COLORS

if TYPE_CHECKING:
    from sqlalchemy import Row
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ("SPRINT_STATUS", "roadmap_data")

SPRINT_STATUS = {"planning": "planned", "active": "active", "completed": "completed"}
"""The sprint model's status -> the roadmap's."""

PADDING = 40.0
LABEL_WIDTH = 220.0
HEADER = 70.0
ROW = 56.0
MILESTONE_LANE = 90.0
MARGIN_DAYS = 3
TARGET_WIDTH = 1100.0


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return moment.date() if moment is not None else None


def _dates(
    row: Row[Any], length: int, cursor: datetime.date, now: datetime.date
) -> tuple[datetime.date, datetime.date, bool]:
    """A sprint's start and end, estimated from what is known when a date is missing."""
    start, end = row.start_date, row.end_date
    if start is not None and end is not None:
        return start, max(start, end), False
    span = datetime.timedelta(days=length - 1)
    if start is None and end is not None:
        return end - span, end, True
    if start is None:
        if row.status == "completed":
            start = _day(row.started_at) or row.created_at.date()
            return start, max(start, _day(row.completed_at) or start + span), True
        start = (_day(row.started_at) or now) if row.status == "active" else max(cursor, now)
    return start, start + span, True


async def roadmap_data(session: AsyncSession, project: m.Project) -> s.RoadmapData:
    """The roadmap of ``project`` (whose access the caller checked)."""
    now = today()
    rows = (
        await session.execute(
            sprint_select()
            .where(m.Sprint.project_id == project.id)
            .order_by(m.Sprint.start_date.asc().nulls_last(), m.Sprint.created_at, m.Sprint.id)
        )
    ).all()
    weeks = await session.scalar(
        select(m.ProjectConfig.sprint_duration).where(m.ProjectConfig.project_id == project.id)
    )
    length = max(1, int(weeks or 2)) * 7
    epics = (
        await session.execute(
            select(m.Issue.id, m.Issue.number, m.Issue.title, m.Issue.due_date, m.WorkflowStatus.is_final)
            .join(m.IssueType, m.IssueType.id == m.Issue.issue_type_id)
            .join(m.WorkflowStatus, m.WorkflowStatus.id == m.Issue.status_id)
            .where(
                m.Issue.project_id == project.id,
                m.Issue.is_active.is_(True),
                m.IssueType.category == "epic",
                m.Issue.due_date.is_not(None),
            )
            .order_by(m.Issue.due_date, m.Issue.number)
        )
    ).all()

    known_ends = [row.end_date for row in rows if row.end_date is not None]
    cursor = max(known_ends) + datetime.timedelta(days=1) if known_ends else now
    sprints: list[s.RoadmapSprint] = []
    for row in rows:
        start, end, estimated = _dates(row, length, cursor, now)
        if estimated:
            cursor = max(cursor, end + datetime.timedelta(days=1))
        shown = sprint(row)
        status = SPRINT_STATUS.get(row.status, "planned")
        committed, completed = shown.committed_points, shown.completed_points
        progress = min(100.0, percent(completed, committed)) if committed else shown.progress_percentage
        sprints.append(
            s.RoadmapSprint(
                id=row.id,
                name=row.name,
                goal=row.goal,
                start_date=start,
                end_date=end,
                dates_estimated=estimated,
                status=status,
                color=SPRINT_COLORS[status],
                progress=progress,
                issue_count=shown.issue_count,
                completed_count=shown.completed_issue_count,
                committed_points=committed,
                completed_points=completed,
                velocity=completed if status != "planned" else None,
            )
        )
    sprints.sort(key=lambda item: (item.start_date, item.end_date))

    milestones = [
        s.RoadmapMilestone(
            id=str(epic.id),
            name=f"{project.key}-{epic.number}: {epic.title}",
            date=epic.due_date,
            type="epic",
            color=MILESTONE_COLORS["achieved"]
            if epic.is_final
            else (CRITICAL_COLOR if epic.due_date < now else MILESTONE_COLORS["epic"]),
            description="Epic resolved." if epic.is_final else "Epic due date.",
            achieved=bool(epic.is_final),
        )
        for epic in epics
    ]
    milestones.extend(
        s.RoadmapMilestone(
            id=f"sprint-end-{item.id}",
            name=f"{item.name} ends",
            date=item.end_date,
            type="sprint_end",
            color=MILESTONE_COLORS["achieved"] if item.status == "completed" else MILESTONE_COLORS["sprint_end"],
            description="End of the sprint (estimated)." if item.dates_estimated else "End of the sprint.",
            achieved=item.status == "completed",
        )
        for item in sprints
    )
    milestones.sort(key=lambda item: (item.date, item.type, item.name))

    dates = [d for item in sprints for d in (item.start_date, item.end_date)] + [item.date for item in milestones]
    dates += [d for d in (project.start_date, project.end_date) if d is not None]
    first, last = (min(dates), max(dates)) if dates else (now, now)
    scale_start = min(first, now) - datetime.timedelta(days=MARGIN_DAYS)
    scale_end = max(last, now) + datetime.timedelta(days=MARGIN_DAYS)
    days = (scale_end - scale_start).days + 1
    pixels_per_day = round(min(40.0, max(6.0, TARGET_WIDTH / days)), 2)
    lane = MILESTONE_LANE if milestones else 0.0
    return s.RoadmapData(
        diagram_type="roadmap",
        sprints=sprints,
        milestones=milestones,
        metadata=s.RoadmapMetadata(
            project_id=project.id,
            project_name=project.name,
            project_key=project.key,
            start_date=first,
            end_date=last,
            today=now,
            sprint_count=len(sprints),
            milestone_count=len(milestones),
        ),
        layout=s.RoadmapLayout(
            type="timeline",
            width=round(PADDING * 2 + LABEL_WIDTH + days * pixels_per_day, 1),
            height=PADDING * 2 + HEADER + max(len(sprints), 1) * ROW + lane,
            padding=PADDING,
            label_width=LABEL_WIDTH,
            header_height=HEADER,
            row_height=ROW,
            milestone_lane_height=lane,
            pixels_per_day=pixels_per_day,
            start_date=scale_start,
        ),
    )
