"""Request and response shapes of the diagram endpoints and the JSON data of each diagram (contract section 11).

Every diagram's ``data`` carries what the web client's viewers read (``nodes``/``edges``/``layout`` for workflow,
``nodes``/``links``/``edges``/``critical_path``/``layout`` for dependency, ``sprints``/``milestones``/``metadata``/
``layout`` for roadmap), with positions computed here so the SVG rendering and a client drawing the JSON agree.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec

__all__ = (
    "DependencyData",
    "DependencyEdge",
    "DependencyLayout",
    "DependencyMetadata",
    "DependencyNode",
    "DiagramOptions",
    "DiagramParameters",
    "DiagramRequest",
    "DiagramResponse",
    "Legend",
    "LegendItem",
    "Point",
    "RoadmapData",
    "RoadmapLayout",
    "RoadmapMetadata",
    "RoadmapMilestone",
    "RoadmapSprint",
    "Size",
    "WorkflowData",
    "WorkflowEdge",
    "WorkflowLayout",
    "WorkflowMetadata",
    "WorkflowNode",
)

Short = Annotated[str, msgspec.Meta(max_length=64)]
Ident = Annotated[str, msgspec.Meta(max_length=100)]
Search = Annotated[str, msgspec.Meta(max_length=200)]
IdList = Annotated[list[Ident], msgspec.Meta(max_length=500)]


# --- requests -------------------------------------------------------------------------------------------------


class DiagramOptions(msgspec.Struct):
    """``options``: accepted for the web client; every diagram is computed fresh, so ``force_refresh`` is moot."""

    force_refresh: bool | None = None
    layout: Short | None = None
    diagram_type: Short | None = None


class DiagramParameters(msgspec.Struct):
    """``parameters``: filters of the dependency diagram. Lists may also come as comma-separated strings."""

    sprint_id: Ident | None = None
    status_ids: IdList | Search | None = None
    priorities: IdList | Search | None = None
    assignee_id: Ident | int | None = None
    issue_type_ids: IdList | Search | None = None
    search: Search | None = None


class DiagramRequest(msgspec.Struct):
    """``POST .../diagrams/generate/`` and ``.../export/``.

    ``project`` (or ``project_id``) is required except for a burndown of a given ``sprint``. Ids are read as text
    so that a malformed one is a 400 naming the field.
    """

    diagram_type: Short | None = None
    project: Ident | None = None
    project_id: Ident | None = None
    sprint: Ident | None = None
    format: Short | None = None
    options: DiagramOptions | None = None
    parameters: DiagramParameters | None = None


class DiagramResponse(msgspec.Struct):
    """The generated diagram: ``data`` is the diagram's object for ``json``, an SVG document for ``svg``."""

    diagram_type: str
    format: str
    data: Any
    cached: bool
    metadata: dict[str, Any]
    generation_time_ms: float


# --- shared pieces --------------------------------------------------------------------------------------------


class Point(msgspec.Struct):
    """The centre of a box, in diagram pixels (origin top left)."""

    x: float
    y: float


class Size(msgspec.Struct):
    """The size of a box, in diagram pixels."""

    width: float
    height: float


class LegendItem(msgspec.Struct):
    """One colour of a legend and what it means."""

    label: str
    color: str
    description: str = ""


class Legend(msgspec.Struct):
    """A titled list of colours."""

    title: str
    items: list[LegendItem]


# --- workflow -------------------------------------------------------------------------------------------------


class WorkflowNode(msgspec.Struct):
    """A workflow status. ``is_start`` is the initial status, ``is_end`` a final one."""

    id: uuid.UUID
    name: str
    type: str
    category: str
    description: str
    color: str
    stroke_color: str
    stroke_width: int
    issue_count: int
    is_start: bool
    is_end: bool
    order: int
    position: Point
    dimensions: Size


class WorkflowEdge(msgspec.Struct):
    """An allowed transition from ``source`` to ``target``."""

    id: uuid.UUID
    source: uuid.UUID
    target: uuid.UUID
    label: str
    type: str
    color: str
    width: int


class WorkflowLayout(msgspec.Struct):
    """Canvas of the workflow diagram: statuses in columns left to right by category, then order."""

    type: str
    width: float
    height: float
    padding: float


