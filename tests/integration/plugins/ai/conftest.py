"""Fixtures for the ai plugin: an app with the plugin enabled, real servers standing in for the outside services.

* :class:`FakeOpenAI` is an OpenAI-compatible HTTP server on loopback (``/v1/chat/completions`` and
  ``/v1/embeddings``, payloads of the real shape). It records every request, so a test can read the prompt.
* :class:`FakePinecone` answers the Pinecone data-plane REST paths the SDK calls (``/vectors/upsert``, ``/query``,
  ``/vectors/delete``), keeps vectors per namespace and ranks by cosine like a ``cosine`` index.

Jobs run in-process on the embedded default; with ``SCRUM_TEST_REDIS_URL`` they go through SAQ on Redis with a
worker inside the test server, so tests wait for the index with :func:`eventually`.
"""

from __future__ import annotations

import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

import plugins.ai.models  # noqa: F401  (the plugin's table is part of the test schema)
from core.db import models as m
from plugins.ai import plugin as ai_plugin
from plugins.ai.embeddings import local_vectors
from plugins.ai.models import IssueVector
from plugins.ai.services import clear_answer_cache
from plugins.ai.settings import get_ai_settings
from plugins.ai.vectors import clear_matrix_cache
from tests.helpers import ApiClient
from tests.integration.core.test_issues import add_workspace_member, setup_project
from tests.integration.plugins.support import eventually, jobs_overrides

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

AI = "/api/v1/ai"
ISSUES = "/api/v1/projects/issues"
HOST = "127.0.0.1"
ENV = (
    "AI_API_KEY",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "AI_BASE_URL",
    "AI_CHAT_MODEL",
    "AI_EMBEDDING_MODEL",
    "AI_EMBEDDINGS",
    "AI_TIMEOUT",
    "AI_MAX_RETRIES",
    "AI_MAX_TOKENS",
    "AI_VECTOR_CACHE_MB",
    "AI_INDEX_ON_STARTUP",
    "PINECONE_API_KEY",
    "PINECONE_INDEX_HOST",
    "PINECONE_NAMESPACE_PREFIX",
)


# --- the OpenAI-compatible server -------------------------------------------------------------------------


class FakeOpenAI:
    """An OpenAI-compatible API on loopback. Chat answers ``reply``; embeddings are the local hashing vectors."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.reply = "The login page crash is tracked in APP-1."
        self.status = 200
        self.delay = 0.0
        self.usage = (120, 35)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                with fake.lock:
                    fake.requests.append(
                        {"path": self.path, "json": body, "authorization": self.headers.get("Authorization")}
                    )
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.status != 200:
                    self._send(fake.status, {"error": {"message": "upstream trouble", "type": "server_error"}})
                elif self.path.endswith("/chat/completions"):
                    self._send(200, fake.chat_payload(body))
                elif self.path.endswith("/embeddings"):
                    self._send(200, fake.embeddings_payload(body))
                else:
                    self._send(404, {"error": {"message": "no such route"}})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://{HOST}:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def chat_payload(self, body: dict[str, Any]) -> dict[str, Any]:
        """A ``chat.completion`` object answering ``reply`` with ``usage``."""
        prompt_tokens, completion_tokens = self.usage
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "test-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.reply},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    @staticmethod
    def embeddings_payload(body: dict[str, Any]) -> dict[str, Any]:
        """An embeddings ``list`` of float vectors, one per input, in order."""
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        vectors = local_vectors(texts)
        return {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": [float(x) for x in vector]}
                for i, vector in enumerate(vectors)
            ],
            "model": body.get("model"),
            "usage": {"prompt_tokens": 8 * len(texts), "total_tokens": 8 * len(texts)},
        }

    def calls(self, kind: str) -> list[dict[str, Any]]:
        """Bodies of the requests to ``chat/completions`` or ``embeddings``."""
        with self.lock:
            return [r["json"] for r in self.requests if r["path"].endswith(f"/{kind}")]

    def prompts(self) -> list[str]:
        """Every chat request's messages, joined into one text each."""
        return [
            "\n".join(message["content"] for message in body["messages"]) for body in self.calls("chat/completions")
        ]


