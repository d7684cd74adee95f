"""Live channels and caches across processes: two real uvicorn processes on loopback sharing PostgreSQL and Redis.

A socket opened on process B receives the board frames and the notifications caused by REST calls answered by
process A (Redis pub/sub carries them), and B's cached issue list follows A's writes. Runs only when ``SCRUM_TEST_DATABASE_URL`` is a PostgreSQL URL and ``SCRUM_TEST_REDIS_URL`` is set.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.test_auth_over_http import (
    _ON_PG,
    _REDIS_URL,
    HOST,
    REPO_ROOT,
    START_TIMEOUT,
    _admin_dsn,
    _free_port,
    _pg_execute,
    _server_env,
    _stop,
)
from tests.helpers import PASSWORD

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.skipif(not (_ON_PG and _REDIS_URL), reason="needs PostgreSQL and Redis (SCRUM_TEST_*_URL)"),
]

FRAME_TIMEOUT = 10.0


@pytest.fixture(name="pair", scope="module")
def fx_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, list[Path]]]:
    """Two server processes (A and B) on one fresh, migrated PostgreSQL database and the test Redis."""
    var_dir = tmp_path_factory.mktemp("e2e-channel")
    name = f"scrum_e2e_ws_{secrets.token_hex(4)}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    env = _server_env(_admin_dsn(name), var_dir)  # one env: both processes must share the JWT secret
    env["SCRUM_PLUGINS"] = "notifications"
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []
    try:
        migrated = subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stderr
        bases = []
        for label in ("a", "b"):
            port = _free_port()
            log = var_dir / f"server-{label}.log"
            logs.append(log)
            command = [sys.executable, "-m", "uvicorn", "--factory", "core.app:create_app", "--host", HOST]
            with log.open("wb") as out:
                procs.append(
                    subprocess.Popen(
                        [*command, "--port", str(port)], cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                    )
                )
            bases.append(f"http://{HOST}:{port}")
        deadline = time.monotonic() + START_TIMEOUT
        for proc, base, log in zip(procs, bases, logs, strict=True):
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"{base} exited:\n{log.read_text(errors='replace')}")
                try:
                    if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{base} did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.1)
        yield bases[0], bases[1], logs
    finally:
        for proc in procs:
            _stop(proc)
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _call(http: httpx.Client, method: str, url: str, token: str | None = None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = http.request(method, url, headers=headers, **kwargs)
    assert response.status_code < 300, f"{method} {url}: {response.status_code} {response.text}"
    return response.json() if response.content else None


def _user_on(http: httpx.Client, tag: str) -> tuple[str, dict[str, Any]]:
    """Register and log in a new user; returns their access token and the login body."""
    body = {
        "email": f"{tag}@example.com",
        "username": tag,
        "first_name": "Live",
        "last_name": "User",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    _call(http, "POST", "/api/v1/auth/register/", json=body)
    login = _call(http, "POST", "/api/v1/auth/login/", json={"email": body["email"], "password": PASSWORD})
    return login["access"], login


def _board_on(base: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A user with an organization, workspace, project and kanban board; returns token, login and board."""
    tag = secrets.token_hex(3)
    with httpx.Client(base_url=base, timeout=10.0) as http:
        token, login = _user_on(http, f"ws_{tag}")
        org = _call(http, "POST", "/api/v1/orgs/organizations/", token, json={"name": f"Org {tag}"})
        ws = _call(http, "POST", "/api/v1/workspaces/", token, json={"organization": org["id"], "name": "WS"})
        project = _call(
            http,
            "POST",
            "/api/v1/projects/projects/",
            token,
            json={"name": "Live", "key": "live", "workspace": ws["id"]},
        )
        board = _call(http, "POST", "/api/v1/projects/boards/", token, json={"project": project["id"], "name": "B"})
    return token, login, board


