"""Settings of the diagrams plugin, read from the environment only when the plugin is enabled."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from core.settings import SettingsError, env_int

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ("MAX_NODES_CEILING", "DiagramsSettings", "get_diagrams_settings")

MAX_NODES_CEILING = 5000
"""Above this a dependency diagram is neither readable nor cheap to lay out; the setting refuses it."""


@dataclass(frozen=True, slots=True)
class DiagramsSettings:
    """Limits of the diagrams the plugin draws."""

    max_nodes: int = 500

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DiagramsSettings:
        """Build the settings from ``env`` (default ``os.environ``).

        Raises:
            SettingsError: ``DIAGRAMS_MAX_NODES`` is not a whole number between 1 and 5000.
        """
        env = os.environ if env is None else env
        max_nodes = env_int(env, "DIAGRAMS_MAX_NODES", 500)
        if max_nodes > MAX_NODES_CEILING:
            msg = f"DIAGRAMS_MAX_NODES must be at most {MAX_NODES_CEILING}, got {max_nodes}"
            raise SettingsError(msg)
        return cls(max_nodes=max_nodes)


@lru_cache(maxsize=1)
def get_diagrams_settings() -> DiagramsSettings:
    """The plugin's settings for this process, read once (only ever called when the plugin is enabled)."""
    return DiagramsSettings.from_env()
