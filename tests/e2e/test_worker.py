"""Jobs across processes on real Redis: enqueued by a uvicorn API process, run by a separate
``scrum workers run`` process; a worker killed with SIGKILL mid-job leaves the job to be swept and retried by
the next worker, which completes it. And the notifications plugin end to end: an assignment made through the
API is mailed by the worker process through a loopback SMTP server.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.helpers import PASSWORD

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not os.environ.get("SCRUM_TEST_REDIS_URL"), reason="SCRUM_TEST_REDIS_URL is not set"),
]

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
START_TIMEOUT = 30.0
EFFECT_TIMEOUT = 30.0
RETRY_TIMEOUT = 45.0
REDIS_URL = os.environ.get("SCRUM_TEST_REDIS_URL", "")
_APP_ENV_PREFIXES = ("SCRUM_", "DATABASE_", "REDIS_", "JWT_", "CORS_", "LOGIN_RATE_", "PASSWORD_RESET_", "SMTP_")
_APP_ENV_NAMES = {"SECRET_KEY", "FRONTEND_URL", "LOG_LEVEL", "LITESTAR_APP"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_for(check: Callable[[], Any], timeout: float, what: str, logs: Callable[[], str]) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {timeout:.0f} s\n{logs()}")
        time.sleep(0.1)


class Deployment:
    """An API process and worker processes sharing one database and one Redis, like production."""

    def __init__(self, root: Path, smtp_port: int) -> None:
        self.root = root
        self.procs: list[tuple[subprocess.Popen[bytes], Path]] = []
        database = root / "scrum.db"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(_APP_ENV_PREFIXES) and k not in _APP_ENV_NAMES
        }
        self.env.update(
            {
                "DATABASE_URL": f"sqlite:///{database.as_posix()}",
                "REDIS_URL": REDIS_URL,
                "SCRUM_VAR_DIR": str(root / "var"),
                "SECRET_KEY": "e2e-worker-secret-" + secrets.token_hex(24),
                "SCRUM_PLUGINS": "e2e_jobs,notifications",
                "SCRUM_JOBS_SWEEP_INTERVAL": "1",
                "LITESTAR_APP": "tests.e2e.worker_app:create_app",
                "SMTP_HOST": HOST,
                "SMTP_PORT": str(smtp_port),
                "SMTP_STARTTLS": "false",
                "LOGIN_RATE_LIMIT_PER_IP": "10000",
                "LOGIN_RATE_LIMIT_PER_ACCOUNT": "10000",
                "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "src")]),
                "PYTHONUNBUFFERED": "1",
            }
        )
        migrated = subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stderr
        self.port = _free_port()
        self.base_url = f"http://{HOST}:{self.port}"

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = self.root / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                command, cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.procs.append((proc, log))
        return proc

    def logs(self) -> str:
        """Every process's output, for failure messages."""
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}" for _, log in self.procs)

    def start_api(self) -> None:
        """uvicorn with the app; waits for /health."""
        proc = self._spawn(
            "api",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "tests.e2e.worker_app:create_app",
                "--host",
                HOST,
                "--port",
                str(self.port),
            ],
        )

        def healthy() -> bool:
            if proc.poll() is not None:
                pytest.fail(f"API exited with {proc.returncode}\n{self.logs()}")
            try:
                return httpx.get(f"{self.base_url}/health", timeout=1.0).status_code == 200
            except httpx.TransportError:
                return False

        _wait_for(healthy, START_TIMEOUT, "API /health", self.logs)

    def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        """``scrum workers run`` (the console script of this environment)."""
        scrum = str(Path(sys.executable).with_name("scrum"))
        return self._spawn(name, [scrum, "workers", "run"])

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL)."""
        for proc, _ in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, _ in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture(name="mailbox")
def fx_mailbox() -> Iterator[tuple[list[str], int]]:
    """A real SMTP server on loopback that keeps the raw messages."""
    from aiosmtpd.controller import Controller

    received: list[str] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            received.append(envelope.content.decode("utf-8"))
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname=HOST, port=port)
    controller.start()
    try:
        yield received, port
    finally:
        controller.stop()


@pytest.fixture(name="deployment")
def fx_deployment(tmp_path: Path, mailbox: tuple[list[str], int]) -> Iterator[Deployment]:
    """A fresh database, an emptied Redis database, and a running API process."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()
    deployment = Deployment(tmp_path, mailbox[1])
    try:
        deployment.start_api()
        yield deployment
    finally:
        deployment.stop()


