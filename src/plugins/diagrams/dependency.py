"""The dependency diagram: a project's issues and how they hold each other up.

Edges come from issue links (each relation once, although the core stores both directions of it) and from
parent/sub-task relations. The critical path is the longest chain of blocking dependencies (``blocks`` and
``depends_on``); links that close a cycle are left out of it and the cycle is reported instead, so a circular
dependency never hangs the request. Linked issues are laid out in layers left to right (prerequisites first),
unlinked ones in a grid below.

Three statements whatever the number of issues (issues, links, and a count only when the cap cut the list).
"""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import aliased

from core.db import models as m
from core.http.errors import FieldErrors
from core.issues.queries import PRIORITIES, apply_issue_filters, issue_select
from plugins.diagrams import graph
from plugins.diagrams import schemas as s
from plugins.diagrams.layout import Box, columns, grid
from plugins.diagrams.palette import CRITICAL_COLOR, EDGE_COLOR, LINK_STYLES, PRIORITY_COLORS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Row, Select
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ("CANONICAL_LINKS", "DependencyFilters", "dependency_data")

BOX = Box(width=200, height=80, gap_x=100, gap_y=30)
PADDING = 40.0
HEADER = 80.0  # a line of notes (truncation, cycles), and room for arrows arching over the first row
ARC = 70.0  # room for arrows arching under the last row
LEGEND_WIDTH = 220.0
GRID_GAP = 30.0

# stored link type -> (relation, drawn reversed): "B blocked_by A" is drawn as "A blocks B".
CANONICAL_LINKS: dict[str, tuple[str, bool]] = {
    "blocks": ("blocks", False),
    "blocked_by": ("blocks", True),
    "depends_on": ("depends_on", False),
    "dependency_of": ("depends_on", True),
    "duplicates": ("duplicates", False),
    "duplicated_by": ("duplicates", True),
    "relates_to": ("relates_to", False),
}
_STATUS_ALIASES = {
    "todo": "to_do",
    "to_do": "to_do",
    "to-do": "to_do",
    "backlog": "to_do",
    "open": "to_do",
    "in_progress": "in_progress",
    "in-progress": "in_progress",
    "inprogress": "in_progress",
    "doing": "in_progress",
    "done": "done",
    "closed": "done",
    "completed": "done",
    "resolved": "done",
}
_UNASSIGNED = ("unassigned", "none", "null")


def _as_list(value: list[str] | str | None) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else value.split(",")
    return [item.strip() for item in items if item and item.strip()]


def _split_ids(values: list[str]) -> tuple[list[uuid.UUID], list[str]]:
    ids: list[uuid.UUID] = []
    words: list[str] = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            words.append(value.lower())
    return ids, words


