"""Token verification: remembered by the token's text, but never past its expiry."""

from __future__ import annotations

import time

import jwt
import pytest

from core.auth.tokens import InvalidTokenError, TokenCodec

SECRET = "unit-secret-" + "z" * 40


def _token(expires_in: float) -> tuple[str, int]:
    now = time.time()
    exp = int(now + expires_in)
    payload = {"token_type": "access", "sub": "7", "user_id": 7, "jti": "j1", "iat": now, "exp": exp}
    return jwt.encode(payload, SECRET, algorithm="HS256"), exp


def test_a_remembered_token_still_expires():
    """A token verified once keeps working from memory until ``exp``, then is refused as expired."""
    codec = TokenCodec(SECRET, "HS256", 5, 60)
    token, exp = _token(expires_in=1.5)
    assert codec.decode(token, "access").user_id == 7
    assert codec.decode(token, "access").user_id == 7  # from memory
    time.sleep(max(0.0, exp - time.time()) + 0.05)
    with pytest.raises(InvalidTokenError, match="expired"):
        codec.decode(token, "access")


def test_a_remembered_token_is_only_good_for_its_type():
    """Remembering an access token never lets it pass as a refresh token, nor a forged copy pass."""
    codec = TokenCodec(SECRET, "HS256", 5, 60)
    token, _ = _token(expires_in=60)
    codec.decode(token, "access")
    with pytest.raises(InvalidTokenError):
        codec.decode(token, "refresh")
    head, body, signature = token.split(".")
    with pytest.raises(InvalidTokenError):
        codec.decode(f"{head}.{body}.{signature[:-2]}AA", "access")