async def _frame(socket: Any, kind: str, timeout: float = FRAME_TIMEOUT) -> dict[str, Any]:
    """The next frame of type ``kind`` (pings and presence frames skipped), within ``timeout``."""

    async def wait() -> dict[str, Any]:
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] == kind:
                data: dict[str, Any] = frame["data"]
                return data
            assert frame["type"] in ("ping", "user.joined", "user.left"), frame

    return await asyncio.wait_for(wait(), timeout)


def test_socket_on_process_b_hears_a_move_made_on_process_a(pair):
    """A REST create and move answered by process A reach a board socket held by process B."""
    from websockets.asyncio.client import connect

    base_a, base_b, logs = pair
    token, login, board = _board_on(base_a)
    columns = {column["name"]: column for column in board["columns"]}
    ws_b = base_b.replace("http://", "ws://")

    async def scenario() -> None:
        async with connect(f"{ws_b}/ws/boards/{board['id']}/?token={token}", open_timeout=FRAME_TIMEOUT) as socket:
            # Our own presence frame came back through Redis: the subscription on B is live.
            joined = await _frame(socket, "user.joined")
            assert joined["user_id"] == str(login["user"]["id"])
            async with httpx.AsyncClient(base_url=base_a, timeout=10.0) as http:
                auth = {"Authorization": f"Bearer {token}"}
                created = await http.post(
                    f"/api/v1/projects/boards/{board['id']}/issues/",
                    json={"title": "Across", "column_id": columns["To Do"]["id"]},
                    headers=auth,
                )
                assert created.status_code == 201, created.text
                issue = created.json()
                heard = await _frame(socket, "issue.created")
                assert heard["issue"]["id"] == issue["id"]
                assert heard["user"]["id"] == str(login["user"]["id"])
                moved = await http.patch(
                    f"/api/v1/projects/boards/{board['id']}/issues/{issue['id']}/move/",
                    json={"column_id": columns["In Progress"]["id"]},
                    headers=auth,
                )
                assert moved.status_code == 200, moved.text
                frame = await _frame(socket, "issue.moved")
        assert frame["issue"]["id"] == issue["id"]
        assert frame["from_status"] == columns["To Do"]["workflow_status"]["id"]
        assert frame["to_status"] == columns["In Progress"]["workflow_status"]["id"]
        assert frame["issue"]["status"]["id"] == frame["to_status"]

    try:
        asyncio.run(asyncio.wait_for(scenario(), 4 * FRAME_TIMEOUT))
    except BaseException:
        for log in logs:
            sys.stderr.write(f"--- {log.name}\n{log.read_text(errors='replace')}\n")
        raise