class WorkflowMetadata(msgspec.Struct):
    """What the workflow diagram shows."""

    project_id: uuid.UUID
    project_name: str
    project_key: str
    status_count: int
    transition_count: int
    total_issues: int


class WorkflowData(msgspec.Struct):
    """``diagram_type: workflow``."""

    diagram_type: str
    metadata: WorkflowMetadata
    nodes: list[WorkflowNode]
    edges: list[WorkflowEdge]
    legend: Legend
    layout: WorkflowLayout


# --- dependency -----------------------------------------------------------------------------------------------


class DependencyNode(msgspec.Struct):
    """An issue of the dependency graph."""

    id: uuid.UUID
    key: str
    summary: str
    status: str
    status_color: str
    status_category: str
    priority: str
    priority_color: str
    assignee: str | None
    assignee_id: int | None
    issue_type: str
    issue_type_color: str
    story_points: float | None
    parent: uuid.UUID | None
    is_resolved: bool
    is_critical: bool
    position: Point
    dimensions: Size


class DependencyEdge(msgspec.Struct):
    """A relation between two shown issues.

    ``type`` is ``blocks`` (source blocks target), ``depends_on`` (source depends on target), ``duplicates``,
    ``relates_to`` or ``subtask`` (source is the parent of target). Each relation appears once, whichever of its
    two stored directions it was created from.
    """

    id: str
    source: uuid.UUID
    target: uuid.UUID
    type: str
    label: str
    color: str
    dashed: bool
    is_critical: bool


class DependencyLayout(msgspec.Struct):
    """Canvas of the dependency graph: linked issues in layers left to right, unlinked ones in a grid below."""

    type: str
    width: float
    height: float
    padding: float


class DependencyMetadata(msgspec.Struct):
    """What the dependency graph shows and what it left out."""

    project_id: uuid.UUID
    project_name: str
    project_key: str
    node_count: int
    edge_count: int
    total_issues: int
    truncated: bool
    node_limit: int
    hidden_links: int
    has_cycles: bool
    cycles: list[list[str]]
    critical_path_length: int
    filters: dict[str, Any]


class DependencyData(msgspec.Struct):
    """``diagram_type: dependency``: ``links`` and ``edges`` hold the same items (the client reads both)."""

    diagram_type: str
    nodes: list[DependencyNode]
    links: list[DependencyEdge]
    edges: list[DependencyEdge]
    critical_path: list[uuid.UUID]
    legend: Legend
    layout: DependencyLayout
    metadata: DependencyMetadata


# --- roadmap --------------------------------------------------------------------------------------------------


class RoadmapSprint(msgspec.Struct):
    """A sprint on the timeline. ``progress`` is percent of committed points done (of issues when unestimated)."""

    id: uuid.UUID
    name: str
    goal: str
    start_date: datetime.date
    end_date: datetime.date
    dates_estimated: bool
    status: str
    color: str
    progress: float
    issue_count: int
    completed_count: int
    committed_points: float
    completed_points: float
    velocity: float | None


class RoadmapMilestone(msgspec.Struct):
    """A date that matters: an epic's due date (achieved once resolved) or a sprint's end (achieved once completed)."""

    id: str
    name: str
    date: datetime.date
    type: str
    color: str
    description: str
    achieved: bool


class RoadmapMetadata(msgspec.Struct):
    """The span of the roadmap."""

    project_id: uuid.UUID
    project_name: str
    project_key: str
    start_date: datetime.date
    end_date: datetime.date
    today: datetime.date
    sprint_count: int
    milestone_count: int


class RoadmapLayout(msgspec.Struct):
    """Canvas of the timeline: ``x = padding + label_width + (date - start_date).days * pixels_per_day``."""

    type: str
    width: float
    height: float
    padding: float
    label_width: float
    header_height: float
    row_height: float
    milestone_lane_height: float
    pixels_per_day: float
    start_date: datetime.date


class RoadmapData(msgspec.Struct):
    """``diagram_type: roadmap``."""

    diagram_type: str
    sprints: list[RoadmapSprint]
    milestones: list[RoadmapMilestone]
    metadata: RoadmapMetadata
    layout: RoadmapLayout
