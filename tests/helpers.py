"""Test helpers: an HTTP client wrapper that knows how to make and sign in users."""

from __future__ import annotations

import itertools
from typing import Any

from litestar.testing import AsyncTestClient

PASSWORD = "correct-Horse-battery-9"
_counter = itertools.count(1)


class ApiClient:
    """Wraps a Litestar test client; ``as_user`` returns a copy that sends a bearer token."""

    def __init__(self, raw: AsyncTestClient[Any], token: str | None = None) -> None:
        self.raw = raw
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = dict(headers or {})
        if self.token and "Authorization" not in merged:
            merged["Authorization"] = f"Bearer {self.token}"
        return merged

    async def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """Send a request with this client's token."""
        kwargs["headers"] = self._headers(kwargs.get("headers"))
        return await self.raw.request(method, url, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> Any:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> Any:
        return await self.request("POST", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> Any:
        return await self.request("PATCH", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> Any:
        return await self.request("PUT", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Any:
        return await self.request("DELETE", url, **kwargs)

    def as_token(self, token: str | None) -> ApiClient:
        """A client on the same app sending ``token``."""
        return ApiClient(self.raw, token)

    async def register(self, **fields: Any) -> dict[str, Any]:
        """Register a fresh user (unique email/username unless given); return the response body."""
        n = next(_counter)
        body = {
            "email": f"user{n}@example.com",
            "username": f"user{n}",
            "first_name": "Test",
            "last_name": f"User{n}",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        }
        body.update(fields)
        response = await self.raw.post("/api/v1/auth/register/", json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        """Log in; return ``{access, refresh, user}``."""
        response = await self.raw.post("/api/v1/auth/login/", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def signed_up(self, **fields: Any) -> tuple[ApiClient, dict[str, Any]]:
        """Register and log in a new user; return a client with their token and the login body."""
        user = await self.register(**fields)
        login = await self.login(user["email"], fields.get("password", PASSWORD))
        return self.as_token(login["access"]), login