def test_refused_sockets_close_with_4xxx_after_the_handshake(pair):
    """A bad token closes with 4001 and a board of another tenant with 4004, after a completed handshake."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    base_a, base_b, _ = pair
    _, _, board = _board_on(base_a)
    stranger_token, _, _ = _board_on(base_b)
    ws_b = base_b.replace("http://", "ws://")

    async def close_code(url: str) -> int | None:
        async with connect(url, open_timeout=FRAME_TIMEOUT) as socket:
            try:
                await asyncio.wait_for(socket.recv(), FRAME_TIMEOUT)
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        return None

    assert asyncio.run(close_code(f"{ws_b}/ws/boards/{board['id']}/?token=nope")) == 4001
    assert asyncio.run(close_code(f"{ws_b}/ws/boards/{board['id']}/?token={stranger_token}")) == 4004


def test_a_list_cached_by_process_b_shows_writes_made_on_process_a(pair):
    """Process B's cached issue list and detail follow every edit answered by process A (change triggers + LISTEN).

    The change reaches B within the notification latency (well under a millisecond here); the test allows a
    second before calling an answer stale.
    """
    base_a, base_b, _ = pair
    token, _, board = _board_on(base_a)
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_a, timeout=10.0) as on_a, httpx.Client(base_url=base_b, timeout=10.0) as on_b:
        project_id = board["project"]["id"]
        issue = _call(on_a, "POST", "/api/v1/projects/issues/", token, json={"project": project_id, "title": "Start"})
        list_url = f"/api/v1/projects/issues?&project={project_id}"
        detail_url = f"/api/v1/projects/issues/{issue['id']}/"
        immediate = 0
        for n in range(10):
            for _ in range(2):  # the second read is served from B's memory
                on_b.get(list_url, headers=auth).raise_for_status()
                on_b.get(detail_url, headers=auth).raise_for_status()
            title = f"Edited on A #{n}"
            _call(on_a, "PATCH", detail_url, token, json={"title": title})
            deadline = time.monotonic() + 1.0
            first = True
            while True:
                listed = on_b.get(list_url, headers=auth).json()["results"][0]["title"]
                detailed = on_b.get(detail_url, headers=auth).json()["title"]
                if listed == detailed == title:
                    immediate += first
                    break
                assert time.monotonic() < deadline, f"process B still answers {listed!r} / {detailed!r}"
                first = False
                time.sleep(0.01)
    assert immediate >= 8, f"only {immediate}/10 edits were visible on B at the first read"


def test_a_notification_created_on_process_a_reaches_a_socket_on_process_b(pair):
    """Assigning an issue through A pushes notification.created to the assignee's socket held by B."""
    from websockets.asyncio.client import connect

    base_a, base_b, logs = pair
    owner_token, _, board = _board_on(base_a)
    project_id = board["project"]["id"]
    with httpx.Client(base_url=base_a, timeout=10.0) as http:
        project = _call(http, "GET", f"/api/v1/projects/projects/{project_id}/", owner_token)
        workspace = _call(http, "GET", f"/api/v1/workspaces/{project['workspace']}/", owner_token)
        member_token, member = _user_on(http, f"nb{secrets.token_hex(3)}")
        invited = _call(
            http,
            "POST",
            "/api/v1/orgs/invitations/",
            owner_token,
            json={"organization": workspace["organization"], "email": member["user"]["email"]},
        )
        _call(http, "POST", f"/api/v1/orgs/invitations/{invited['invitation']['token']}/accept/", member_token)
        _call(
            http,
            "POST",
            "/api/v1/workspaces/members/",
            owner_token,
            json={"workspace": workspace["id"], "user_id": str(member["user"]["id"]), "role": "member"},
        )
        issue = _call(http, "POST", "/api/v1/projects/issues/", owner_token, json={"project": project_id, "title": "T"})
    ws_b = base_b.replace("http://", "ws://")

    async def scenario() -> dict[str, Any]:
        # B's subscription must be live before A publishes: retry the assignment until a frame arrives.
        auth = {"Authorization": f"Bearer {owner_token}"}
        assign_url = f"/api/v1/projects/issues/{issue['id']}/assign/"
        async with (
            connect(f"{ws_b}/ws/notifications/?token={member_token}", open_timeout=FRAME_TIMEOUT) as socket,
            httpx.AsyncClient(base_url=base_a, timeout=10.0) as http,
        ):
            for _ in range(20):
                await http.patch(assign_url, json={"assignee": None}, headers=auth)
                assigned = await http.patch(assign_url, json={"assignee": member["user"]["id"]}, headers=auth)
                assert assigned.status_code == 200, assigned.text
                try:
                    return await _frame(socket, "notification.created", timeout=0.5)
                except TimeoutError:
                    continue
        raise AssertionError("no notification reached the socket on B")

    try:
        data = asyncio.run(asyncio.wait_for(scenario(), 4 * FRAME_TIMEOUT))
    except BaseException:
        for log in logs:
            sys.stderr.write(f"--- {log.name}\n{log.read_text(errors='replace')}\n")
        raise
    assert data["notification_type"] == "assignment"
    assert data["recipient"] == member["user"]["id"]
