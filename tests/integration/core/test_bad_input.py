"""Bad input to every auth endpoint is a clear 4xx in the documented shape, never a 500.

General errors are ``{"detail": ..., "message": ...}``; validation errors are ``{"field": ["message", ...]}``.
Page parameters are not routed yet, so they are not covered here.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import jwt
import pytest
from sqlalchemy import delete, update

from core.db import models as m
from tests.helpers import PASSWORD, ApiClient

pytestmark = pytest.mark.anyio

AUTH = "/api/v1/auth"
JSON = {"Content-Type": "application/json"}
HUGE = "x" * 100_000
OTHER_KEY = "another-service-secret-" + "z" * 40
_ids = itertools.count(1)

# Public endpoints that read a JSON object, with a body that passes schema validation.
PUBLIC_BODIES: dict[str, dict[str, Any]] = {
    "register": {
        "email": "new@example.com",
        "username": "newbie",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    },
    "login": {"email": "someone@example.com", "password": PASSWORD},
    "token/refresh": {"refresh": "not-checked-before-the-schema"},
    "password-reset-request": {"email": "someone@example.com"},
    "password-reset-confirm": {"token": "abc", "new_password": PASSWORD, "new_password_confirm": PASSWORD},
}
REQUIRED = {
    "register": ("email", "username", "password", "password_confirm"),
    "login": ("email", "password"),
    "token/refresh": ("refresh",),
    "password-reset-request": ("email",),
    "password-reset-confirm": ("token", "new_password", "new_password_confirm"),
}


def assert_error(response: Any, status: int) -> dict[str, Any]:
    """``response`` is ``status`` with a general error body; return the body."""
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("detail"), str), body
    assert body["detail"], body
    assert isinstance(body.get("message"), str), body
    return body


def assert_fields(response: Any, *fields: str) -> dict[str, list[str]]:
    """``response`` is a 400 whose body is field-keyed lists of messages naming every one of ``fields``."""
    assert response.status_code == 400, f"{response.request.method} {response.request.url}: {response.text}"
    body = response.json()
    assert isinstance(body, dict), body
    assert body, body
    assert "detail" not in body, body
    assert isinstance(body.pop("message"), str), body  # the one-line summary the web client shows
    for key, messages in body.items():
        assert isinstance(key, str), body
        assert isinstance(messages, list), body
        assert messages, body
        assert all(isinstance(text, str) and text for text in messages), body
    for field in fields:
        assert field in body, f"expected {field!r} in {body}"
    return body


def codec_settings(client: ApiClient) -> tuple[str, str]:
    """The test app's JWT secret and algorithm."""
    settings = client.raw.app.state.settings
    return settings.jwt_secret_key, settings.jwt_algorithm


def craft(client: ApiClient, *, key: str | None = None, algorithm: str | None = None, **claims: Any) -> str:
    """A JWT with the app's key and algorithm unless told otherwise; ``claims`` override a valid access token."""
    secret, default_algorithm = codec_settings(client)
    now = int(time.time())
    payload: dict[str, Any] = {"token_type": "access", "sub": "1", "user_id": 1, "jti": "j" * 32, "iat": now}
    payload["exp"] = now + 600
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    algorithm = algorithm or default_algorithm
    return jwt.encode(payload, None if algorithm == "none" else (key or secret), algorithm=algorithm)


async def fresh_user(client: ApiClient, db: Any, *, staff: bool = False) -> tuple[ApiClient, int]:
    """A user inserted directly (no password hashing, to keep the module fast) and a client with an access token."""
    n = next(_ids)
    async with db() as session:
        user = m.User(email=f"bad-input-{n}@example.com", username=f"bad_input_{n}", is_staff=staff)
        session.add(user)
        await session.commit()
        uid = user.id
    token, _ = client.raw.app.state.auth.codec.issue(uid, "access")
    return client.as_token(token), uid


async def body_endpoints(client: ApiClient, db: Any) -> list[tuple[ApiClient, str, str]]:
    """Every endpoint that reads a JSON body: ``(client to call it with, method, url)``."""
    me, uid = await fresh_user(client, db)
    return [
        *((client, "POST", f"{AUTH}/{path}/") for path in PUBLIC_BODIES),
        (me, "POST", f"{AUTH}/logout/"),
        (me, "PATCH", f"{AUTH}/users/{uid}/"),
    ]


# --- bodies that are not JSON objects ----------------------------------------------------------------------------

