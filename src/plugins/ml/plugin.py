"""The ml plugin's hook implementations (the only module of the plugin with ``@hookimpl``).

Enable it with ``SCRUM_PLUGINS`` (or leave the variable unset). It only reads: its routes learn from the data of
the projects the caller may see, and it stores nothing (fitted models live in a small in-process cache).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.hookspecs import hookimpl
from plugins.ml.controllers import ROUTES
from plugins.ml.settings import get_ml_settings

if TYPE_CHECKING:
    from collections.abc import Sequence

__version__ = "1.0.0"


@hookimpl
def register_routes() -> Sequence[Any]:
    """The REST API under ``/api/v1/ml``."""
    get_ml_settings()  # read here: a bad ML_* value stops start-up, and only an enabled plugin reads its settings
    return list(ROUTES)


@hookimpl
def register_openapi_tags() -> Sequence[dict[str, str]]:
    """The ``ml`` tag."""
    return [
        {
            "name": "ml",
            "description": "Effort and story point estimates, assignment suggestions, sprint and project health.",
        }
    ]
