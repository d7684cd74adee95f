"""The diagram errors the web client reads: ``400 {error, code, detail, message, valid_options?}`` (contract X8)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.http.errors import ApplicationError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ("CONFIGURATION_ERROR", "INVALID_OPTIONS", "DiagramError", "invalid_option", "needs_github")

CONFIGURATION_ERROR = "CONFIGURATION_ERROR"
INVALID_OPTIONS = "INVALID_OPTIONS"


class DiagramError(ApplicationError):
    """A diagram request the plugin cannot answer, with a machine-readable ``code``."""

    def __init__(self, code: str, error: str, detail: str, valid_options: Sequence[str] | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.error = error
        self.valid_options = list(valid_options) if valid_options is not None else None

    def body(self) -> dict[str, Any]:
        """``{error, code, detail, message}`` plus ``valid_options`` when the caller chose among fixed values."""
        body: dict[str, Any] = {"error": self.error, "code": self.code, "detail": self.detail, "message": self.detail}
        if self.valid_options is not None:
            body["valid_options"] = self.valid_options
        return body


def invalid_option(field: str, value: str, valid: Sequence[str]) -> DiagramError:
    """``value`` is not one of ``valid`` for ``field`` (``diagram_type`` or ``format``)."""
    shown = value[:40]
    return DiagramError(
        INVALID_OPTIONS,
        f"Invalid {field}: {shown!r}.",
        f"{shown!r} is not a supported {field}. Choose one of: {', '.join(valid)}.",
        valid,
    )


def needs_github(diagram_type: str) -> DiagramError:
    """UML and architecture diagrams are drawn from the project's code, which needs a connected repository."""
    return DiagramError(
        CONFIGURATION_ERROR,
        f"The {diagram_type} diagram needs a GitHub repository connected to this project.",
        (
            f"{diagram_type.capitalize()} diagrams are generated from the project's source code, read through a "
            "GitHub integration. Connect a GitHub repository to this project to use them; workflow, dependency, "
            "roadmap, burndown and velocity diagrams work without one."
        ),
    )
