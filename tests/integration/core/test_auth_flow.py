"""Registration, login, refresh rotation, logout and the signed-in user's profile."""

from __future__ import annotations

import pytest

from tests.helpers import PASSWORD

pytestmark = pytest.mark.anyio


async def test_register_then_login_returns_tokens_and_full_user(client):
    """A new user can sign in and gets two JWTs plus the user shape the web client stores."""
    created = await client.register(email="Ana@Example.com", username="ana", first_name="Ana", last_name="Lopez")
    assert created["email"] == "ana@example.com"
    assert isinstance(created["id"], int)
    login = await client.login("ANA@example.com")
    assert login["access"].startswith("eyJ") and login["access"].count(".") == 2
    assert login["refresh"] != login["access"]
    user = login["user"]
    for key in (
        "id",
        "user_uuid",
        "username",
        "email",
        "first_name",
        "last_name",
        "full_name",
        "is_active",
        "is_staff",
        "is_superuser",
        "date_joined",
        "profile",
    ):
        assert key in user
    assert user["full_name"] == "Ana Lopez"
    assert user["is_superuser"] is False
    assert user["last_login"] is not None


async def test_register_rejects_mismatch_weak_and_duplicates(client):
    """Each bad field is reported under its own name."""
    await client.register(email="taken@example.com", username="taken")
    response = await client.post(
        "/api/v1/auth/register/",
        json={
            "email": "TAKEN@example.com",
            "username": "Taken",
            "first_name": "A",
            "last_name": "B",
            "password": "12345678",
            "password_confirm": "different",
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["email"] == ["A user with that email already exists."]
    assert body["username"] == ["A user with that username already exists."]
    assert body["password_confirm"] == ["Passwords do not match."]
    assert any("numeric" in msg for msg in body["password"])


async def test_login_with_wrong_password_is_400_with_message(client):
    """Wrong credentials answer 400 (a 401 would make the client show "session expired")."""
    user = await client.register()
    response = await client.post("/api/v1/auth/login/", json={"email": user["email"], "password": "nope-nope-1"})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid email or password."


async def test_me_requires_a_valid_token(client):
    """No token or a garbage token is a 401; a good one returns the user."""
    assert (await client.get("/api/v1/auth/me/")).status_code == 401
    bad = await client.as_token("not.a.jwt").get("/api/v1/auth/me/")
    assert bad.status_code == 401
    assert "detail" in bad.json()
    me, login = await client.signed_up()
    response = await me.get("/api/v1/auth/me/")
    assert response.status_code == 200
    assert response.json()["id"] == login["user"]["id"]


async def test_refresh_rotates_and_a_used_refresh_token_is_refused(client):
    """Refreshing spends the refresh token: a second use is a 401."""
    _, login = await client.signed_up()
    first = await client.post("/api/v1/auth/token/refresh/", json={"refresh": login["refresh"]})
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh"] != login["refresh"]
    again = await client.post("/api/v1/auth/token/refresh/", json={"refresh": login["refresh"]})
    assert again.status_code == 401
    newer = await client.post("/api/v1/auth/token/refresh/", json={"refresh": pair["refresh"]})
    assert newer.status_code == 200


async def test_refresh_refuses_an_access_token(client):
    """An access token is not a refresh token."""
    _, login = await client.signed_up()
    response = await client.post("/api/v1/auth/token/refresh/", json={"refresh": login["access"]})
    assert response.status_code == 401


async def test_logout_revokes_access_and_refresh(client):
    """After logout neither token works."""
    me, login = await client.signed_up()
    response = await me.post("/api/v1/auth/logout/", json={"refresh": login["refresh"]})
    assert response.status_code == 200
    assert response.json() == {"message": "Logged out successfully"}
    assert (await me.get("/api/v1/auth/me/")).status_code == 401
    refreshed = await client.post("/api/v1/auth/token/refresh/", json={"refresh": login["refresh"]})
    assert refreshed.status_code == 401


async def test_patch_own_profile_with_flat_fields(client):
    """Profile fields arrive flat and come back nested under ``profile``; blanks and nulls are accepted."""
    me, login = await client.signed_up()
    uid = login["user"]["id"]
    response = await me.patch(
        f"/api/v1/auth/users/{uid}/",
        json={"first_name": "Zoe", "bio": "Hi", "timezone": "America/La_Paz", "website_url": None, "language": "es"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["first_name"] == "Zoe"
    assert body["profile"]["bio"] == "Hi"
    assert body["profile"]["timezone"] == "America/La_Paz"
    assert body["profile"]["website_url"] == ""
    assert body["profile"]["language"] == "es"


async def test_patch_someone_else_is_404_and_email_must_stay_unique(client):
    """Another user's profile is invisible; an email already in use is a field error."""
    other = await client.register(email="other@example.com")
    me, login = await client.signed_up()
    assert (await me.patch(f"/api/v1/auth/users/{other['id']}/", json={"first_name": "X"})).status_code == 404
    clash = await me.patch(f"/api/v1/auth/users/{login['user']['id']}/", json={"email": "OTHER@example.com"})
    assert clash.status_code == 400
    assert "email" in clash.json()


async def test_password_is_never_returned(client):
    """No hash or password field leaks in any user shape."""
    created = await client.register(password=PASSWORD, password_confirm=PASSWORD)
    assert not any("password" in key for key in created)
