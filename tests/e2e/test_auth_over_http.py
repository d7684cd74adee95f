"""The auth flow over real HTTP against a real ``uvicorn`` process, on SQLite and (when configured) PostgreSQL.

Each backend gets a throwaway database built by the real Alembic migrations and its own server process on a free
loopback port. PostgreSQL runs only when ``SCRUM_TEST_DATABASE_URL`` is a PostgreSQL URL: a fresh database is
created on that server and dropped afterwards. ``SCRUM_TEST_REDIS_URL`` (optional) becomes the server's ``REDIS_URL``.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from core.settings import normalize_database_url
from tests.helpers import PASSWORD

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.e2e]

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
LOG_TIMEOUT = 5.0
AUTH = "/api/v1/auth"
NEW_PASSWORD = "fresh-Lantern-orbit-47"
RESET_LINE = re.compile(r"password reset link for (?P<email>\S+): (?P<url>\S+)")

_PG_URL = normalize_database_url(os.environ.get("SCRUM_TEST_DATABASE_URL", "").strip())
_ON_PG = _PG_URL.startswith("postgresql+asyncpg://")
_REDIS_URL = os.environ.get("SCRUM_TEST_REDIS_URL", "").strip()
# The server's own settings come only from what this module sets (see ``_server_env``), never from the shell.
_APP_ENV_PREFIXES = ("SCRUM_", "DATABASE_", "REDIS_", "JWT_", "CORS_", "LOGIN_RATE_", "PASSWORD_RESET_")
_APP_ENV_NAMES = {"SECRET_KEY", "FRONTEND_URL", "LOG_LEVEL"}
_counter = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Server:
    """A running server process: its base URL, its backend and the file its output goes to."""

    base_url: str
    backend: str
    log_path: Path

    def log(self) -> str:
        """Everything the process wrote so far (stdout and stderr)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_APP_ENV_PREFIXES) and key not in _APP_ENV_NAMES
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "SCRUM_VAR_DIR": str(var_dir),
            "SECRET_KEY": "e2e-secret-key-" + secrets.token_hex(24),
            "SCRUM_PLUGINS": "",
            # A shared Redis keeps login counters for the whole window across runs: do not let reruns trip them.
            "LOGIN_RATE_LIMIT_PER_IP": "10000",
            "LOGIN_RATE_LIMIT_PER_ACCOUNT": "10000",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if _REDIS_URL:
        env["REDIS_URL"] = _REDIS_URL
    return env


def _admin_dsn(database: str | None = None) -> str:
    """A plain ``postgresql://`` DSN for asyncpg on the SCRUM_TEST_DATABASE_URL server (optionally another db)."""
    url = make_url(_PG_URL).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


async def _pg_execute(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_admin_dsn(), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@dataclass(frozen=True, slots=True)
class Database:
    """A freshly migrated database: which backend and the URL the server gets as ``DATABASE_URL``."""

    backend: str
    url: str


@pytest.fixture(
    name="database",
    scope="module",
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not _ON_PG, reason="SCRUM_TEST_DATABASE_URL is not a PostgreSQL URL"),
            ],
        ),
    ],
)
def fx_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A fresh database migrated by ``alembic upgrade head``: a SQLite file, or a throwaway PostgreSQL database."""
    backend: str = request.param
    var_dir = tmp_path_factory.mktemp(f"e2e-{backend}-migrate")
    name = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{(var_dir / 'e2e.db').as_posix()}"
    else:
        name = f"scrum_e2e_{os.getpid()}_{secrets.token_hex(3)}"
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
        url = _admin_dsn(name)
    try:
        migrated = subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=REPO_ROOT,
            env=_server_env(url, var_dir),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert migrated.returncode == 0, f"alembic upgrade head failed:\n{migrated.stdout}\n{migrated.stderr}"
        yield Database(backend=backend, url=url)
    finally:
        if name is not None:
            asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT)


@pytest.fixture(name="server", scope="module")
def fx_server(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real uvicorn process serving the app on a free loopback port, on a freshly migrated database."""
    backend = database.backend
    var_dir = tmp_path_factory.mktemp(f"e2e-{backend}-var")
    log_path = var_dir / "server.log"
    port = _free_port()
    base_url = f"http://{HOST}:{port}"
    command = [sys.executable, "-m", "uvicorn", "--factory", "core.app:create_app", "--host", HOST, "--port", str(port)]
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            command, cwd=REPO_ROOT, env=_server_env(database.url, var_dir), stdout=log_file, stderr=subprocess.STDOUT
        )
    server = Server(base_url=base_url, backend=backend, log_path=log_path)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode} before answering /health:\n{server.log()}")
            try:
                if httpx.get(f"{base_url}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer /health within {START_TIMEOUT:.0f} s:\n{server.log()}")
            time.sleep(0.1)
        yield server
    finally:
        _stop(proc)


@pytest.fixture(name="http")
def fx_http(server: Server) -> Iterator[httpx.Client]:
    """An HTTP client on the server's base URL."""
    with httpx.Client(base_url=server.base_url, timeout=10.0) as client:
        yield client


def _new_user(server: Server) -> dict[str, Any]:
    n = next(_counter)
    tag = f"{server.backend}{n}{secrets.token_hex(2)}"
    return {
        "email": f"E2E.{tag}@Example.com",
        "username": f"e2e_{tag}",
        "first_name": "End",
        "last_name": f"ToEnd{n}",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }


