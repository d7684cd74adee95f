"""The one error an outside AI service turns into: a 503 the web client shows, never a 500 or a 401/403.

A provider's own 401 (a wrong ``AI_API_KEY``) must not reach the browser as a 401: the web client would log the
user out (contract X2). Every failure of the language model, the embedding endpoint or Pinecone, and every
timeout, becomes :class:`AIUnavailable`.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import anyio

from core.http.errors import ServiceUnavailable

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ("AIUnavailable", "deadline")

logger = logging.getLogger("scrum.ai")
_MAX_REASON = 200


class AIUnavailable(ServiceUnavailable):
    """An AI service failed or did not answer in time (503 ``{"detail", "message", "error"}``).

    ``error`` is there too because the assistant chat shows ``error.error`` when a request fails.
    """

    def body(self) -> dict[str, Any]:
        """``{"detail", "message", "error"}``."""
        return {"detail": self.detail, "message": self.detail, "error": self.detail}


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


@contextlib.asynccontextmanager
async def deadline(seconds: float, what: str) -> AsyncIterator[None]:
    """Run the block within ``seconds``; a timeout or any failure of the outside service is :class:`AIUnavailable`.

    Args:
        seconds: the hard limit for the whole block, retries included.
        what: names the service in the message ("language model", "embedding", "vector index").
    """
    try:
        with anyio.fail_after(seconds):
            yield
    except AIUnavailable:
        raise
    except TimeoutError:
        logger.warning("the %s service did not answer within %s s", what, seconds)
        msg = f"The AI service ({what}) did not answer within {seconds:g} seconds. Try again later."
        raise AIUnavailable(msg) from None
    except Exception as exc:
        # The provider's text stays in the log: it may quote the request or a masked key.
        logger.warning("the %s service failed: %s", what, _reason(exc))
        status = getattr(exc, "status_code", None) or getattr(exc, "status", None)
        kind = type(exc).__name__ + (f", HTTP {status}" if isinstance(status, int) else "")
        msg = f"The AI service ({what}) is not available right now ({kind}). Try again later."
        raise AIUnavailable(msg) from exc