UNPARSEABLE = [
    b"{not json",
    b'{"email": "a@b.co"',
    b'{"email": "a@b.co"} trailing',
    b'{"email": NaN}',
    b"{'email': 'a@b.co'}",
    b'{"email": "\xff\xfe"}',
    b"\xff\xfe{}",
]


async def test_unparseable_json_body_is_400_not_valid_json(client, db):
    """A body that is not JSON (bad syntax, truncated, invalid UTF-8) gets a 400 saying so, never a server error."""
    for caller, method, url in await body_endpoints(client, db):
        for raw in UNPARSEABLE:
            response = await caller.request(method, url, content=raw, headers=JSON)
            body = assert_error(response, 400)
            assert body["detail"] == "Malformed request body: not valid JSON.", (url, raw, body)


async def test_deeply_nested_json_body_is_400(client, db):
    """A pathologically nested body is refused with a 400 instead of crashing the request."""
    for caller, method, url in await body_endpoints(client, db):
        for raw in (b"[" * 50_000 + b"]" * 50_000, b'{"email":' * 5_000 + b"1" + b"}" * 5_000):
            response = await caller.request(method, url, content=raw, headers=JSON)
            body = assert_error(response, 400)
            assert body["detail"] == "Malformed request body: nested too deeply.", (url, body)


async def test_number_too_big_for_the_json_decoder_is_400(client):
    """A 5000-digit number in the body is a 400 with a readable message, not msgspec's internals."""
    response = await client.post(f"{AUTH}/login/", content=b'{"email": ' + b"9" * 5_000 + b"}", headers=JSON)
    body = assert_error(response, 400)
    assert body["detail"] == "Malformed request body: integer value out of range."


async def test_json_that_is_not_an_object_is_a_non_field_error(client, db):
    """Sending a list, string, number or ``null`` instead of an object says an object was expected."""
    for caller, method, url in await body_endpoints(client, db):
        for payload, got in (([{"email": "a@b.co"}], "array"), ("email=a@b.co", "str"), (42, "int"), (True, "bool")):
            response = await caller.request(method, url, json=payload)
            body = assert_fields(response, "non_field_errors")
            assert set(body) == {"non_field_errors"}, (url, body)
            assert "object" in body["non_field_errors"][0], (url, body)
            assert f"got `{got}`" in body["non_field_errors"][0], (url, body)
        if url.endswith("/logout/"):
            continue  # a ``null`` body is how logout is sent without a refresh token
        response = await caller.request(method, url, content=b"null", headers=JSON)
        body = assert_fields(response, "non_field_errors")
        assert "got `null`" in body["non_field_errors"][0], (url, body)


async def test_missing_body_says_no_data_provided(client, db):
    """An empty body, or none at all, is a 400 that says no data was sent (not a cryptic ``'data'``)."""
    for caller, method, url in await body_endpoints(client, db):
        if url.endswith("/logout/"):
            continue  # logout's body is optional (see test_logout_without_a_body_logs_out)
        for kwargs in ({"content": b"", "headers": JSON}, {}):
            response = await caller.request(method, url, **kwargs)
            body = assert_fields(response, "non_field_errors")
            assert body == {"non_field_errors": ["No data provided."]}, (url, body)


async def test_logout_without_a_body_logs_out(client, db):
    """Logging out with no body (the refresh token is optional) still logs out."""
    me, _ = await fresh_user(client, db)
    response = await me.post(f"{AUTH}/logout/")
    assert response.status_code == 200, response.text


async def test_form_encoded_body_on_a_json_endpoint_is_400(client):
    """A form post where JSON is expected is refused as malformed JSON, not half-read."""
    response = await client.post(f"{AUTH}/login/", data={"email": "a@b.co", "password": PASSWORD})
    body = assert_error(response, 400)
    assert body["detail"] == "Malformed request body: not valid JSON."


# --- objects with wrong or missing fields --------------------------------------------------------------------------


async def test_missing_required_field_is_keyed_by_its_name(client):
    """Leaving out any required field reports ``{field: ["This field is required."]}``."""
    for path, fields in REQUIRED.items():
        for field in fields:
            body = {name: value for name, value in PUBLIC_BODIES[path].items() if name != field}
            response = await client.post(f"{AUTH}/{path}/", json=body)
            errors = assert_fields(response, field)
            assert errors == {field: ["This field is required."]}, (path, errors)


