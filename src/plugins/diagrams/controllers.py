"""``/api/v1/reporting/diagrams/generate|export/`` and ``/api/v1/diagrams/generate/`` (contract section 11). Thin."""

from __future__ import annotations

from litestar import Controller, MediaType, Response, post
from litestar.status_codes import HTTP_200_OK

from core.context import Ctx
from core.http.params import JSONBody
from plugins.diagrams import schemas as s
from plugins.diagrams.services import EXPORT_FORMATS, DiagramService, Generated

__all__ = ("ROUTES", "DiagramController")

_MEDIA_TYPES = {"svg": "image/svg+xml", "json": MediaType.JSON}


def _headers(generated: Generated) -> dict[str, str]:
    """The original's diagram headers (the web client does not need them; scripts and proxies may)."""
    return {
        "X-Diagram-Type": generated.diagram_type,
        "X-Diagram-Format": generated.format,
        "X-Diagram-Cached": "false",
        "X-Generation-Time": f"{generated.generation_ms / 1000:.3f}s",
    }


def _answer(generated: Generated) -> Response[s.DiagramResponse]:
    return Response(
        s.DiagramResponse(
            diagram_type=generated.diagram_type,
            format=generated.format,
            data=generated.content,
            cached=False,
            metadata=generated.metadata,
            generation_time_ms=generated.generation_ms,
        ),
        headers=_headers(generated),
    )


class DiagramController(Controller):
    """Diagrams of a project the caller may read (an invisible project is a 404)."""

    path = "/api/v1"
    tags = ["diagrams"]

    @post("/reporting/diagrams/generate", status_code=HTTP_200_OK, operation_id="GenerateDiagram")
    async def generate(self, ctx: Ctx, data: JSONBody[s.DiagramRequest]) -> Response[s.DiagramResponse]:
        """A workflow, dependency, roadmap, burndown or velocity diagram as JSON data or an SVG document.

        ``uml`` and ``architecture`` need a connected GitHub repository and answer ``400 CONFIGURATION_ERROR``.
        """
        return _answer(await DiagramService(ctx).generate(data))

    @post(
        "/diagrams/generate", status_code=HTTP_200_OK, operation_id="GenerateDiagramShortPath", include_in_schema=False
    )
    async def generate_short(self, ctx: Ctx, data: JSONBody[s.DiagramRequest]) -> Response[s.DiagramResponse]:
        """Same as ``POST /api/v1/reporting/diagrams/generate/`` (the UML and architecture pages call this path)."""
        return _answer(await DiagramService(ctx).generate(data))

    @post("/reporting/diagrams/export", status_code=HTTP_200_OK, operation_id="ExportDiagram")
    async def export(self, ctx: Ctx, data: JSONBody[s.DiagramRequest]) -> Response[bytes]:
        """The diagram as a file to download: an SVG document (default) or its JSON data."""
        generated = await DiagramService(ctx).generate(data, formats=EXPORT_FORMATS, default_format="svg")
        filename = f"{generated.file_stem}.{generated.format}"
        return Response(
            generated.file_bytes(),
            media_type=_MEDIA_TYPES[generated.format],
            headers={**_headers(generated), "Content-Disposition": f'attachment; filename="{filename}"'},
        )


ROUTES = [DiagramController]
"""Everything the plugin serves."""
