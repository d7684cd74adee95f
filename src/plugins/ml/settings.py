"""Settings of the ml plugin, read from the environment only when the plugin is enabled.

A bad value stops start-up with one line naming the variable (``core.settings.SettingsError``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from core.settings import env_int

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ("MLSettings", "get_ml_settings")


@dataclass(frozen=True, slots=True)
class MLSettings:
    """How much history the estimators need and use, and the working assumptions of the sprint forecasts."""

    min_training_samples: int = 10
    max_training_issues: int = 2000
    stalled_days: int = 3
    hours_per_day: int = 6
    model_cache_size: int = 32

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MLSettings:
        """Build the settings from ``env`` (default ``os.environ``).

        Raises:
            SettingsError: a variable is not a whole number or is out of range.
        """
        env = os.environ if env is None else env
        return cls(
            min_training_samples=env_int(env, "ML_MIN_TRAINING_SAMPLES", 10, minimum=2),
            max_training_issues=env_int(env, "ML_MAX_TRAINING_ISSUES", 2000, minimum=10),
            stalled_days=env_int(env, "ML_STALLED_DAYS", 3),
            hours_per_day=env_int(env, "ML_HOURS_PER_DAY", 6),
            model_cache_size=env_int(env, "ML_MODEL_CACHE_SIZE", 32, minimum=0),
        )


@lru_cache(maxsize=1)
def get_ml_settings() -> MLSettings:
    """The plugin's settings for this process, read once (only ever called when the plugin is enabled)."""
    return MLSettings.from_env()