async def test_empty_object_names_a_missing_field(client):
    """``{}`` on any public endpoint names a required field, so the form can highlight it."""
    for path, fields in REQUIRED.items():
        response = await client.post(f"{AUTH}/{path}/", json={})
        errors = assert_fields(response)
        assert set(errors) <= set(fields), (path, errors)
        assert all(messages == ["This field is required."] for messages in errors.values()), (path, errors)


WRONG_TYPES = [
    ("register", "email", 5),
    ("register", "username", ["u"]),
    ("register", "password", 12345678),
    ("register", "password_confirm", None),
    ("register", "first_name", {"a": 1}),
    ("login", "email", 5),
    ("login", "email", None),
    ("login", "password", 123),
    ("login", "password", {"$ne": ""}),
    ("token/refresh", "refresh", 5),
    ("token/refresh", "refresh", None),
    ("password-reset-request", "email", ["a@b.co"]),
    ("password-reset-request", "email", True),
    ("password-reset-confirm", "token", 1),
    ("password-reset-confirm", "new_password", 1.5),
    ("password-reset-confirm", "new_password_confirm", False),
]


async def test_wrong_type_on_public_endpoints_is_keyed_by_field(client):
    """An int, list, object or null where a string belongs is a 400 under that field's name."""
    for path, field, value in WRONG_TYPES:
        response = await client.post(f"{AUTH}/{path}/", json={**PUBLIC_BODIES[path], field: value})
        errors = assert_fields(response, field)
        assert set(errors) == {field}, (path, field, errors)
        assert errors[field][0].startswith("Expected `"), (path, field, errors)


async def test_wrong_types_on_signed_in_endpoints_are_keyed_by_field(client, db):
    """Profile edits and logout with mistyped fields are 400s naming the field, and change nothing."""
    me, uid = await fresh_user(client, db)
    for field, value in [
        ("first_name", 5),
        ("email", None),
        ("email", 5),
        ("username", []),
        ("notification_preferences", "all"),
        ("notification_preferences", [1]),
        ("bio", {"text": "hi"}),
        ("avatar_url", 1),
    ]:
        response = await me.patch(f"{AUTH}/users/{uid}/", json={field: value})
        assert_fields(response, field)
    assert_fields(await me.post(f"{AUTH}/logout/", json={"refresh": 5}), "refresh")
    response = await me.get(f"{AUTH}/me/")
    assert response.status_code == 200, response.text  # the failed logout did not revoke the token
    assert response.json()["first_name"] == ""