@dataclass(frozen=True, slots=True)
class DependencyFilters:
    """The dependency diagram's ``parameters``, checked.

    Status and issue-type filters take ids, and also names or categories (the web client's filter panel sends
    ``todo``/``in_progress``/``done`` placeholders), so no value the client sends is an error.
    """

    sprint: str | None = None
    statuses: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    assignee: str | None = None
    issue_types: list[str] = field(default_factory=list)
    search: str | None = None

    @classmethod
    def parse(cls, params: s.DiagramParameters | None, sprint: str | None = None) -> DependencyFilters:
        """Read ``parameters``; ``sprint`` (the request's top-level ``sprint``) applies when they name none.

        Raises:
            FieldErrors: an unknown priority.
        """
        if params is None:
            return cls(sprint=(sprint or "").strip() or None)
        priorities = [value.upper() for value in _as_list(params.priorities)]
        bad = [value for value in priorities if value not in PRIORITIES]
        if bad:
            choices = ", ".join(PRIORITIES)
            raise FieldErrors({"priorities": [f"{bad[0][:10]!r} is not a valid priority. Choose from: {choices}."]})
        assignee = str(params.assignee_id).strip() if params.assignee_id is not None else ""
        return cls(
            sprint=(params.sprint_id or sprint or "").strip() or None,
            statuses=_as_list(params.status_ids),
            priorities=priorities,
            assignee=assignee or None,
            issue_types=_as_list(params.issue_type_ids),
            search=(params.search or "").strip() or None,
        )

    def applied(self) -> dict[str, Any]:
        """The filters in effect, for the metadata (empty ones left out)."""
        values: dict[str, Any] = {
            "sprint_id": self.sprint,
            "status_ids": self.statuses,
            "priorities": self.priorities,
            "assignee_id": self.assignee,
            "issue_type_ids": self.issue_types,
            "search": self.search,
        }
        return {key: value for key, value in values.items() if value}

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        """Narrow an :func:`issue_select` statement."""
        query = {"sprint": self.sprint or "", "search": self.search or ""}
        stmt = apply_issue_filters(stmt, {key: value for key, value in query.items() if value})
        if self.statuses:
            ids, words = _split_ids(self.statuses)
            categories = [_STATUS_ALIASES[word] for word in words if word in _STATUS_ALIASES]
            stmt = stmt.where(
                or_(
                    m.Issue.status_id.in_(ids),
                    m.WorkflowStatus.category.in_(categories),
                    func.lower(m.WorkflowStatus.name).in_(words),
                )
            )
        if self.issue_types:
            ids, words = _split_ids(self.issue_types)
            stmt = stmt.where(
                or_(
                    m.Issue.issue_type_id.in_(ids),
                    m.IssueType.category.in_(words),
                    func.lower(m.IssueType.name).in_(words),
                )
            )
        if self.priorities:
            stmt = stmt.where(m.Issue.priority.in_(self.priorities))
        if self.assignee is not None:
            stmt = stmt.where(self._assignee_clause(self.assignee))
        return stmt

    @staticmethod
    def _assignee_clause(value: str) -> ColumnElement[bool]:
        if value.lower() in _UNASSIGNED:
            return m.Issue.assignee_id.is_(None)
        if value.isdigit():
            return m.Issue.assignee_id == int(value) if len(value) < 19 else false()
        try:
            user_uuid = uuid.UUID(value)
        except ValueError:
            raise FieldErrors({"assignee_id": [f"{value[:64]!r} is not a user id or user_uuid."]}) from None
        return m.Issue.assignee_id.in_(select(m.User.id).where(m.User.user_uuid == user_uuid))


@dataclass(slots=True)
class _Relation:
    id: str
    source: uuid.UUID
    target: uuid.UUID
    kind: str


def _issue_statement(project_id: uuid.UUID, filters: DependencyFilters) -> tuple[Select[Any], Any]:
    base = issue_select()
    c = base.selected_columns
    stmt = base.with_only_columns(
        c.id,
        c.number,
        c.title,
        c.priority,
        c.story_points,
        c.project_key,
        c.type_name,
        c.type_color,
        c.status_name,
        c.status_category,
        c.status_color,
        c.status_is_final,
        c.assignee_id,
        c.assignee_username,
        c.assignee_first_name,
        c.assignee_last_name,
        c.parent_id,
        c.link_count,
        maintain_column_froms=True,
    ).where(m.Issue.project_id == project_id)
    return filters.apply(stmt), c


def _relations(
    link_rows: Sequence[Any], issue_rows: Sequence[Row[Any]], number: dict[uuid.UUID, int]
) -> tuple[list[_Relation], int]:
    """Each relation between shown issues once, and how many links lead to issues not shown."""
    relations: dict[tuple[str, uuid.UUID, uuid.UUID], _Relation] = {}
    hidden = 0
    # Rows stored in the forward direction first, so that a relation keeps the id of the link as it was created.
    for row in sorted(link_rows, key=lambda r: (CANONICAL_LINKS.get(r.link_type, ("", False))[1], str(r.id))):
        if row.source_issue_id not in number:
            continue
        if row.target_issue_id not in number:
            hidden += 1
            continue
        kind, reverse = CANONICAL_LINKS.get(row.link_type, (row.link_type, False))
        source, target = (
            (row.target_issue_id, row.source_issue_id) if reverse else (row.source_issue_id, row.target_issue_id)
        )
        if kind == "relates_to" and number[source] > number[target]:
            source, target = target, source
        relations.setdefault((kind, source, target), _Relation(str(row.id), source, target, kind))
    for row in issue_rows:
        if row.parent_id is not None and row.parent_id in number and row.parent_id != row.id:
            relations.setdefault(
                ("subtask", row.parent_id, row.id), _Relation(f"subtask-{row.id}", row.parent_id, row.id, "subtask")
            )
    return sorted(relations.values(), key=lambda r: (number[r.source], number[r.target], r.kind)), hidden