@pytest.fixture(name="openai_server")
def fx_openai_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """The OpenAI-compatible server; the plugin is configured to use it for answers and embeddings."""
    fake = FakeOpenAI()
    fake.thread.start()
    monkeypatch.setenv("AI_API_KEY", "sk-test-key")
    monkeypatch.setenv("AI_BASE_URL", fake.base_url)
    monkeypatch.setenv("AI_MAX_RETRIES", "0")
    monkeypatch.setenv("AI_TIMEOUT", "5")
    get_ai_settings.cache_clear()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        get_ai_settings.cache_clear()


# --- the Pinecone data plane ------------------------------------------------------------------------------


def _matches(metadata: dict[str, Any], condition: dict[str, Any] | None) -> bool:
    for field, rule in (condition or {}).items():
        value = metadata.get(field)
        if isinstance(rule, dict):
            if "$in" in rule and value not in rule["$in"]:
                return False
            if "$eq" in rule and value != rule["$eq"]:
                return False
        elif value != rule:
            return False
    return True


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class FakePinecone:
    """A Pinecone index's data plane (REST, as the SDK calls it): vectors per namespace, cosine ranking."""

    api_key = "pc-test-key"

    def __init__(self) -> None:
        self.namespaces: dict[str, dict[str, tuple[list[float], dict[str, Any]]]] = {}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.headers.get("Api-Key") != fake.api_key:
                    self._send(401, {"code": 16, "message": "Invalid API key"})
                    return
                with fake.lock:
                    fake.requests.append({"path": self.path, "json": body})
                    status, payload = fake.handle(self.path, body)
                self._send(status, payload)

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.host = f"http://{HOST}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def handle(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one data-plane call (the lock is held)."""
        namespace = body.get("namespace", "")
        if path == "/vectors/upsert":
            space = self.namespaces.setdefault(namespace, {})
            for vector in body["vectors"]:
                space[vector["id"]] = (vector["values"], vector.get("metadata") or {})
            return 200, {"upsertedCount": len(body["vectors"])}
        if path == "/vectors/delete":
            space = self.namespaces.get(namespace)
            if body.get("deleteAll"):
                if space is None:
                    return 404, {"code": 5, "message": "Namespace not found", "details": []}
                space.clear()
            for vector_id in body.get("ids") or []:
                (space or {}).pop(vector_id, None)
            return 200, {}
        if path == "/query":
            space = self.namespaces.get(namespace, {})
            if "id" in body:
                if body["id"] not in space:
                    return 200, {"matches": [], "namespace": namespace, "usage": {"readUnits": 1}}
                vector = space[body["id"]][0]
            else:
                vector = body["vector"]
            scored = [
                (vector_id, _cosine(vector, values))
                for vector_id, (values, metadata) in space.items()
                if _matches(metadata, body.get("filter"))
            ]
            scored.sort(key=lambda item: -item[1])
            matches = [{"id": vector_id, "score": score} for vector_id, score in scored[: body["topK"]]]
            return 200, {"matches": matches, "namespace": namespace, "usage": {"readUnits": 1}}
        return 404, {"code": 5, "message": f"no route {path}"}

    def calls(self, path: str) -> list[dict[str, Any]]:
        """Bodies of the requests to ``path``."""
        with self.lock:
            return [r["json"] for r in self.requests if r["path"] == path]


@pytest.fixture(name="pinecone_server")
def fx_pinecone_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePinecone]:
    """The Pinecone stand-in; the plugin is configured to keep its vectors there."""
    fake = FakePinecone()
    fake.thread.start()
    monkeypatch.setenv("PINECONE_API_KEY", fake.api_key)
    monkeypatch.setenv("PINECONE_INDEX_HOST", fake.host)
    monkeypatch.setenv("AI_TIMEOUT", "5")
    get_ai_settings.cache_clear()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        get_ai_settings.cache_clear()


# --- the app ----------------------------------------------------------------------------------------------


@pytest.fixture(name="ai_settings", autouse=True)
def fx_ai_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No AI/OpenAI/Pinecone variable from the shell leaks into a test; caches are emptied around each test."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    get_ai_settings.cache_clear()
    clear_matrix_cache()
    clear_answer_cache()
    yield
    get_ai_settings.cache_clear()
    clear_matrix_cache()
    clear_answer_cache()


@pytest.fixture(name="ai_app")
def fx_ai_app(app_factory: Callable[..., Any]) -> Any:
    """The app with the ai plugin enabled."""
    return app_factory(available={"ai": ai_plugin}, **jobs_overrides())


