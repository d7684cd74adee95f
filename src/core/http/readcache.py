"""A read-through cache of the JSON answers of hot GET endpoints, exact to the last committed write.

An answer is stored per caller and URL together with the database generation (:mod:`core.db.changes`) read before
the request touched the database, and served only while that generation is still current: any committed write,
from any process or client of the database, makes every stored answer stale at once. The caller's token is
re-verified on every request (signature and expiry, by the auth middleware); whether its user is still active and
the token not revoked is remembered for the same generation, so a hit costs no database round trip at all.

Only endpoints whose answer depends on nothing but the caller, the URL and the database may use it (no clocks, no
signed links): a handler opts in with ``before_request=serve_cached`` and returns :func:`cached_json`.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any, TypeVar, cast

from litestar import Response
from litestar.enums import MediaType
from litestar.serialization import encode_json, get_serializer

if TYPE_CHECKING:
    from litestar import Request

    from core.auth.tokens import TokenClaims
    from core.db.changes import ChangeTracker

__all__ = ("ReadCache", "cached_json", "serve_cached")

_GENERATION = "scrum_read_generation"
_MAX_TOKENS = 50_000

T = TypeVar("T")
CacheKey = tuple[int, str, str, str, bytes]


class ReadCache:
    """Stored JSON bodies (an LRU bounded in bytes) and the tokens known good, all for one generation."""

    def __init__(self, tracker: ChangeTracker, max_bytes: int) -> None:
        self.tracker = tracker
        self.max_bytes = max_bytes
        self._generation: int | None = None
        self._bodies: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._size = 0
        self._tokens: dict[tuple[int, str], None] = {}
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        """False when configured off (``SCRUM_READ_CACHE_MB=0``)."""
        return self.max_bytes > 0

    def generation(self) -> int | None:
        """The current generation, dropping everything stored for an earlier one."""
        generation = self.tracker.current()
        if generation != self._generation:
            self._bodies.clear()
            self._tokens.clear()
            self._size = 0
            self._generation = generation
        return generation

    def begin(self, request: Request[Any, Any, Any]) -> int | None:
        """Note the generation before the request's first query; what it computes is valid for that one."""
        generation = self.generation() if self.enabled else None
        request.scope.setdefault("state", {})[_GENERATION] = generation
        return generation

    def token_verified(self, request: Request[Any, Any, Any], claims: TokenClaims) -> None:
        """The token's user was active and the token not revoked, as of the request's generation."""
        generation = request.scope.get("state", {}).get(_GENERATION)
        if generation is None or generation != self.generation():
            return
        if len(self._tokens) >= _MAX_TOKENS:
            self._tokens.pop(next(iter(self._tokens)))
        self._tokens[(claims.user_id, claims.jti)] = None

    def lookup(self, request: Request[Any, Any, Any]) -> bytes | None:
        """The stored body for this caller and URL, if still current."""
        if not self.enabled or self.generation() is None:
            return None
        claims: TokenClaims = request.auth
        if (claims.user_id, claims.jti) not in self._tokens:
            return None
        key = _key(request, claims)
        body = self._bodies.get(key)
        if body is None:
            self.misses += 1
            return None
        self._bodies.move_to_end(key)
        self.hits += 1
        return body

    def store(self, request: Request[Any, Any, Any], body: bytes) -> None:
        """Keep ``body`` if nothing was committed since the request began."""
        generation = request.scope.get("state", {}).get(_GENERATION)
        if generation is None or generation != self.generation() or len(body) > self.max_bytes // 8:
            return
        key = _key(request, request.auth)
        previous = self._bodies.pop(key, None)
        if previous is not None:
            self._size -= len(previous)
        self._bodies[key] = body
        self._size += len(body)
        while self._size > self.max_bytes:
            _, evicted = self._bodies.popitem(last=False)
            self._size -= len(evicted)


def _key(request: Request[Any, Any, Any], claims: TokenClaims) -> CacheKey:
    scope = request.scope
    # The host and scheme are part of the answer: page links are absolute.
    host = request.headers.get("host", "")
    return (claims.user_id, scope["scheme"], host, scope["path"], scope["query_string"])


def _json(body: bytes) -> Response[bytes]:
    return Response(content=body, media_type=MediaType.JSON)


async def serve_cached(request: Request[Any, Any, Any]) -> Response[bytes] | None:
    """``before_request`` hook: answer from the cache when it holds a current body for this caller and URL."""
    cache: ReadCache = request.app.state.read_cache
    body = cache.lookup(request)
    return None if body is None else _json(body)


def cached_json(request: Request[Any, Any, Any], value: T) -> Response[T]:
    """Encode ``value`` as the handler's JSON answer and keep it for the next identical request.

    The handler is annotated ``-> Response[Model]`` so the API schema still describes ``Model``.
    """
    body = encode_json(value, serializer=get_serializer(request.route_handler.resolve_type_encoders()))
    cache: ReadCache = request.app.state.read_cache
    cache.store(request, body)
    return cast("Response[T]", _json(body))
