"""Password reset (single use, expiring, no user enumeration) and login throttling."""

from __future__ import annotations

import datetime

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from core.db import models as m
from core.hookspecs import hookimpl
from tests.helpers import PASSWORD, ApiClient

pytestmark = pytest.mark.anyio


class ResetCatcher:
    """Captures password reset events, as the notifications plugin would."""

    def __init__(self) -> None:
        self.events: list[object] = []

    @hookimpl
    def on_password_reset_requested(self, event):
        self.events.append(event)


async def test_reset_flow_sets_new_password_and_token_is_single_use(app_factory):
    """The token from the event resets the password once; old sessions die; a second use is refused."""
    catcher = ResetCatcher()
    async with AsyncTestClient(app=app_factory(available={"catcher": catcher})) as raw:
        client = ApiClient(raw)
        me, login = await client.signed_up(email="reset@example.com")
        response = await raw.post("/api/v1/auth/password-reset-request/", json={"email": "RESET@example.com"})
        assert response.status_code == 200
        (event,) = catcher.events
        assert event.email == "reset@example.com"
        assert event.reset_url.endswith(event.token)
        new = "brand-New-passphrase-42"
        body = {"token": event.token, "new_password": new, "new_password_confirm": new}
        done = await raw.post("/api/v1/auth/password-reset-confirm/", json=body)
        assert done.status_code == 200, done.text
        assert done.json() == {"message": "Password reset successful"}
        again = await raw.post("/api/v1/auth/password-reset-confirm/", json=body)
        assert again.status_code == 400
        assert again.json()["token"] == ["Invalid token"]
        assert (await me.get("/api/v1/auth/me/")).status_code == 401  # sessions from before the reset are over
        old = await raw.post("/api/v1/auth/login/", json={"email": "reset@example.com", "password": PASSWORD})
        assert old.status_code == 400
        await client.login("reset@example.com", new)


async def test_reset_request_answers_the_same_for_unknown_emails(app_factory):
    """Whether the email exists cannot be learned from the answer, and no event fires for a stranger."""
    catcher = ResetCatcher()
    async with AsyncTestClient(app=app_factory(available={"catcher": catcher})) as raw:
        await ApiClient(raw).register(email="known@example.com")
        known = await raw.post("/api/v1/auth/password-reset-request/", json={"email": "known@example.com"})
        unknown = await raw.post("/api/v1/auth/password-reset-request/", json={"email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    assert len(catcher.events) == 1


async def test_expired_reset_token_is_refused(app_factory, db):
    """A token past its lifetime is an ``Invalid token`` field error."""
    catcher = ResetCatcher()
    async with AsyncTestClient(app=app_factory(available={"catcher": catcher})) as raw:
        await ApiClient(raw).register(email="late@example.com")
        await raw.post("/api/v1/auth/password-reset-request/", json={"email": "late@example.com"})
        async with db() as session:
            past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
            await session.execute(update(m.PasswordResetToken).values(expires_at=past))
            await session.commit()
        new = "brand-New-passphrase-42"
        response = await raw.post(
            "/api/v1/auth/password-reset-confirm/",
            json={"token": catcher.events[0].token, "new_password": new, "new_password_confirm": new},
        )
    assert response.status_code == 400
    assert response.json()["token"] == ["Invalid token"]


async def test_reset_confirm_checks_match_and_strength(client):
    """Mismatched confirmation and weak passwords are field errors, checked before the token is spent."""
    mismatch = await client.post(
        "/api/v1/auth/password-reset-confirm/",
        json={"token": "whatever", "new_password": "aaaaaaaaaaaa1", "new_password_confirm": "b"},
    )
    assert mismatch.status_code == 400
    assert "new_password_confirm" in mismatch.json()


async def test_login_is_limited_per_account_with_retry_after(app_factory):
    """After too many failures for one account the next try is a 429 with ``Retry-After``, even with the right password."""
    app = app_factory(login_rate_per_account=3, login_rate_per_ip=100)
    async with AsyncTestClient(app=app) as raw:
        client = ApiClient(raw)
        user = await client.register()
        for _ in range(3):
            bad = await raw.post("/api/v1/auth/login/", json={"email": user["email"], "password": "wrong-one-1"})
            assert bad.status_code == 400
        blocked = await raw.post("/api/v1/auth/login/", json={"email": user["email"], "password": PASSWORD})
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        assert "detail" in blocked.json()
        other = await client.register()
        await client.login(other["email"])  # other accounts are unaffected


async def test_login_is_limited_per_ip(app_factory):
    """Many attempts from one address are throttled whatever the account."""
    app = app_factory(login_rate_per_ip=5, login_rate_per_account=100)
    async with AsyncTestClient(app=app) as raw:
        statuses = [
            (
                await raw.post("/api/v1/auth/login/", json={"email": f"n{i}@example.com", "password": "x-y-z-1234"})
            ).status_code
            for i in range(7)
        ]
    assert statuses[:5] == [400] * 5
    assert statuses[5:] == [429, 429]