def _precedence(relation: _Relation) -> tuple[uuid.UUID, uuid.UUID] | None:
    """``(before, after)`` for a blocking relation: what must be finished first, and what waits for it."""
    if relation.kind == "blocks":
        return relation.source, relation.target
    if relation.kind == "depends_on":
        return relation.target, relation.source
    return None


def _layers(ids: list[uuid.UUID], relations: list[_Relation], rank: dict[uuid.UUID, int]) -> list[list[uuid.UUID]]:
    """Linked issues in layers: prerequisites, parents and originals left of what follows from them."""
    directed: dict[uuid.UUID, list[uuid.UUID]] = {node: [] for node in ids}
    for relation in relations:
        if relation.kind == "relates_to":
            continue
        before, after = _precedence(relation) or (relation.source, relation.target)
        directed[before].append(after)
    depth = graph.layer_depths(graph.acyclic(directed), rank.__getitem__)
    predecessors: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for node, nexts in directed.items():
        for nxt in nexts:
            predecessors[nxt].append(node)
    layers: list[list[uuid.UUID]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node in ids:
        layers[depth[node]].append(node)
    row_of: dict[uuid.UUID, int] = {}
    for n, layer in enumerate(layers):
        # One barycentre pass: an issue sits near the issues it follows, which keeps most arrows short.
        if n:
            layer.sort(
                key=lambda node: (
                    _mean([row_of[p] for p in predecessors[node] if p in row_of], default=float(len(layer))),
                    rank[node],
                )
            )
        else:
            layer.sort(key=rank.__getitem__)
        row_of.update({node: row for row, node in enumerate(layer)})
    return layers


def _mean(values: list[int], default: float) -> float:
    return sum(values) / len(values) if values else default


def _assignee_name(row: Row[Any]) -> str | None:
    if row.assignee_id is None:
        return None
    name = f"{row.assignee_first_name or ''} {row.assignee_last_name or ''}".strip()
    return name or row.assignee_username


async def dependency_data(
    session: AsyncSession, project: m.Project, filters: DependencyFilters, max_nodes: int
) -> s.DependencyData:
    """The dependency graph of ``project`` (whose access the caller checked), at most ``max_nodes`` issues.

    When the cap cuts the list, the issues with the most links are kept (then the lowest keys).
    """
    stmt, c = _issue_statement(project.id, filters)
    ordered = stmt.order_by(c.link_count.desc(), m.Issue.number)
    # One row more than the cap says whether the cap cut the list, without counting every time.
    issue_rows = list((await session.execute(ordered.limit(max_nodes + 1))).all())
    truncated = len(issue_rows) > max_nodes
    issue_rows = sorted(issue_rows[:max_nodes], key=lambda row: row.number)
    total = len(issue_rows)
    if truncated:
        counted = stmt.with_only_columns(m.Issue.id, maintain_column_froms=True)
        total = await session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    shown_ids = ordered.with_only_columns(m.Issue.id, maintain_column_froms=True).limit(max_nodes)
    target = aliased(m.Issue, name="link_target")
    link_rows = list(
        (
            await session.execute(
                select(m.IssueLink.id, m.IssueLink.source_issue_id, m.IssueLink.target_issue_id, m.IssueLink.link_type)
                .join(target, target.id == m.IssueLink.target_issue_id)
                .where(m.IssueLink.source_issue_id.in_(shown_ids), target.is_active.is_(True))
            )
        ).all()
    )
    number = {row.id: row.number for row in issue_rows}
    relations, hidden = _relations(link_rows, issue_rows, number)
    key = {row.id: f"{row.project_key}-{row.number}" for row in issue_rows}

    blocking: dict[uuid.UUID, list[uuid.UUID]] = {row.id: [] for row in issue_rows}
    for relation in relations:
        if (pair := _precedence(relation)) is not None:
            blocking[pair[0]].append(pair[1])
    cycles = graph.cycles(blocking, number.__getitem__)
    chain = graph.longest_chain(graph.acyclic(blocking), number.__getitem__)
    chain = chain if len(chain) > 1 else []
    critical_pairs = set(itertools.pairwise(chain))

    linked = {relation.source for relation in relations} | {relation.target for relation in relations}
    connected = [row.id for row in issue_rows if row.id in linked]
    loose = [row.id for row in issue_rows if row.id not in linked]
    layers = _layers(connected, relations, number)
    top = PADDING + HEADER
    placed = columns(layers, BOX, PADDING, top)
    grid_top = top + placed.height + (ARC + GRID_GAP if connected and loose else 0)
    per_row = max(4, min(8, len(layers)))
    loose_placed = grid(loose, per_row, BOX, PADDING, grid_top)
    centres = {**placed.centres, **loose_placed.centres}
    content_width = max(placed.width, loose_placed.width)
    content_bottom = (grid_top + loose_placed.height) if loose else (top + placed.height + ARC)

    on_chain = set(chain)
    nodes = [
        s.DependencyNode(
            id=row.id,
            key=key[row.id],
            summary=row.title,
            status=row.status_name,
            status_color=row.status_color,
            status_category=row.status_category,
            priority=row.priority,
            priority_color=PRIORITY_COLORS.get(row.priority, EDGE_COLOR),
            assignee=_assignee_name(row),
            assignee_id=row.assignee_id,
            issue_type=row.type_name,
            issue_type_color=row.type_color,
            story_points=float(row.story_points) if row.story_points is not None else None,
            parent=row.parent_id if row.parent_id in number else None,
            is_resolved=bool(row.status_is_final),
            is_critical=row.id in on_chain,
            position=s.Point(*centres[row.id]),
            dimensions=s.Size(BOX.width, BOX.height),
        )
        for row in issue_rows
    ]
    edges = []
    for relation in relations:
        label, color, dashed = LINK_STYLES.get(relation.kind, (relation.kind.replace("_", " "), EDGE_COLOR, True))
        critical = _precedence(relation) in critical_pairs
        edges.append(
            s.DependencyEdge(
                id=relation.id,
                source=relation.source,
                target=relation.target,
                type=relation.kind,
                label=label,
                color=CRITICAL_COLOR if critical else color,
                dashed=dashed,
                is_critical=critical,
            )
        )
    kinds = sorted({relation.kind for relation in relations}, key=lambda k: (k not in LINK_STYLES, k))
    legend_items = [
        s.LegendItem(label=LINK_STYLES.get(k, (k, EDGE_COLOR, True))[0], color=LINK_STYLES.get(k, ("", EDGE_COLOR))[1])
        for k in kinds
    ]
    if chain:
        legend_items.append(
            s.LegendItem(label="critical path", color=CRITICAL_COLOR, description="Longest chain of blocking links.")
        )
    legend = s.Legend(title="Links", items=legend_items)
    legend_height = 25.0 * (len(legend_items) + 1)
    return s.DependencyData(
        diagram_type="dependency",
        nodes=nodes,
        links=edges,
        edges=edges,
        critical_path=chain,
        legend=legend,
        layout=s.DependencyLayout(
            type="layered",
            width=PADDING * 2 + max(content_width, BOX.width) + LEGEND_WIDTH,
            height=max(content_bottom, top + legend_height) + PADDING,
            padding=PADDING,
        ),
        metadata=s.DependencyMetadata(
            project_id=project.id,
            project_name=project.name,
            project_key=project.key,
            node_count=len(nodes),
            edge_count=len(edges),
            total_issues=total,
            truncated=truncated,
            node_limit=max_nodes,
            hidden_links=hidden,
            has_cycles=bool(cycles),
            cycles=[[key[node] for node in cycle] for cycle in cycles],
            critical_path_length=len(chain),
            filters=filters.applied(),
        ),
    )
