"""Fixtures for the ml plugin: an app with the plugin enabled, and helpers that build a project with a history.

History is made through the API: an issue created straight into the final status is resolved then (its
``resolved_at`` set), with the actual hours and story points it ended with.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from plugins.ml import plugin as ml_plugin
from plugins.ml.estimators import clear_caches
from plugins.ml.settings import get_ml_settings
from tests.helpers import ApiClient
from tests.integration.core.test_issues import add_workspace_member, setup_project

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

ML = "/api/v1/ml"
SPRINTS = "/api/v1/projects/sprints"
TODAY = datetime.datetime.now(datetime.UTC).date()
ENV = (
    "ML_MIN_TRAINING_SAMPLES",
    "ML_MAX_TRAINING_ISSUES",
    "ML_STALLED_DAYS",
    "ML_HOURS_PER_DAY",
    "ML_MODEL_CACHE_SIZE",
)


def day(offset: int) -> str:
    """Today plus ``offset`` days, ISO."""
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


@pytest.fixture(name="ml_settings", autouse=True)
def fx_ml_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ML_* variable from the shell leaks into a test; settings are re-read and models forgotten per test."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    get_ml_settings.cache_clear()
    clear_caches()
    yield
    get_ml_settings.cache_clear()
    clear_caches()


@pytest.fixture(name="ml_app")
def fx_ml_app(app_factory: Callable[..., Any]) -> Any:
    """The app with the ml plugin enabled."""
    return app_factory(available={"ml": ml_plugin})


@pytest.fixture(name="mlclient")
async def fx_mlclient(ml_app: Any) -> AsyncIterator[ApiClient]:
    """A client of the app with the plugin."""
    async with AsyncTestClient(app=ml_app) as raw:
        yield ApiClient(raw)


class World:
    """An owner's organization, workspace and project, with its statuses and issue types by name."""

    def __init__(self, owner: ApiClient, login: dict[str, Any], org: dict[str, Any], ws: dict[str, Any]) -> None:
        self.owner = owner
        self.login = login
        self.org = org
        self.ws = ws
        self.project: dict[str, Any] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.types: dict[str, dict[str, Any]] = {}

    @property
    def owner_id(self) -> int:
        """The owner's integer user id."""
        return int(self.login["user"]["id"])

    async def add_project(self, key: str) -> dict[str, Any]:
        """Another project in the same workspace (becomes the current one)."""
        created = await self.owner.post(
            "/api/v1/projects/projects/", json={"name": f"Project {key}", "key": key, "workspace": self.ws["id"]}
        )
        assert created.status_code == 201, created.text
        await self._use(created.json())
        return self.project

    async def _use(self, project: dict[str, Any]) -> None:
        self.project = project
        pid = project["id"]
        statuses = (await self.owner.get(f"/api/v1/projects/workflow-statuses/?project={pid}")).json()["results"]
        types = (await self.owner.get(f"/api/v1/projects/issue-types/?project={pid}")).json()["results"]
        self.statuses = {st["name"]: st for st in statuses}
        self.types = {t["name"]: t for t in types}

    async def member(self, client: ApiClient) -> tuple[ApiClient, dict[str, Any]]:
        """A new user who joins the organization and the workspace."""
        return await add_workspace_member(client, self.owner, self.org, self.ws)

    async def issue(self, title: str, *, as_client: ApiClient | None = None, **fields: Any) -> dict[str, Any]:
        """Create an issue in the current project (``issue_type`` by name, ``status`` by name)."""
        body: dict[str, Any] = {"project": self.project["id"], "title": title, "issue_type": "Task", "priority": "P3"}
        body.update(fields)
        if "status" in body:
            body["status"] = self.statuses[body["status"]]["id"]
        response = await (as_client or self.owner).post("/api/v1/projects/issues/", json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def resolved(self, title: str, **fields: Any) -> dict[str, Any]:
        """An issue created straight into Done: resolved now, with the hours and points given."""
        return await self.issue(title, status="Done", **fields)

    async def sprint(self, name: str = "Sprint 1", **fields: Any) -> dict[str, Any]:
        """A planning sprint of the current project (two weeks from today unless dates are given)."""
        body = {"project": self.project["id"], "name": name, "start_date": day(0), "end_date": day(14)}
        body.update(fields)
        response = await self.owner.post(f"{SPRINTS}/", json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def start(self, sprint: dict[str, Any]) -> None:
        """Start a sprint."""
        response = await self.owner.post(f"{SPRINTS}/{sprint['id']}/start/")
        assert response.status_code == 200, response.text

    async def complete(self, sprint: dict[str, Any]) -> None:
        """Complete a sprint (unfinished issues go to the backlog)."""
        response = await self.owner.post(f"{SPRINTS}/{sprint['id']}/complete/", json={})
        assert response.status_code == 200, response.text

    async def add_to(self, sprint: dict[str, Any], issue: dict[str, Any]) -> None:
        """Put an issue in a sprint."""
        response = await self.owner.post(f"{SPRINTS}/{sprint['id']}/issues/", json={"issue_id": issue["id"]})
        assert response.status_code == 200, response.text


async def make_world(client: ApiClient, key: str = "ml") -> World:
    """An owner with an organization, workspace and project."""
    owner, login, org, ws, project, _ = await setup_project(client, key=key)
    world = World(owner, login, org, ws)
    await world._use(project)
    return world


def estimate_body(world: World, title: str, issue_type: str = "Bug", **fields: Any) -> dict[str, Any]:
    """A predict-effort / recommend-story-points body as the web client sends it (the type's id)."""
    body = {"title": title, "issue_type": world.types[issue_type]["id"], "project_id": world.project["id"]}
    body.update(fields)
    return body


async def ml_post(client: ApiClient, route: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """POST to an ml route and check the status."""
    response = await client.post(f"{ML}/{route}/", json=body)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result