async def test_unknown_fields_cannot_grant_privileges(client, db):
    """Smuggling ``is_staff``/``is_superuser``/``id`` into register or a profile edit is ignored."""
    created = await client.register(is_staff=True, is_superuser=True, is_active=False, id=999_999)
    assert created["is_staff"] is False
    assert created["is_superuser"] is False
    assert created["is_active"] is True
    assert created["id"] != 999_999
    me, uid = await fresh_user(client, db)
    response = await me.patch(
        f"{AUTH}/users/{uid}/", json={"is_staff": True, "is_superuser": True, "id": 5, "password_hash": "x"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["id"] == uid
    assert response.json()["is_staff"] is False
    assert response.json()["is_superuser"] is False


# --- huge input ----------------------------------------------------------------------------------------------------


async def test_huge_strings_are_400_and_fast(client, db):
    """100k-character emails, passwords and tokens are refused quickly with a field error, not hashed or stored."""
    me, uid = await fresh_user(client, db)
    register, confirm = PUBLIC_BODIES["register"], PUBLIC_BODIES["password-reset-confirm"]
    cases: list[tuple[ApiClient, str, str, dict[str, Any], str]] = [
        (client, "POST", "register", {**register, "email": HUGE + "@example.com"}, "email"),
        (client, "POST", "register", {**register, "username": HUGE}, "username"),
        (client, "POST", "register", {**register, "password": HUGE, "password_confirm": HUGE}, "password"),
        (client, "POST", "register", {**register, "first_name": HUGE}, "first_name"),
        (client, "POST", "login", {"email": HUGE + "@example.com", "password": PASSWORD}, "email"),
        (client, "POST", "login", {"email": "someone@example.com", "password": HUGE}, "password"),
        (client, "POST", "token/refresh", {"refresh": HUGE}, "refresh"),
        (client, "POST", "password-reset-request", {"email": HUGE}, "email"),
        (client, "POST", "password-reset-confirm", {**confirm, "token": HUGE}, "token"),
        (client, "POST", "password-reset-confirm", {**confirm, "new_password": HUGE}, "new_password"),
        (me, "POST", "logout", {"refresh": HUGE}, "refresh"),
        (me, "PATCH", f"users/{uid}", {"bio": HUGE}, "bio"),
        (me, "PATCH", f"users/{uid}", {"email": HUGE}, "email"),
        (me, "PATCH", f"users/{uid}", {"website_url": HUGE}, "website_url"),
    ]
    for caller, method, path, body, field in cases:
        started = time.perf_counter()
        response = await caller.request(method, f"{AUTH}/{path}/", json=body)
        elapsed = time.perf_counter() - started
        errors = assert_fields(response, field)
        assert "length" in errors[field][0], (path, errors)
        assert elapsed < 0.5, f"{path} took {elapsed:.2f}s"


async def test_long_password_under_the_schema_cap_is_a_clear_400(client, db):
    """A 4096-character password is 'too long' on register and simply wrong on login, both quick."""
    started = time.perf_counter()
    long_password = "Ab1-" * 1024
    response = await client.post(
        f"{AUTH}/register/",
        json={**PUBLIC_BODIES["register"], "password": long_password, "password_confirm": long_password},
    )
    errors = assert_fields(response, "password")
    assert any("too long" in message for message in errors["password"])
    me, _ = await fresh_user(client, db)
    email = (await me.get(f"{AUTH}/me/")).json()["email"]
    response = await client.post(f"{AUTH}/login/", json={"email": email, "password": long_password})
    assert assert_error(response, 400)["detail"] == "Invalid email or password."
    assert time.perf_counter() - started < 2


async def test_oversized_body_is_413(client):
    """A body over the server's limit is refused with 413 in the error shape."""
    raw = b'{"email": "' + b"a" * 11_000_000 + b'"}'
    assert_error(await client.post(f"{AUTH}/login/", content=raw, headers=JSON), 413)


# --- user ids in the path ------------------------------------------------------------------------------------------

NOT_INTEGERS = ["abc", "1.5", "1e3", "%00", "0x10", "%D9%A1%D9%A2", "9" * 5_000]
OUT_OF_RANGE = ["-1", "0", "9223372036854775807", "9223372036854775808", "99999999999999999999"]


async def test_non_integer_user_id_is_404(client, db):
    """``/users/abc/`` and other non-numbers are a plain 404, for GET and PATCH."""
    me, _ = await fresh_user(client, db)
    for user_id in NOT_INTEGERS:
        for method in ("GET", "PATCH"):
            response = await me.request(method, f"{AUTH}/users/{user_id}/", json={"first_name": "X"})
            assert assert_error(response, 404)["detail"] == "Not found.", user_id[:20]


async def test_negative_zero_and_huge_user_ids_are_4xx(client, db):
    """Ids that cannot exist are a 404 to a normal user, and a 4xx (never a 500) to staff who reach the database."""
    me, _ = await fresh_user(client, db)
    staff, _ = await fresh_user(client, db, staff=True)
    for user_id in OUT_OF_RANGE:
        for method in ("GET", "PATCH"):
            url = f"{AUTH}/users/{user_id}/"
            assert_error(await me.request(method, url, json={"first_name": "X"}), 404)
            response = await staff.request(method, url, json={"first_name": "X"})
            if int(user_id) > 2**63 - 1:
                assert assert_error(response, 400)["detail"] == "A number in the request is out of range."
            else:
                assert_error(response, 404)


# --- bad tokens ----------------------------------------------------------------------------------------------------

SIGNED_IN = [("GET", "me"), ("GET", "users/me"), ("GET", "users/{uid}"), ("PATCH", "users/{uid}"), ("POST", "logout")]


async def assert_401_everywhere(client: ApiClient, headers: dict[str, str], uid: int, detail: str) -> None:
    """Every signed-in endpoint answers 401 with ``detail`` for these headers."""
    for method, path in SIGNED_IN:
        url = f"{AUTH}/{path.format(uid=uid)}/"
        response = await client.request(method, url, headers=headers, json={"first_name": "X"})
        assert assert_error(response, 401)["detail"] == detail, (url, response.text)


async def test_missing_or_malformed_authorization_header_is_401(client):
    """No token, an empty bearer or another scheme is a 401 asking for credentials."""
    for header in ("", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "Token abc.def.ghi"):
        headers = {"Authorization": header} if header else {}
        await assert_401_everywhere(client, headers, 1, "Authentication credentials were not provided.")


async def test_forged_or_malformed_access_token_is_401(client, db):
    """Garbage, unsigned (``alg: none``), foreign-key, wrong-algorithm or claim-less tokens are a 401."""
    _, uid = await fresh_user(client, db)
    tokens = {
        "garbage": "garbage",
        "three-garbage-parts": "not.a.jwt",
        "huge": "a" * 100_000,
        "alg-none": craft(client, algorithm="none", sub=str(uid)),
        "other-key": craft(client, key=OTHER_KEY, sub=str(uid)),
        "other-algorithm": craft(client, algorithm="HS384", sub=str(uid)),
        "no-exp": craft(client, exp=None, sub=str(uid)),
        "no-jti": craft(client, jti=None, sub=str(uid)),
        "no-sub": craft(client, sub=None),
        "sub-text": craft(client, sub="admin"),
    }
    for kind, token in tokens.items():
        try:
            await assert_401_everywhere(client, {"Authorization": f"Bearer {token}"}, uid, "Token is invalid.")
        except AssertionError as exc:
            raise AssertionError(kind) from exc


async def test_expired_access_token_is_401_token_expired(client, db):
    """An expired token says so, so the client knows to refresh."""
    _, uid = await fresh_user(client, db)
    now = int(time.time())
    token = craft(client, sub=str(uid), user_id=uid, iat=now - 7_200, exp=now - 3_600)
    await assert_401_everywhere(client, {"Authorization": f"Bearer {token}"}, uid, "Token is expired.")


async def test_refresh_token_used_as_access_token_is_401(client, db):
    """A refresh token in the Authorization header is refused."""
    _, uid = await fresh_user(client, db)
    refresh, _ = client.raw.app.state.auth.codec.issue(uid, "refresh")
    await assert_401_everywhere(client, {"Authorization": f"Bearer {refresh}"}, uid, "Token is not an access token.")


async def test_token_for_nonexistent_deleted_or_inactive_user_is_401(client, db):
    """A valid signature for a user who is gone, deactivated or never existed is still a 401."""
    _, deleted = await fresh_user(client, db)
    _, inactive = await fresh_user(client, db)
    async with db() as session:
        await session.execute(delete(m.User).where(m.User.id == deleted))
        await session.execute(update(m.User).where(m.User.id == inactive).values(is_active=False))
        await session.commit()
    for uid in (deleted, inactive, 987_654, -1, 0):
        token = craft(client, sub=str(uid), user_id=uid)
        headers = {"Authorization": f"Bearer {token}"}
        expected = "User not found or inactive." if uid > 0 else "Token is invalid."
        await assert_401_everywhere(client, headers, max(uid, 1), expected)


async def test_bad_refresh_tokens_are_401(client, db):
    """``/token/refresh/`` with a forged, expired, access-type or orphaned token is a 401 with a detail."""
    _, uid = await fresh_user(client, db)
    now = int(time.time())
    cases = {
        "garbage": ("garbage", "Token is invalid."),
        "alg-none": (craft(client, algorithm="none", token_type="refresh", sub=str(uid)), "Token is invalid."),
        "other-key": (craft(client, key=OTHER_KEY, token_type="refresh", sub=str(uid)), "Token is invalid."),
        "expired": (
            craft(client, token_type="refresh", sub=str(uid), iat=now - 7_200, exp=now - 3_600),
            "Token is expired.",
        ),
        "access": (craft(client, sub=str(uid)), "Token is not a refresh token."),
        "no-user": (craft(client, token_type="refresh", sub="987654"), "User not found or inactive."),
    }
    for kind, (token, detail) in cases.items():
        response = await client.post(f"{AUTH}/token/refresh/", json={"refresh": token})
        assert assert_error(response, 401)["detail"] == detail, kind


async def test_logout_ignores_a_bad_refresh_token_but_still_logs_out(client, db):
    """A garbage or foreign refresh token on logout does not error; the access token is revoked anyway."""
    me, uid = await fresh_user(client, db)
    other = craft(client, key=OTHER_KEY, token_type="refresh", sub=str(uid))
    response = await me.post(f"{AUTH}/logout/", json={"refresh": other})
    assert response.status_code == 200, response.text
    assert_error(await me.get(f"{AUTH}/me/"), 401)


@pytest.mark.parametrize(
    "claims", [{"sub": "9" * 30}, {"exp": 10**20}], ids=["sub-beyond-int64", "exp-beyond-datetime"]
)
async def test_signed_token_with_out_of_range_claims_is_401(client, claims):
    """Even a correctly signed token with absurd numbers is a 401, like any other unusable token."""
    response = await client.as_token(craft(client, **claims)).get(f"{AUTH}/me/")
    assert_error(response, 401)
