"""JSON Web Tokens (pyjwt): issue and verify access and refresh tokens.

Claims: ``sub`` (the user id as a string), ``user_id`` (the integer id, as the original sent it), ``jti``,
``iat``, ``exp`` and ``token_type`` (``access`` or ``refresh``). Only the configured HMAC algorithm is
accepted, so ``alg: none`` and foreign keys are rejected.
"""

from __future__ import annotations

import datetime
import time
import uuid

import jwt
import msgspec

__all__ = ("InvalidTokenError", "TokenClaims", "TokenCodec")

_MAX_ID = 2**63 - 1
# Verified tokens remembered by their exact text: checking an HMAC signature costs ~40 µs a request.
_VERIFIED_CACHE_SIZE = 10_000


class InvalidTokenError(Exception):
    """The token is malformed, signed with another key, expired, or of the wrong type."""


class TokenClaims(msgspec.Struct, frozen=True):
    """The verified claims of a token."""

    user_id: int
    jti: str
    token_type: str
    issued_at: datetime.datetime
    expires_at: datetime.datetime


class TokenCodec:
    """Signs and verifies tokens with one secret and algorithm."""

    def __init__(self, secret: str, algorithm: str, access_minutes: int, refresh_minutes: int) -> None:
        self.secret = secret
        self.algorithm = algorithm
        self.lifetimes = {
            "access": datetime.timedelta(minutes=access_minutes),
            "refresh": datetime.timedelta(minutes=refresh_minutes),
        }
        self._verified: dict[tuple[str, str], tuple[TokenClaims, float]] = {}

    def issue(self, user_id: int, token_type: str) -> tuple[str, TokenClaims]:
        """A signed token for ``user_id`` and its claims."""
        now = datetime.datetime.now(datetime.UTC)
        claims = TokenClaims(
            user_id=user_id,
            jti=uuid.uuid4().hex,
            token_type=token_type,
            issued_at=now,
            expires_at=now + self.lifetimes[token_type],
        )
        payload = {
            "token_type": token_type,
            "sub": str(user_id),
            "user_id": user_id,
            "jti": claims.jti,
            # A fractional iat (allowed by RFC 7519) lets a password reset cut off tokens issued a moment earlier.
            "iat": round(now.timestamp(), 6),
            "exp": int(claims.expires_at.timestamp()),
        }
        return jwt.encode(payload, self.secret, algorithm=self.algorithm), claims

    def decode(self, token: str, token_type: str) -> TokenClaims:
        """Verify ``token`` and return its claims.

        Raises:
            InvalidTokenError: any problem with the token.
        """
        known = self._verified.get((token, token_type))
        if known is not None:
            claims, expires = known
            if time.time() < expires:
                return claims
            del self._verified[(token, token_type)]
        claims = self._verify(token, token_type)
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))
        self._verified[(token, token_type)] = (claims, claims.expires_at.timestamp())
        return claims

    def _verify(self, token: str, token_type: str) -> TokenClaims:
        try:
            payload = jwt.decode(
                token,
                self.secret,
                algorithms=[self.algorithm],
                options={"require": ["exp", "iat", "jti", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            msg = "Token is expired."
            raise InvalidTokenError(msg) from exc
        except jwt.PyJWTError as exc:
            msg = "Token is invalid."
            raise InvalidTokenError(msg) from exc
        if payload.get("token_type") != token_type:
            msg = f"Token is not an {token_type} token." if token_type == "access" else "Token is not a refresh token."
            raise InvalidTokenError(msg)
        try:
            user_id = int(payload["sub"])
            if not 0 < user_id < _MAX_ID:
                raise ValueError(user_id)  # noqa: TRY301
            return TokenClaims(
                user_id=user_id,
                jti=str(payload["jti"])[:64],
                token_type=token_type,
                issued_at=datetime.datetime.fromtimestamp(float(payload["iat"]), datetime.UTC),
                expires_at=datetime.datetime.fromtimestamp(int(payload["exp"]), datetime.UTC),
            )
        except (TypeError, ValueError, OverflowError, OSError) as exc:
            # Claims signed with our key but out of range (a key holder's mistake): still just an invalid token.
            msg = "Token is invalid."
            raise InvalidTokenError(msg) from exc
