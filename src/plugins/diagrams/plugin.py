"""The diagrams plugin's hook implementations (the only module of the plugin with ``@hookimpl``).

Enable it with ``SCRUM_PLUGINS`` (or leave the variable unset). It reads the core's data and writes nothing:
no tables, jobs or lifecycle hooks. ``DIAGRAMS_MAX_NODES`` (default 500) caps the issues of a dependency diagram.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.hookspecs import hookimpl
from plugins.diagrams.controllers import ROUTES
from plugins.diagrams.settings import get_diagrams_settings

if TYPE_CHECKING:
    from collections.abc import Sequence

__version__ = "1.0.0"


@hookimpl
def register_routes() -> Sequence[Any]:
    """``POST /api/v1/reporting/diagrams/generate/``, ``.../export/`` and ``/api/v1/diagrams/generate/``."""
    get_diagrams_settings()  # read here: a bad DIAGRAMS_MAX_NODES stops start-up, and only when enabled
    return list(ROUTES)


@hookimpl
def register_openapi_tags() -> Sequence[dict[str, str]]:
    """The ``diagrams`` tag."""
    return [
        {
            "name": "diagrams",
            "description": "Workflow, dependency, roadmap, burndown and velocity diagrams as JSON data or SVG.",
        }
    ]
