"""Settings of the ai plugin, read from the environment only when the plugin is enabled.

Nothing needs configuring: without keys the plugin embeds issues locally (a deterministic hashing embedding),
keeps the vectors in its own table and answers without a language model (retrieval and extractive answers that
say so). ``AI_API_KEY`` (or ``OPENAI_API_KEY``) turns on an OpenAI-compatible endpoint for embeddings and
answers; ``PINECONE_API_KEY`` with ``PINECONE_INDEX_HOST`` moves the vectors to a Pinecone index. A bad value
stops start-up with one line naming the variable (``core.settings.SettingsError``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from core.settings import SettingsError, env_bool, env_int

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ("AISettings", "get_ai_settings")

_EMBEDDINGS = ("auto", "api", "local")
_DEFAULT_BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True, slots=True)
class AISettings:
    """Where embeddings, answers and vectors come from, and the limits the plugin keeps to."""

    api_key: str | None = field(default=None, repr=False)
    base_url: str = _DEFAULT_BASE_URL
    chat_model: str = "gpt-4o-mini"
    embedding_model: str = "text-embedding-3-small"
    embeddings: str = "local"  # resolved: "api" or "local"
    timeout: int = 30
    max_retries: int = 2
    max_tokens: int = 800
    pinecone_api_key: str | None = field(default=None, repr=False)
    pinecone_index_host: str | None = None
    pinecone_namespace_prefix: str = "scrum-"
    vector_cache_mb: int = 256
    index_on_startup: bool = True

    @property
    def llm_enabled(self) -> bool:
        """True when answers come from a language model."""
        return self.api_key is not None

    @property
    def pinecone_enabled(self) -> bool:
        """True when vectors live in Pinecone rather than in the plugin's table."""
        return self.pinecone_api_key is not None and self.pinecone_index_host is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AISettings:
        """Build the settings from ``env`` (default ``os.environ``).

        Raises:
            SettingsError: a variable holds a value the plugin cannot work with.
        """
        env = os.environ if env is None else env
        api_key = env.get("AI_API_KEY", "").strip() or env.get("OPENAI_API_KEY", "").strip() or None
        base_url = (env.get("AI_BASE_URL", "").strip() or _DEFAULT_BASE_URL).rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            msg = f"AI_BASE_URL must be an http(s) URL such as https://api.openai.com/v1, got {base_url!r}"
            raise SettingsError(msg)
        embeddings = env.get("AI_EMBEDDINGS", "").strip().lower() or "auto"
        if embeddings not in _EMBEDDINGS:
            msg = f"AI_EMBEDDINGS must be one of {', '.join(_EMBEDDINGS)}, got {embeddings!r}"
            raise SettingsError(msg)
        if embeddings == "api" and api_key is None:
            msg = "AI_EMBEDDINGS=api needs AI_API_KEY (or OPENAI_API_KEY)"
            raise SettingsError(msg)
        if embeddings == "auto":
            embeddings = "api" if api_key else "local"
        pinecone_key = env.get("PINECONE_API_KEY", "").strip() or None
        pinecone_host = env.get("PINECONE_INDEX_HOST", "").strip().rstrip("/") or None
        if (pinecone_key is None) != (pinecone_host is None):
            msg = "PINECONE_API_KEY and PINECONE_INDEX_HOST must be set together (or neither)"
            raise SettingsError(msg)
        prefix = env.get("PINECONE_NAMESPACE_PREFIX", "scrum-").strip()
        if len(prefix) > 40:
            msg = f"PINECONE_NAMESPACE_PREFIX must be at most 40 characters, got {len(prefix)}"
            raise SettingsError(msg)
        return cls(
            api_key=api_key,
            base_url=base_url,
            chat_model=env.get("AI_CHAT_MODEL", "").strip() or "gpt-4o-mini",
            embedding_model=env.get("AI_EMBEDDING_MODEL", "").strip() or "text-embedding-3-small",
            embeddings=embeddings,
            timeout=env_int(env, "AI_TIMEOUT", 30),
            max_retries=env_int(env, "AI_MAX_RETRIES", 2, minimum=0),
            max_tokens=env_int(env, "AI_MAX_TOKENS", 800, minimum=16),
            pinecone_api_key=pinecone_key,
            pinecone_index_host=pinecone_host,
            pinecone_namespace_prefix=prefix,
            vector_cache_mb=env_int(env, "AI_VECTOR_CACHE_MB", 256, minimum=0),
            index_on_startup=env_bool(env, "AI_INDEX_ON_STARTUP", default=True),
        )


@lru_cache(maxsize=1)
def get_ai_settings() -> AISettings:
    """The plugin's settings for this process, read once (only ever called when the plugin is enabled)."""
    return AISettings.from_env()
