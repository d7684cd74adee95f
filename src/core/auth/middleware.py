"""Bearer-token authentication: verifies the JWT signature and claims; the user row is loaded by a dependency.

Routes marked ``opt={"exclude_from_auth": True}`` skip it. A missing or bad token is a 401, the only case
where this API answers 401 (contract X2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar.enums import ScopeType
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from core.auth.tokens import InvalidTokenError, TokenClaims, TokenCodec
from core.http.errors import NotAuthenticatedError

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection

__all__ = ("JWTAuthenticationMiddleware", "token_from_connection")


def token_from_connection(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The bearer token of a request, or the ``token`` query parameter of a WebSocket."""
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if connection.scope["type"] == ScopeType.WEBSOCKET:
        return connection.query_params.get("token") or None
    return None


class JWTAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Puts the verified :class:`TokenClaims` in ``connection.auth``."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        """Verify the access token or raise 401."""
        token = token_from_connection(connection)
        if token is None:
            msg = "Authentication credentials were not provided."
            raise NotAuthenticatedError(msg)
        codec: TokenCodec = connection.app.state.auth.codec
        try:
            claims: TokenClaims = codec.decode(token, "access")
        except InvalidTokenError as exc:
            raise NotAuthenticatedError(str(exc)) from None
        return AuthenticationResult(user=claims, auth=claims)
