"""The workflow diagram: a project's statuses as boxes, its transitions as arrows, issue counts per status.

Statuses are laid out in columns left to right by category (to do, in progress, done) and then by their
``order``; statuses sharing both stand in the same column. Two statements whatever the size of the project.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, func, select

from core.db import models as m
from plugins.diagrams import schemas as s
from plugins.diagrams.layout import Box, columns
from plugins.diagrams.palette import CATEGORY_COLORS, CATEGORY_LABELS, EDGE_COLOR, category_rank

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ("workflow_data",)

BOX = Box(width=180, height=80, gap_x=120, gap_y=60)
PADDING = 60.0
TOP = 70.0  # room for the START/END badges and for arrows arching over the first row
ARC = 70.0  # room for arrows arching under the last row
LEGEND_WIDTH = 220.0
LEGEND_ROW = 25.0


async def workflow_data(session: AsyncSession, project: m.Project) -> s.WorkflowData:
    """The workflow diagram of ``project`` (whose access the caller checked)."""
    issue_count = (
        select(func.count(m.Issue.id))
        .where(m.Issue.status_id == m.WorkflowStatus.id, m.Issue.is_active.is_(True))
        .correlate(m.WorkflowStatus)
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(
                m.WorkflowStatus.id,
                m.WorkflowStatus.name,
                m.WorkflowStatus.category,
                m.WorkflowStatus.description,
                m.WorkflowStatus.color,
                m.WorkflowStatus.order,
                m.WorkflowStatus.is_initial,
                m.WorkflowStatus.is_final,
                m.WorkflowStatus.is_active,
                issue_count.label("issue_count"),
            )
            .where(m.WorkflowStatus.project_id == project.id)
            .order_by(m.WorkflowStatus.order, m.WorkflowStatus.name, m.WorkflowStatus.id)
        )
    ).all()
    # A retired status still holding issues stays visible: those issues are somewhere.
    statuses = [row for row in rows if row.is_active or row.issue_count]
    shown = {row.id for row in statuses}
    transitions = (
        await session.execute(
            select(
                m.WorkflowTransition.id,
                m.WorkflowTransition.from_status_id,
                m.WorkflowTransition.to_status_id,
                m.WorkflowTransition.name,
            )
            .where(m.WorkflowTransition.project_id == project.id, m.WorkflowTransition.is_active.is_(True))
            .order_by(m.WorkflowTransition.created_at, m.WorkflowTransition.id)
        )
    ).all()
    names = {row.id: row.name for row in statuses}

    def column_key(row: Row[Any]) -> tuple[int, int]:
        return category_rank(row.category), row.order

    ordered = sorted(statuses, key=lambda row: (*column_key(row), row.name.lower(), str(row.id)))
    layers = [[row.id for row in group] for _, group in groupby(ordered, key=column_key)]
    placed = columns(layers, BOX, PADDING, PADDING + TOP)
    nodes = [
        s.WorkflowNode(
            id=row.id,
            name=row.name,
            type="status",
            category=row.category,
            description=row.description,
            color=row.color,
            stroke_color=CATEGORY_COLORS.get(row.category, EDGE_COLOR),
            stroke_width=4 if row.is_initial or row.is_final else 2,
            issue_count=int(row.issue_count or 0),
            is_start=bool(row.is_initial),
            is_end=bool(row.is_final),
            order=row.order,
            position=s.Point(*placed.centres[row.id]),
            dimensions=s.Size(BOX.width, BOX.height),
        )
        for row in ordered
    ]
    edges = [
        s.WorkflowEdge(
            id=row.id,
            source=row.from_status_id,
            target=row.to_status_id,
            label=row.name or f"{names[row.from_status_id]} → {names[row.to_status_id]}",
            type="transition",
            color=EDGE_COLOR,
            width=2,
        )
        for row in transitions
        if row.from_status_id in shown and row.to_status_id in shown and row.from_status_id != row.to_status_id
    ]
    categories = sorted({row.category for row in statuses}, key=lambda c: (category_rank(c), c))
    legend = s.Legend(
        title="Status categories",
        items=[
            s.LegendItem(
                label=CATEGORY_LABELS.get(category, category.replace("_", " ").title()),
                color=CATEGORY_COLORS.get(category, EDGE_COLOR),
                description="Border colour of its statuses; a thick border marks the start or an end status.",
            )
            for category in categories
        ],
    )
    legend_height = LEGEND_ROW * (len(legend.items) + 1)
    width = PADDING * 2 + placed.width + LEGEND_WIDTH
    height = PADDING * 2 + TOP + max(placed.height + ARC, legend_height)
    return s.WorkflowData(
        diagram_type="workflow",
        metadata=s.WorkflowMetadata(
            project_id=project.id,
            project_name=project.name,
            project_key=project.key,
            status_count=len(nodes),
            transition_count=len(edges),
            total_issues=sum(node.issue_count for node in nodes),
        ),
        nodes=nodes,
        edges=edges,
        legend=legend,
        layout=s.WorkflowLayout(type="horizontal", width=width, height=height, padding=PADDING),
    )