@pytest.fixture(name="aiclient")
async def fx_aiclient(ai_app: Any) -> AsyncIterator[ApiClient]:
    """A client of the app with the plugin."""
    async with AsyncTestClient(app=ai_app) as raw:
        yield ApiClient(raw)


# --- a world of two tenants -------------------------------------------------------------------------------


class World:
    """Tenant A: an owner, a workspace member, projects APP and OPS in the shared workspace, SEC in a private
    workspace the member is not in. Tenant B: another owner with project RIV. Issues by key as created."""

    def __init__(self) -> None:
        self.owner: ApiClient
        self.member: ApiClient
        self.rival: ApiClient
        self.owner_login: dict[str, Any] = {}
        self.org: dict[str, Any] = {}
        self.rival_org_id = ""
        self.projects: dict[str, dict[str, Any]] = {}
        self.issues: dict[str, dict[str, Any]] = {}

    async def issue(self, project: str, title: str, description: str = "", **fields: Any) -> dict[str, Any]:
        """Create an issue through the API (as the project's owner) and remember it by its key."""
        client = self.rival if project == "RIV" else self.owner
        body = {
            "project": self.projects[project]["id"],
            "title": title,
            "description": description,
            "issue_type": "Bug",
            "priority": "P3",
        }
        body.update(fields)
        response = await client.post(f"{ISSUES}/", json=body)
        assert response.status_code == 201, response.text
        issue: dict[str, Any] = response.json()
        self.issues[issue["key"]] = issue
        return issue


async def _project(client: ApiClient, workspace: dict[str, Any], key: str) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/projects/projects/", json={"name": f"Project {key}", "key": key, "workspace": workspace["id"]}
    )
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


async def make_world(client: ApiClient) -> World:
    """Two tenants, four projects (see :class:`World`); no issues yet."""
    world = World()
    world.owner, world.owner_login, world.org, ws, app_project, _ = await setup_project(client, key="APP")
    world.projects["APP"] = app_project
    world.projects["OPS"] = await _project(world.owner, ws, "OPS")
    world.member, _ = await add_workspace_member(client, world.owner, world.org, ws)
    secret = await world.owner.post("/api/v1/workspaces/", json={"organization": world.org["id"], "name": "Secret"})
    assert secret.status_code == 201, secret.text
    world.projects["SEC"] = await _project(world.owner, secret.json(), "SEC")
    world.rival, _, rival_org, _, rival_project, _ = await setup_project(client, key="RIV")
    world.rival_org_id = rival_org["id"]
    world.projects["RIV"] = rival_project
    return world


async def seed_issues(world: World) -> None:
    """A small tracker: login, export, dark mode and payment issues; the same login text in SEC and RIV."""
    await world.issue(
        "APP", "Login page crashes", "The login page crashes with a 500 error when the password has an accent."
    )
    await world.issue("APP", "Export report to PDF", "Users want to download the sprint report as a PDF file.")
    await world.issue("APP", "Dark mode for the dashboard", "Add a dark theme toggle to the dashboard.", priority="P1")
    await world.issue("OPS", "Login crash after password reset", "Signing in right after a reset shows an error page.")
    await world.issue("OPS", "Payment gateway timeout", "Checkout fails because the payment provider times out.")
    await world.issue("SEC", "Secret login crash in the admin console", "Admins cannot sign in to the console.")
    await world.issue("RIV", "Rival login page crashes", "The login page crashes for every rival user.")


async def indexed_ids(db: Any) -> set[str]:
    """Ids of the issues that have a row in the index."""
    async with db() as session:
        return {str(issue_id) for issue_id in await session.scalars(select(IssueVector.issue_id))}


async def wait_indexed(db: Any, world: World, keys: list[str] | None = None) -> None:
    """Wait until every issue of the world (or those ``keys``) is in the index."""
    wanted = {world.issues[key]["id"] for key in (keys or list(world.issues))}

    async def check() -> bool:
        return wanted <= await indexed_ids(db)

    await eventually(check)


async def make_staff(db: Any, client: ApiClient) -> None:
    """Flag the user behind ``client`` as staff."""
    me = (await client.get("/api/v1/auth/me/")).json()
    async with db() as session:
        await session.execute(update(m.User).where(m.User.id == me["id"]).values(is_staff=True))
        await session.commit()


def keys_of(items: list[dict[str, Any]]) -> list[str]:
    """The ``key`` of each result."""
    return [item["key"] for item in items]