def test_job_enqueued_by_the_api_runs_in_the_worker_and_survives_a_killed_worker(deployment, tmp_path):
    """A job runs in the worker process, not the API; a worker killed mid-job does not lose the job."""
    with httpx.Client(base_url=deployment.base_url, timeout=10.0) as http:
        quick = tmp_path / "quick"
        assert http.post("/api/v1/e2e-jobs", json={"path": str(quick)}).status_code == 201
        first = deployment.start_worker("worker-1")
        done = _wait_for(lambda: quick.with_name("quick.done").exists(), EFFECT_TIMEOUT, "quick job", deployment.logs)
        assert done
        ran_in = json.loads(quick.with_name("quick.done").read_text())["pid"]
        assert ran_in == first.pid  # the worker process, not the API

        slow = tmp_path / "slow"
        enqueued = http.post("/api/v1/e2e-jobs", json={"path": str(slow), "stall_first": True, "timeout": 3})
        assert enqueued.status_code == 201
        _wait_for(lambda: slow.with_name("slow.started.1").exists(), EFFECT_TIMEOUT, "first attempt", deployment.logs)
        os.killpg(first.pid, signal.SIGKILL)  # mid-job, no chance to clean up
        first.wait(timeout=10)
        assert not slow.with_name("slow.done").exists()

        second = deployment.start_worker("worker-2")
        _wait_for(lambda: slow.with_name("slow.done").exists(), RETRY_TIMEOUT, "retried job", deployment.logs)
        result = json.loads(slow.with_name("slow.done").read_text())
        assert result["attempt"] >= 2
        assert result["pid"] == second.pid


def _call(http: httpx.Client, method: str, url: str, token: str | None = None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = http.request(method, url, headers=headers, **kwargs)
    assert response.status_code < 400, f"{method} {url}: {response.status_code} {response.text}"
    return response.json() if response.content else None


def _user(http: httpx.Client, name: str) -> dict[str, Any]:
    tag = secrets.token_hex(3)
    body = {
        "email": f"{name}.{tag}@example.com",
        "username": f"{name}_{tag}",
        "first_name": name.title(),
        "last_name": "E2E",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    _call(http, "POST", "/api/v1/auth/register/", json=body)
    login: dict[str, Any] = _call(
        http, "POST", "/api/v1/auth/login/", json={"email": body["email"], "password": PASSWORD}
    )
    return login


def test_assignment_is_mailed_by_the_worker_process(deployment, mailbox):
    """Assigning an issue through the API: the in-app notification exists at once, the worker sends the email."""
    received, _ = mailbox
    deployment.start_worker("worker")
    with httpx.Client(base_url=deployment.base_url, timeout=10.0) as http:
        owner, member = _user(http, "owner"), _user(http, "member")
        token = owner["access"]
        org = _call(http, "POST", "/api/v1/orgs/organizations/", token, json={"name": "E2E Org"})
        invite = _call(
            http,
            "POST",
            "/api/v1/orgs/invitations/",
            token,
            json={"organization": org["id"], "email": member["user"]["email"]},
        )
        _call(http, "POST", f"/api/v1/orgs/invitations/{invite['invitation']['token']}/accept/", member["access"])
        ws = _call(http, "POST", "/api/v1/workspaces/", token, json={"organization": org["id"], "name": "WS"})
        _call(
            http,
            "POST",
            "/api/v1/workspaces/members/",
            token,
            json={"workspace": ws["id"], "user_id": str(member["user"]["id"]), "role": "member"},
        )
        project = _call(
            http,
            "POST",
            "/api/v1/projects/projects/",
            token,
            json={"name": "Mail", "key": "mail", "workspace": ws["id"]},
        )
        issue = _call(
            http,
            "POST",
            "/api/v1/projects/issues/",
            token,
            json={"project": project["id"], "title": "Send it", "issue_type": "Task"},
        )
        _call(
            http,
            "PATCH",
            f"/api/v1/projects/issues/{issue['id']}/assign/",
            token,
            json={"assignee": member["user"]["id"]},
        )
        listed = _call(http, "GET", "/api/v1/notifications/notifications/", member["access"])
        assert [n["title"] for n in listed["results"]] == ["MAIL-1 assigned to you"]

        def mailed() -> list[str]:
            return [m for m in received if "MAIL-1 assigned to you" in m and member["user"]["email"] in m]

        assert len(_wait_for(mailed, EFFECT_TIMEOUT, "assignment email", deployment.logs)) == 1
        invitation = [m for m in received if "You are invited to join E2E Org" in m]
        assert len(invitation) == 1
