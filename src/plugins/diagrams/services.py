"""What a diagram request means: which diagram, of which project, in which format; access; timing.

Order of checks: the type and format are known (``400 INVALID_OPTIONS`` with ``valid_options``), the project is
named (``400 {"project": [...]}``) and readable (``404`` otherwise, so its existence does not leak), then the
diagram is built. UML and architecture diagrams need the project's code through a GitHub integration, which this
product does not have: they are refused with ``400 CONFIGURATION_ERROR`` after the access check.

Nothing is cached: every answer is computed from the database at request time (``cached`` is always false), so
``options.force_refresh`` has nothing to refresh.
"""

from __future__ import annotations

import datetime
import re
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from core.access import Level
from core.http.errors import FieldErrors
from core.http.params import optional_uuid
from plugins.diagrams import charts
from plugins.diagrams.dependency import DependencyFilters, dependency_data
from plugins.diagrams.errors import invalid_option, needs_github
from plugins.diagrams.render_svg import render
from plugins.diagrams.roadmap import roadmap_data
from plugins.diagrams.settings import get_diagrams_settings
from plugins.diagrams.workflow import workflow_data

if TYPE_CHECKING:
    from core.context import RequestCtx
    from plugins.diagrams import schemas as s
    from plugins.diagrams.render_svg import Diagram

__all__ = ("CODE_DIAGRAMS", "DIAGRAM_TYPES", "EXPORT_FORMATS", "FORMATS", "DiagramService", "Generated")

DIAGRAM_TYPES = ("workflow", "dependency", "roadmap", "burndown", "velocity", "uml", "architecture")
"""Every diagram type the web client asks for."""
CODE_DIAGRAMS = ("uml", "architecture")
"""Diagrams drawn from the project's source code (they need a GitHub integration)."""
FORMATS = ("json", "svg")
"""Formats of ``generate``. PNG and PDF would need an image or PDF library; SVG converts to both client-side."""
EXPORT_FORMATS = ("svg", "json")
"""Formats of ``export`` (a file)."""


@dataclass(frozen=True, slots=True)
class Generated:
    """A diagram ready to send: ``content`` is the data object (json) or the SVG document (svg)."""

    diagram_type: str
    format: str
    content: Any
    metadata: dict[str, Any]
    generation_ms: float
    file_stem: str

    def file_bytes(self) -> bytes:
        """The diagram as a file: the SVG document, or the data as JSON."""
        if isinstance(self.content, str):
            return self.content.encode()
        return msgspec.json.encode(self.content)


def _choice(value: str | None, default: str | None, field: str, valid: tuple[str, ...]) -> str:
    chosen = (value or "").strip().lower() or default
    if chosen is None:
        raise FieldErrors({field: ["This field is required."]})
    if chosen not in valid:
        raise invalid_option(field, chosen, valid)
    return chosen


def _stem(*parts: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")[:80] or "diagram"


class DiagramService:
    """Diagrams of the projects the caller may read."""

    def __init__(self, ctx: RequestCtx) -> None:
        self.ctx = ctx

    async def _burndown(self, project_id: uuid.UUID | None, sprint_id: uuid.UUID | None) -> charts.SprintBurndown:
        """The named sprint's burndown, or that of the project's active (else latest completed) sprint."""
        if sprint_id is None:
            if project_id is None:
                raise FieldErrors({"project": ["This field is required (or name a sprint)."]})
            await self.ctx.policy.project(project_id, Level.READ)
            sprint_id = await charts.chart_sprint(self.ctx, project_id)
        return await charts.burndown(self.ctx, sprint_id, project_id)

    async def generate(
        self, request: s.DiagramRequest, *, formats: tuple[str, ...] = FORMATS, default_format: str = "json"
    ) -> Generated:
        """Build the requested diagram in the requested format.

        Raises:
            DiagramError: unknown type or format (``INVALID_OPTIONS``), or a diagram that needs GitHub.
            FieldErrors: no project (or sprint, for a burndown), a malformed id, or a bad filter.
            NotFound: the project or sprint is not one the caller may read.
        """
        started = time.perf_counter()
        diagram_type = _choice(request.diagram_type, None, "diagram_type", DIAGRAM_TYPES)
        fmt = _choice(request.format, default_format, "format", formats)
        project_id = optional_uuid(request.project or request.project_id, "project")
        params = request.parameters
        sprint_id = optional_uuid(request.sprint, "sprint")
        data: Diagram
        if diagram_type == "burndown":
            if sprint_id is None and params is not None:
                sprint_id = optional_uuid(params.sprint_id, "sprint_id")
            data = await self._burndown(project_id, sprint_id)
            stem = _stem(data.sprint_name, "burndown")
        else:
            if project_id is None:
                raise FieldErrors({"project": ["This field is required."]})
            project, _ = await self.ctx.policy.project(project_id, Level.READ)
            if diagram_type in CODE_DIAGRAMS:
                raise needs_github(diagram_type)
            stem = _stem(project.key, diagram_type)
            session = self.ctx.session
            if diagram_type == "workflow":
                data = await workflow_data(session, project)
            elif diagram_type == "dependency":
                filters = DependencyFilters.parse(params, sprint=request.sprint)
                data = await dependency_data(session, project, filters, get_diagrams_settings().max_nodes)
            elif diagram_type == "roadmap":
                data = await roadmap_data(session, project)
            else:
                data = await charts.velocity(self.ctx, project.id)
        content: Any = render(data) if fmt == "svg" else data
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        return Generated(
            diagram_type=diagram_type,
            format=fmt,
            content=content,
            metadata=_metadata(data, elapsed),
            generation_ms=elapsed,
            file_stem=stem,
        )


def _metadata(data: Diagram, elapsed: float) -> dict[str, Any]:
    """The response's ``metadata``: the diagram's own summary (when it has one) plus timing."""
    summary = getattr(data, "metadata", None)
    values: dict[str, Any] = msgspec.to_builtins(summary) if summary is not None else {}
    values["generation_ms"] = elapsed
    values["generated_at"] = datetime.datetime.now(datetime.UTC).isoformat()
    if isinstance(data, charts.SprintBurndown):
        values["sprint_id"] = str(data.sprint_id)
    return values