def _register(http: httpx.Client, server: Server) -> dict[str, Any]:
    body = _new_user(server)
    response = http.post(f"{AUTH}/register/", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert created["email"] == body["email"].lower()
    return created


def _login(http: httpx.Client, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = http.post(f"{AUTH}/login/", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _reset_link(server: Server, email: str) -> tuple[str, str]:
    """Wait (bounded) for the server to log the reset link for ``email``; return the log line and the URL."""
    deadline = time.monotonic() + LOG_TIMEOUT
    while True:
        for line in server.log().splitlines():
            match = RESET_LINE.search(line)
            if match and match["email"] == email:
                return line, match["url"]
        if time.monotonic() > deadline:
            pytest.fail(f"no password reset link logged for {email}:\n{server.log()}")
        time.sleep(0.05)


def test_health_and_ready_answer(http):
    """``/health`` and ``/ready`` answer 200 with every dependency reported ok."""
    health = http.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = http.get("/ready")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    if _REDIS_URL:
        assert body["checks"]["redis"] == "ok"


def test_openapi_schema_is_served(http):
    """The OpenAPI document is public JSON listing the auth paths."""
    response = http.get("/api/schema/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/")
    schema = response.json()
    assert schema["paths"]
    assert any(path.startswith(f"{AUTH}/login") for path in schema["paths"])


def test_cors_preflight_for_login(http):
    """A browser preflight from the web client's origin is allowed."""
    response = http.options(
        f"{AUTH}/login/",
        headers={
            "Origin": "http://localhost:4200",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert 200 <= response.status_code < 300, response.text
    assert response.headers.get("access-control-allow-origin") in {"*", "http://localhost:4200"}
    allowed = response.headers.get("access-control-allow-headers", "").lower()
    assert "authorization" in allowed
    assert "content-type" in allowed


def test_register_login_me_refresh_profile_logout(http, server):
    """Register, log in, read /me, rotate the refresh token, edit the profile, log out: all over HTTP."""
    created = _register(http, server)
    login = _login(http, created["email"].upper())
    access = login["access"]
    assert access.startswith("eyJ")
    assert len(access.split(".")) == 3
    assert login["refresh"] != access
    user = login["user"]
    assert isinstance(user["id"], int)
    assert user["id"] == created["id"]
    assert isinstance(user["user_uuid"], str)
    assert user["user_uuid"]

    me = http.get(f"{AUTH}/me/", headers=_bearer(access))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == user["id"]
    assert http.get(f"{AUTH}/me/").status_code == 401

    rotated = http.post(f"{AUTH}/token/refresh/", json={"refresh": login["refresh"]})
    assert rotated.status_code == 200, rotated.text
    pair = rotated.json()
    assert pair["refresh"] != login["refresh"]
    assert pair["access"].startswith("eyJ")
    reused = http.post(f"{AUTH}/token/refresh/", json={"refresh": login["refresh"]})
    assert reused.status_code == 401, reused.text

    access = pair["access"]
    patched = http.patch(
        f"{AUTH}/users/{user['id']}/",
        headers=_bearer(access),
        json={"first_name": "Zoe", "bio": "Hello from e2e", "timezone": "America/La_Paz", "language": "es"},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["first_name"] == "Zoe"
    assert body["profile"]["bio"] == "Hello from e2e"
    assert body["profile"]["timezone"] == "America/La_Paz"
    assert body["profile"]["language"] == "es"
    assert "bio" not in body

    logout = http.post(f"{AUTH}/logout/", headers=_bearer(access), json={"refresh": pair["refresh"]})
    assert logout.status_code == 200, logout.text
    assert logout.json() == {"message": "Logged out successfully"}
    assert http.get(f"{AUTH}/me/", headers=_bearer(access)).status_code == 401
    assert http.post(f"{AUTH}/token/refresh/", json={"refresh": pair["refresh"]}).status_code == 401


def test_password_reset_request_does_not_reveal_accounts(http, server):
    """A reset request answers the same for a known and an unknown email, and logs a link only for the known one."""
    created = _register(http, server)
    unknown_email = f"nobody-{server.backend}-{secrets.token_hex(4)}@example.com"
    # Unknown first: log records are written in order, so once the known link shows up nothing is still pending.
    unknown = http.post(f"{AUTH}/password-reset-request/", json={"email": unknown_email})
    known = http.post(f"{AUTH}/password-reset-request/", json={"email": created["email"]})
    assert known.status_code == 200, known.text
    assert unknown.status_code == 200, unknown.text
    assert known.content == unknown.content
    assert "message" in known.json()
    _reset_link(server, created["email"])
    assert unknown_email not in server.log()


def test_password_reset_link_from_the_log_sets_a_new_password_once(http, server):
    """The logged reset link's token sets a new password once; the new password logs in; reuse is a 400."""
    created = _register(http, server)
    email = created["email"]
    requested = http.post(f"{AUTH}/password-reset-request/", json={"email": email})
    assert requested.status_code == 200, requested.text
    line, url = _reset_link(server, email)
    assert "WARNING" in line
    assert url.startswith("http://localhost:4200/auth/reset-password/")
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert token

    confirm = {"token": token, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}
    done = http.post(f"{AUTH}/password-reset-confirm/", json=confirm)
    assert done.status_code == 200, done.text
    assert done.json() == {"message": "Password reset successful"}

    login = _login(http, email, NEW_PASSWORD)
    assert http.get(f"{AUTH}/me/", headers=_bearer(login["access"])).status_code == 200
    old = http.post(f"{AUTH}/login/", json={"email": email, "password": PASSWORD})
    assert old.status_code == 400, old.text

    again = http.post(f"{AUTH}/password-reset-confirm/", json=confirm)
    assert again.status_code == 400, again.text
    assert again.json()["token"] == ["Invalid token"]
