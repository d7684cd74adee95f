"""Fixtures for the diagrams plugin: an app with the plugin enabled, and helpers that build data through the API."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from plugins.diagrams import plugin as diagrams_plugin
from plugins.diagrams.settings import get_diagrams_settings
from tests.helpers import ApiClient
from tests.integration.core.test_issues import create_issue, setup_project

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

GENERATE = "/api/v1/reporting/diagrams/generate/"
GENERATE_SHORT = "/api/v1/diagrams/generate/"
EXPORT = "/api/v1/reporting/diagrams/export/"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(name="fresh_settings", autouse=True)
def fx_fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No DIAGRAMS_* variable from the shell leaks into a test; settings are re-read per test."""
    monkeypatch.delenv("DIAGRAMS_MAX_NODES", raising=False)
    get_diagrams_settings.cache_clear()
    yield
    get_diagrams_settings.cache_clear()


@pytest.fixture(name="diagrams_app")
def fx_diagrams_app(app_factory: Callable[..., Any]) -> Any:
    """The app with the diagrams plugin enabled."""
    return app_factory(available={"diagrams": diagrams_plugin})


@pytest.fixture(name="dclient")
async def fx_dclient(diagrams_app: Any) -> AsyncIterator[ApiClient]:
    """A client of the app with the plugin."""
    async with AsyncTestClient(app=diagrams_app) as raw:
        yield ApiClient(raw)


async def world(client: ApiClient, key: str = "dg") -> dict[str, Any]:
    """An owner with an organization, a (private) workspace and a project, and the project's statuses by name."""
    owner, login, org, ws, project, statuses = await setup_project(client, key=key)
    return {"owner": owner, "login": login, "org": org, "ws": ws, "project": project, "statuses": statuses}


async def issue(client: ApiClient, project: dict[str, Any], title: str, **fields: Any) -> dict[str, Any]:
    """Create an issue (a Task, P3, unless ``fields`` say otherwise)."""
    return await create_issue(client, project, title=title, **fields)


async def link(client: ApiClient, source: dict[str, Any], link_type: str, target: dict[str, Any]) -> None:
    """Link ``source`` to ``target`` the way the issue page does."""
    response = await client.post(
        f"/api/v1/projects/issues/{source['id']}/links/", json={"link_type": link_type, "target_issue_id": target["id"]}
    )
    assert response.status_code == 201, response.text


async def move(client: ApiClient, item: dict[str, Any], statuses: dict[str, Any], *names: str) -> None:
    """Move an issue through the named statuses, in order."""
    for name in names:
        response = await client.patch(
            f"/api/v1/projects/issues/{item['id']}/transition/", json={"status": statuses[name]["id"]}
        )
        assert response.status_code == 200, response.text


async def generate(client: ApiClient, diagram_type: str, project: dict[str, Any] | None, **body: Any) -> Any:
    """``POST .../diagrams/generate/``; returns the response."""
    payload: dict[str, Any] = {"diagram_type": diagram_type, "format": "json", **body}
    if project is not None:
        payload["project"] = project["id"]
    return await client.post(GENERATE, json=payload)


async def data_of(client: ApiClient, diagram_type: str, project: dict[str, Any] | None, **body: Any) -> Any:
    """The ``data`` of a successful JSON diagram."""
    response = await generate(client, diagram_type, project, **body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["diagram_type"] == diagram_type
    assert answer["format"] == "json"
    assert answer["cached"] is False
    return answer["data"]


def parse_svg(text: str) -> ET.Element:
    """Parse an SVG document (fails the test if it is not well-formed XML) and check its root."""
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert float(root.attrib["width"]) > 0
    assert float(root.attrib["height"]) > 0
    return root


def svg_texts(root: ET.Element) -> list[str]:
    """Every piece of text drawn in the SVG."""
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]
