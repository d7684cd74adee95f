"""Clients of the outside services, one per event loop and configuration, closed when the app stops.

HTTP clients hold connection pools bound to the event loop that opened them; the test client, a SAQ worker and
the server may each run their own loop, so clients are kept per loop (and per settings, so a test that points
the plugin at another loopback server gets a fresh client).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import openai
    import pinecone

    from plugins.ai.settings import AISettings

__all__ = ("close_clients", "openai_client", "pinecone_index")

logger = logging.getLogger("scrum.ai")

_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, AISettings], Any]] = (
    weakref.WeakKeyDictionary()
)


def _clients() -> dict[tuple[str, AISettings], Any]:
    loop = asyncio.get_running_loop()
    clients = _by_loop.get(loop)
    if clients is None:
        clients = _by_loop[loop] = {}
    return clients


def openai_client(settings: AISettings) -> openai.AsyncOpenAI:
    """The OpenAI-compatible client of this loop for ``settings`` (created on first use)."""
    clients = _clients()
    client: openai.AsyncOpenAI | None = clients.get(("openai", settings))
    if client is None:
        import openai

        # Explicit key and URL: the SDK would otherwise read OPENAI_BASE_URL and friends on its own.
        client = openai.AsyncOpenAI(
            api_key=settings.api_key,
            base_url=settings.base_url,
            timeout=float(settings.timeout),
            max_retries=settings.max_retries,
        )
        clients["openai", settings] = client
    return client


def pinecone_index(settings: AISettings) -> pinecone.AsyncIndex:
    """The Pinecone data-plane client of this loop for ``settings`` (created on first use)."""
    clients = _clients()
    index: pinecone.AsyncIndex | None = clients.get(("pinecone", settings))
    if index is None:
        import pinecone

        index = pinecone.AsyncIndex(
            host=settings.pinecone_index_host or "",
            api_key=settings.pinecone_api_key,
            timeout=float(settings.timeout),
            source_tag="ficct_scrum",
        )
        clients["pinecone", settings] = index
    return index


async def close_clients() -> None:
    """Close the clients this event loop opened (the app is stopping)."""
    with contextlib.suppress(RuntimeError):
        clients = _by_loop.pop(asyncio.get_running_loop(), {})
        for client in clients.values():
            try:
                await client.close()
            except Exception:  # closing is best effort at shutdown
                logger.debug("closing an AI client failed", exc_info=True)
